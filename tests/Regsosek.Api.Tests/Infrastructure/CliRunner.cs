using System.Diagnostics;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>Where the host's command line is: the dotnet host and the regsosek.dll built with the tests.</summary>
public static class CliRunner
{
    /// <summary>The dotnet host running these tests (DOTNET_HOST_PATH under `dotnet test`), else dotnet on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The host's regsosek.dll, built with this project (same configuration).</summary>
    public static string RegsosekDll()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var built = Path.Combine(RepoPaths.Root, "src", "Regsosek.Host", "bin", configuration, framework.Name, "regsosek.dll");
        if (File.Exists(built)) return built;
        var copied = Path.Combine(AppContext.BaseDirectory, "regsosek.dll");
        Assert.True(File.Exists(copied), $"regsosek.dll is neither at {built} nor at {copied}");
        return copied;
    }

    /// <summary>The host's command line run as a process with stdout and stderr redirected, at most 120 s.</summary>
    /// <param name="environment">Variables to set (a null value removes one); by default NO_COLOR=1.</param>
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var list = args.ToList();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RegsosekDll());
        foreach (var a in list) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?> { ["NO_COLOR"] = "1" })
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"regsosek {string.Join(' ', list)} did not finish within 120 s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>How a command-line run ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
