using System.Diagnostics;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>Where the command lines are: the dotnet host, and the regsosek.dll and regsosek-generate.dll built with the tests.</summary>
public static class CliRunner
{
    /// <summary>The dotnet host running these tests (DOTNET_HOST_PATH under `dotnet test`), else dotnet on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The build configuration of these tests (Debug or Release): the one the command lines are built in.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The host's regsosek.dll, built with this project (same configuration).</summary>
    public static string RegsosekDll() => Built("Regsosek.Host", "regsosek.dll");

    /// <summary>The generator's command line, regsosek-generate.dll, built with this project (same configuration).</summary>
    public static string GeneratorDll() => Built("Regsosek.Generator.Cli", "regsosek-generate.dll");

    private static string Built(string project, string file)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var built = Path.Combine(RepoPaths.Root, "src", project, "bin", Configuration, framework.Name, file);
        if (File.Exists(built)) return built;
        var copied = Path.Combine(AppContext.BaseDirectory, file);
        Assert.True(File.Exists(copied), $"{file} is neither at {built} nor at {copied}");
        return copied;
    }

    /// <summary>The host's command line run as a process with stdout and stderr redirected, at most 120 s.</summary>
    /// <param name="environment">Variables to set (a null value removes one); by default NO_COLOR=1.</param>
    public static Task<CliResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunDllAsync(RegsosekDll(), args, environment);

    /// <summary>The generator's command line (what `./regsosek generate` runs), as <see cref="RunAsync"/>.</summary>
    public static Task<CliResult> GenerateAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunDllAsync(GeneratorDll(), args, environment);

    private static async Task<CliResult> RunDllAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment)
    {
        var list = args.ToList();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
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
            Assert.Fail($"{Path.GetFileNameWithoutExtension(dll)} {string.Join(' ', list)} did not finish within 120 s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>How a command-line run ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
