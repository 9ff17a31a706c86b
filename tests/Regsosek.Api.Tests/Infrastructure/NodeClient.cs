using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>
/// Runs tests/interop/regsosek-client.js (Node, @grpc/grpc-js, the regsosek.v1 .proto files loaded by
/// @grpc/proto-loader) against a running server: an independent gRPC implementation on the other end of the wire.
/// The google/api and google/rpc .proto files come from the NuGet package Google.Api.CommonProtos.
/// </summary>
public static class NodeClient
{
    private static readonly JsonSerializerOptions PlanJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>How long one plan may run before the test fails (generous: the machine may be loaded).</summary>
    public static readonly TimeSpan PlanTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Runs the calls one after the other and returns one result per call.</summary>
    public static async Task<IReadOnlyList<CallResult>> RunAsync(string address, params ApiCall[] calls)
    {
        await using var plan = Start(address, calls);
        return await plan.ResultsAsync();
    }

    /// <summary>Runs one call.</summary>
    public static async Task<CallResult> CallAsync(string address, ApiCall call) => (await RunAsync(address, call)).Single();

    /// <summary>Starts the calls without waiting, for tests that signal the client (see <see cref="NodePlan.CancelAsync"/>).</summary>
    public static NodePlan Start(string address, params ApiCall[] calls)
    {
        if (!Directory.Exists(Path.Combine(RepoPaths.Interop, "node_modules", "@grpc", "grpc-js")))
            Assert.Fail($"The interop client's npm packages are not installed: run `npm ci` in {RepoPaths.Interop} (scripts/bootstrap does it).");
        var start = new ProcessStartInfo(FindNode())
        {
            WorkingDirectory = RepoPaths.Interop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["REGSOSEK_COMMON_PROTOS"] = RepoPaths.CommonProtos;
        start.ArgumentList.Add(Path.Combine(RepoPaths.Interop, "regsosek-client.js"));
        start.ArgumentList.Add(address);
        start.ArgumentList.Add(JsonSerializer.Serialize(new { calls }, PlanJson));
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        return new NodePlan(process, calls.Length);
    }

    private static string FindNode()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "node.exe" : "node");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail("Node.js ('node') is not on PATH: these tests run the independent gRPC client in tests/interop with Node.js 20 or later.");
        return null!;
    }
}

/// <summary>A running plan of the Node client.</summary>
public sealed class NodePlan : IAsyncDisposable
{
    private readonly Process _process;
    private readonly int _calls;
    private readonly Task<string> _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly object _lock = new();
    private readonly List<(string Line, TaskCompletionSource Seen)> _waits = [];
    private readonly TaskCompletionSource _stderrDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal NodePlan(Process process, int calls)
    {
        _process = process;
        _calls = calls;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _ = Task.Run(ReadStderrAsync);
    }

    private async Task ReadStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
            lock (_lock)
            {
                _stderr.AppendLine(line);
                foreach (var (wanted, seen) in _waits)
                    if (line.Trim() == wanted) seen.TrySetResult();
            }
        _stderrDone.TrySetResult();
    }

    /// <summary>Completes when the client reports that call <paramref name="index"/> (with cancelOnStdin) is under way.</summary>
    public Task StartedAsync(int index)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_stderr.ToString().Split('\n').Any(l => l.Trim() == $"started {index}")) seen.TrySetResult();
            else _waits.Add(($"started {index}", seen));
        }
        return seen.Task;
    }

    /// <summary>Tells the client to cancel its waiting call.</summary>
    public async Task CancelAsync()
    {
        await _process.StandardInput.WriteLineAsync("cancel");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the client to finish and returns one result per call.</summary>
    public async Task<IReadOnlyList<CallResult>> ResultsAsync()
    {
        using var timeout = new CancellationTokenSource(NodeClient.PlanTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"the Node gRPC client did not finish within {NodeClient.PlanTimeout.TotalSeconds} s; stderr: {Stderr}");
        }
        var output = await _stdout;
        await Task.WhenAny(_stderrDone.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.True(_process.ExitCode == 0, $"the Node gRPC client exited with {_process.ExitCode}; stderr: {Stderr}");
        var results = JsonDocument.Parse(output).RootElement.Clone().EnumerateArray().Select(e => new CallResult(e)).ToList();
        Assert.Equal(_calls, results.Count);
        return results;
    }

    private string Stderr
    {
        get { lock (_lock) return _stderr.ToString(); }
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
}
