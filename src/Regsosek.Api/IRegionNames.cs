using Regsosek.Core;

namespace Regsosek.Api;

/// <summary>The official region codes and names the service knows (from the dataset's region tables).</summary>
public interface IRegionNames
{
    /// <summary>True when the code names a real region (the national code always does).</summary>
    bool Exists(RegionCode code);

    /// <summary>The region's name, or null when unknown.</summary>
    string? NameOf(RegionCode code);

    /// <summary>The regions one level below <paramref name="parent"/> (the provinces for national), by code.</summary>
    IReadOnlyList<(RegionCode Code, string Name)> Children(RegionCode parent);
}
