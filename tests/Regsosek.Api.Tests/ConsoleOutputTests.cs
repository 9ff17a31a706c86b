using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// What the built host (`dotnet regsosek.dll`) and generator (`regsosek-generate.dll`) print when its output goes to a pipe, as under a process supervisor
/// or in CI: plain text without ANSI escape codes even when TERM claims a colour terminal, and with
/// Regsosek:Logging:Format=json one JSON object per log line carrying the call's request id, tier and trace id.
/// NO_COLOR is deliberately not set here: redirection alone must be enough.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed partial class ConsoleOutputTests(ServiceFixture service)
{
    private const char Escape = '\u001b';

    [GeneratedRegex(@"^Serving HTTP/JSON and gRPC-Web \(HTTP/1\.1\) on 127\.0\.0\.1:(\d+)$", RegexOptions.Multiline)]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"^Serving Prometheus metrics on http://127\.0\.0\.1:(\d+)/metrics$", RegexOptions.Multiline)]
    private static partial Regex MetricsLine();

    [Fact]
    public async Task Generate_and_grants_list_print_no_ANSI_codes_when_stdout_is_redirected()
    {
        var folder = Path.Combine(service.Root, "plain-" + Guid.NewGuid().ToString("N")[..8]);
        var generate = await RunAsync(["--persons", "300", "--regencies", "3201", "--threads", "1", "--out", folder], [], CliRunner.GenerateAsync);
        Assert.True(generate.ExitCode == 0, generate.ToString());
        Assert.Contains("Generating 300 persons", generate.Stdout); // markup ([bold]...) rendered as plain text
        Assert.DoesNotContain(Escape, generate.Stdout);
        Assert.DoesNotContain(Escape, generate.Stderr);

        var list = await RunAsync(["grants", "list", "--all", "--home", service.Home], []);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(service.Regency3201.Grant.Id, list.Stdout);
        Assert.DoesNotContain(Escape, list.Stdout);
    }

    [Fact]
    public async Task Start_with_the_JSON_log_format_logs_each_call_as_one_JSON_object_and_serves_Prometheus_when_configured()
    {
        var home = Path.Combine(service.Root, "json-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        using var start = Start(["start", "--home", home, "--dataset", service.Dataset, "--port", "0", "--http-port", "0"], new()
        {
            ["REGSOSEK__Logging__Format"] = "json",
            ["REGSOSEK__Metrics__PrometheusPort"] = "0",
        });
        var output = new StringBuilder();
        var banner = new StringBuilder(); // the command line's own lines go to stderr in JSON mode
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        start.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n');
        };
        start.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (banner) banner.Append(e.Data).Append('\n');
            if (e.Data.StartsWith("Ctrl+C stops", StringComparison.Ordinal)) serving.TrySetResult();
        };
        start.BeginOutputReadLine();
        start.BeginErrorReadLine();
        string Output() { lock (output) return output.ToString(); }
        string Banner() { lock (banner) return banner.ToString(); }
        try
        {
            var done = await Task.WhenAny(serving.Task, start.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(done == serving.Task, $"`regsosek start` did not report serving:\n{Output()}\nstderr:\n{Banner()}");
            var httpPort = int.Parse(HttpLine().Match(Banner()) is { Success: true } h
                ? h.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no HTTP line:\n{Banner()}"));
            var metricsPort = int.Parse(MetricsLine().Match(Banner()) is { Success: true } m
                ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no Prometheus line:\n{Banner()}"));

            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{httpPort}/v1/indicators");
            request.Headers.Add("x-request-id", "json-log-test-1");
            Assert.True((await http.SendAsync(request)).IsSuccessStatusCode);
            var scrape = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
            Assert.Contains("regsosek_call_duration_seconds_count{", scrape);
        }
        finally
        {
            if (!start.HasExited)
            {
                Assert.Equal(0, Kill(start.Id, SigInt)); // Ctrl+C: a clean stop flushes the console log
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await start.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { start.Kill(entireProcessTree: true); }
            }
        }
        await start.WaitForExitAsync();
        var stdout = Output();
        Assert.DoesNotContain(Escape, stdout);
        Assert.DoesNotContain(Escape, Banner());
        Assert.Contains("Tier 1 (public)", Banner());

        // Standard output is the log alone: every line one JSON object.
        var logLines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.NotEmpty(logLines);
        var entries = logLines.Select(l =>
        {
            try { return JsonDocument.Parse(l).RootElement; }
            catch (JsonException e) { throw new Xunit.Sdk.XunitException($"not one JSON object: {l}\n{e.Message}"); }
        }).ToList();
        Assert.All(entries, e => Assert.Equal(JsonValueKind.Object, e.ValueKind));
        var call = Assert.Single(entries, e => e.GetProperty("Category").GetString() == "Regsosek.Api.RequestLogMiddleware"
                                               && e.GetProperty("State").GetProperty("RequestId").GetString() == "json-log-test-1");
        var state = call.GetProperty("State");
        Assert.Equal("/regsosek.v1.CatalogService/ListIndicators", state.GetProperty("Method").GetString());
        Assert.Equal("OK", state.GetProperty("Status").GetString());
        Assert.Equal("1", state.GetProperty("Tier").GetString());
        Assert.Matches("^[0-9a-f]{32}$", state.GetProperty("TraceId").GetString());
        Assert.Equal("Information", call.GetProperty("LogLevel").GetString());
    }


    /// <summary>The host with stdout and stderr redirected, a colour-capable TERM, and no NO_COLOR.</summary>
    private static Process Start(string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(CliRunner.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliRunner.RegsosekDll());
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("NO_COLOR");
        start.Environment["TERM"] = "xterm-256color";
        start.Environment["COLORTERM"] = "truecolor";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }



    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The host with stdout and stderr redirected, a colour-capable TERM, and no NO_COLOR.</summary>
    private static Task<CliResult> RunAsync(string[] args, Dictionary<string, string> environment,
        Func<IEnumerable<string>, IReadOnlyDictionary<string, string?>, Task<CliResult>>? run = null)
    {
        var env = new Dictionary<string, string?> { ["NO_COLOR"] = null, ["TERM"] = "xterm-256color", ["COLORTERM"] = "truecolor" };
        foreach (var (name, value) in environment) env[name] = value;
        return (run ?? CliRunner.RunAsync)(args, env);
    }
}
