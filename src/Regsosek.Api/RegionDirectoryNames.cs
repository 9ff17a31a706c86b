using Regsosek.Core;
using Regsosek.Engine;

namespace Regsosek.Api;

/// <summary>The dataset's region reference (the engine's <see cref="RegionDirectory"/>) as the API sees it.</summary>
public sealed class RegionDirectoryNames(RegionDirectory directory) : IRegionNames
{
    public bool Exists(RegionCode code) => directory.Exists(code);

    public string? NameOf(RegionCode code) =>
        code.Level == RegionLevel.National ? "Indonesia" : directory.TryGet(code, out var region) ? region.Name : null;

    public IReadOnlyList<(RegionCode Code, string Name)> Children(RegionCode parent) =>
        directory.Exists(parent) ? directory.Children(parent).Select(r => (r.Code, r.Name)).ToList() : [];
}
