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
}
