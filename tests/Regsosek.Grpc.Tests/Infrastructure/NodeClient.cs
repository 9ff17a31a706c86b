using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Regsosek.Grpc.Tests.Infrastructure;

/// <summary>Runs tests/interop/grpc-client.js (Node, @grpc/grpc-js) and returns its JSON output.</summary>
public static class NodeClient
{
    private static readonly string InteropDir = Path.Combine(RepoPaths.Root, "tests", "interop");

    /// <summary>Runs one scenario against <paramref name="address"/> ("host:port").</summary>
    public static async Task<JsonElement> RunAsync(string address, string scenario, object? arguments = null)
    {
        var node = FindNode();
        if (!Directory.Exists(Path.Combine(InteropDir, "node_modules", "@grpc", "grpc-js")))
            Assert.Fail($"The interop client's npm packages are not installed: run `npm ci` in {InteropDir} (scripts/bootstrap does it).");

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = InteropDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(InteropDir, "grpc-client.js"));
        start.ArgumentList.Add(address);
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(JsonSerializer.Serialize(arguments ?? new { }));

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node grpc-client.js {scenario} did not finish within 60 s; stderr: {await stderr}");
        }
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node grpc-client.js {scenario} exited with {process.ExitCode}; stderr: {await stderr}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string FindNode()
    {
        var names = OperatingSystem.IsWindows() ? new[] { "node.exe" } : new[] { "node" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        Assert.Fail("Node.js ('node') is not on PATH: the interop tests need Node.js 20 or later to run the independent gRPC client in tests/interop.");
        return null!;
    }
}
