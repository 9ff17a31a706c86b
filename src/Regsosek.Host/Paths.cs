namespace Regsosek.Host;

/// <summary>Finds the checkout's folders (for the embedded defaults) from wherever the host runs.</summary>
public static class Paths
{
    /// <summary>The repository root: the nearest folder above the executable holding Regsosek.DataService.sln, or null.</summary>
    public static string? RepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Regsosek.DataService.sln")))
                    return dir.FullName;
        }
        return null;
    }

    /// <summary>$REGSOSEK_HOME, else the repo's .data/, else ./.data.</summary>
    public static string DefaultHome() =>
        Environment.GetEnvironmentVariable("REGSOSEK_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(RepoRoot() ?? Directory.GetCurrentDirectory(), ".data");

    /// <summary>The region codes installed by scripts/bootstrap (idn-area-data), needed to generate data.</summary>
    public static string RegionData()
    {
        var dir = Environment.GetEnvironmentVariable("REGSOSEK_REGION_DATA") is { Length: > 0 } d
            ? d
            : Path.Combine(RepoRoot() ?? Directory.GetCurrentDirectory(), ".deps", "idn-area-data");
        if (!File.Exists(Path.Combine(dir, "villages.csv")))
            throw new DirectoryNotFoundException(
                $"the region codes (idn-area-data) are not in {dir}: run scripts/bootstrap, or set REGSOSEK_REGION_DATA");
        return dir;
    }
}
