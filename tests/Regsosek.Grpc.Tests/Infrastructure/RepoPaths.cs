namespace Regsosek.Grpc.Tests.Infrastructure;

/// <summary>Finds the repository root (the folder holding Directory.Build.props) from the test binaries.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "proto")))
                return dir.FullName;
        throw new InvalidOperationException($"Cannot find the repository root above {AppContext.BaseDirectory}.");
    }
}
