using Regsosek.Core;
using Regsosek.Engine;
using Regsosek.Stores.Grants;

namespace Regsosek.Host;

/// <summary>The engine's region reference (the dataset's wilayah tables, or idn-area-data) as the grant store's region check.</summary>
public sealed class RegionDirectoryExistence(RegionDirectory directory, string source) : IRegionExistence
{
    /// <inheritdoc/>
    public bool Exists(RegionCode code) => directory.Exists(code);

    /// <inheritdoc/>
    public string Source { get; } = source;

    /// <summary>
    /// The region tables of the configured dataset (<c>&lt;dataset&gt;/wilayah/</c>) or, when it has none, idn-area-data
    /// (<c>.deps/idn-area-data</c> or $REGSOSEK_REGION_DATA): the codes the service serves.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither exists: grants cannot be checked, so none is issued.</exception>
    public static RegionDirectoryExistence Load(ServiceOptions options)
    {
        var dataset = Directory.Exists(options.DatasetPath) ? options.DatasetPath : null;
        string? csv;
        try
        {
            csv = Paths.RegionData();
        }
        catch (DirectoryNotFoundException)
        {
            csv = null;
        }
        var directory = RegionDirectory.Load(dataset, csv);
        bool fromDataset = dataset is not null && HasRegionTables(dataset); // what RegionDirectory.Load prefers
        return new RegionDirectoryExistence(directory, fromDataset ? $"{dataset}/wilayah" : $"idn-area-data in {csv}");
    }

    private static bool HasRegionTables(string dataset) =>
        new[] { RegionLevel.Province, RegionLevel.Regency, RegionLevel.District, RegionLevel.Village }
            .All(l => File.Exists(Regsosek.Schema.DatasetLayout.RegionTablePath(dataset, l)));
}
