namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>Finds the repository root (the folder holding Directory.Build.props and proto/) from the test binaries.</summary>
public static class RepoPaths
{
    /// <summary>The repository root.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>.deps/idn-area-data, installed by scripts/bootstrap.</summary>
    public static string RegionData => Path.Combine(Root, ".deps", "idn-area-data");

    /// <summary>tests/interop, where the Node client and its npm packages live.</summary>
    public static string Interop => Path.Combine(Root, "tests", "interop");

    /// <summary>The .proto files of Google.Api.CommonProtos (google/api, google/rpc) in the NuGet package folder.</summary>
    public static string CommonProtos { get; } = typeof(RepoPaths).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CommonProtos").Value!;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "proto")))
                return dir.FullName;
        throw new InvalidOperationException($"Cannot find the repository root above {AppContext.BaseDirectory}.");
    }
}
