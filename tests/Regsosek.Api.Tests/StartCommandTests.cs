using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// The README's first command: `./regsosek start` on an empty home generates the sample dataset (with the generator's
/// own command line: the service does not carry the generator), answers its public sample question, serves gRPC to a
/// real client, and stops cleanly on Ctrl+C (SIGINT); started again on the same home it reuses the dataset and the
/// SQLite stores. The script runs on the tests' own build (REGSOSEK_CONFIGURATION).
/// </summary>
public sealed class StartCommandTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(300); // generate and prepare a sample on a machine that may be busy
    private readonly string _home = Path.Combine(Path.GetTempPath(), "regsosek-start-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task Start_on_an_empty_home_generates_the_sample_serves_and_stops_on_ctrl_c_then_reuses_it()
    {
        int port = FreePort(), httpPort = FreePort();
        string first;
        await using (var server = await RunningServer.StartAsync(_home, port, httpPort))
        {
            first = server.Output;
            Assert.Contains("No dataset yet: generating the sample dataset", first);
            Assert.Contains("Tier 1 (public)", first);
            Assert.Contains("Sumber: Registrasi Sosial Ekonomi", first.Replace(Environment.NewLine, " "));
            Assert.True(File.Exists(Path.Combine(_home, "dataset", "manifest.json")), "the sample dataset has no manifest");
            Assert.True(File.Exists(Path.Combine(_home, "regsosek.db")), "the SQLite store was not created under the home");

            var r = await ApiClient.RunAsync($"127.0.0.1:{port}",
                new ApiCall { Service = "Health", Method = "Check", Request = new { service = "" } },
                ApiCall.Catalog("ListRegions"),
                ApiCall.GoodPublicAggregate());
            Assert.True(r[0].Ok && r[0].Reply.GetProperty("status").GetString() == "SERVING", r[0].ToString());
            Assert.True(r[1].Ok && r[1].Reply.GetProperty("regions").GetArrayLength() == 38, r[1].ToString());
            Assert.True(r[2].Ok && r[2].Reply.GetProperty("rows").GetArrayLength() > 0, r[2].ToString());

            var exit = await server.InterruptAsync();
            Assert.True(exit == 0, $"Ctrl+C should stop the server with exit code 0, got {exit}:\n{server.Output}");
            Assert.DoesNotContain("Unhandled exception", server.Output);
        }

        var manifest = File.GetLastWriteTimeUtc(Path.Combine(_home, "dataset", "manifest.json"));
        await using (var again = await RunningServer.StartAsync(_home, port, httpPort))
        {
            Assert.DoesNotContain("generating the sample dataset", again.Output);
            Assert.Equal(manifest, File.GetLastWriteTimeUtc(Path.Combine(_home, "dataset", "manifest.json")));
            var r = await ApiClient.CallAsync($"127.0.0.1:{port}", ApiCall.GoodPublicAggregate());
            Assert.True(r.Ok, r.ToString());
            Assert.Equal(0, await again.InterruptAsync());
        }
    }

    [Fact]
    public async Task The_service_does_not_carry_the_generator_and_the_script_runs_it_for_generate_and_the_missing_sample()
    {
        Assert.DoesNotContain(typeof(Regsosek.Host.ServiceHost).Assembly.GetReferencedAssemblies(), a => a.Name == "Regsosek.Generator");

        // ./regsosek generate runs regsosek-generate.
        var dataset = Path.Combine(_home, "generated");
        var generate = await Script(["generate", "--persons", "300", "--regencies", "3201", "--threads", "1", "--out", dataset]);
        Assert.True(generate.ExitCode == 0, generate.ToString());
        Assert.True(File.Exists(Path.Combine(dataset, "manifest.json")), generate.ToString());

        // What ./regsosek start asks the host before starting: the sample's generator arguments, only while the
        // configured dataset is missing (start's other options pass through unharmed).
        var missing = await CliRunner.RunAsync(["dataset", "sample-args", "--home", _home, "--port", "0"],
            new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["REGSOSEK__SamplePersons"] = "1234" });
        Assert.True(missing.ExitCode == 0, missing.ToString());
        Assert.Equal(["--persons", "1234", "--seed", "20220101", "--out", Path.Combine(_home, "dataset")],
            missing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var present = await CliRunner.RunAsync(["dataset", "sample-args", "--home", _home, "--dataset", dataset]);
        Assert.True(present.ExitCode == 0 && present.Stdout.Length == 0, present.ToString());

        // The host alone on a missing dataset says how to get one, and generates nothing.
        var start = await CliRunner.RunAsync(["start", "--home", _home, "--port", "0", "--http-port", "-1"]);
        Assert.True(start.ExitCode == 2, start.ToString());
        Assert.Contains("./regsosek start' generates the sample there", start.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_home, "dataset")), "the host generated a dataset");
    }

    /// <summary>./regsosek on the tests' own build, its output collected.</summary>
    private static async Task<CliResult> Script(string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "regsosek"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["REGSOSEK_CONFIGURATION"] = CliRunner.Configuration;
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>`regsosek start` as a child process, its output collected.</summary>
    private sealed class RunningServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private RunningServer(Process process) => _process = process;

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static async Task<RunningServer> StartAsync(string home, int port, int httpPort)
        {
            var start = new ProcessStartInfo("bash")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "regsosek"));
            start.Environment["REGSOSEK_CONFIGURATION"] = CliRunner.Configuration;
            foreach (var a in new[] { "start", "--home", home, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "--http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            start.Environment["NO_COLOR"] = "1";
            start.Environment["REGSOSEK__SamplePersons"] = "20000"; // a small sample: the test checks the path, not the scale
            var server = new RunningServer(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
            server._process.OutputDataReceived += (_, e) => server.Line(e.Data);
            server._process.ErrorDataReceived += (_, e) => server.Line(e.Data);
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            var done = await Task.WhenAny(server._serving.Task, server._process.WaitForExitAsync(), Task.Delay(StartTimeout));
            if (done != server._serving.Task)
            {
                var output = server.Output;
                await server.DisposeAsync();
                Assert.Fail($"`regsosek start` did not report serving within {StartTimeout.TotalSeconds:N0} s:\n{output}");
            }
            return server;
        }

        private void Line(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
            if (line.StartsWith("Ctrl+C stops", StringComparison.Ordinal)) _serving.TrySetResult();
        }

        /// <summary>Sends SIGINT, as Ctrl+C does, and waits for the exit code.</summary>
        public async Task<int> InterruptAsync()
        {
            Assert.Equal(0, Kill(_process.Id, SigInt));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        private const int SigInt = 2;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int Kill(int pid, int signal);
    }
}
