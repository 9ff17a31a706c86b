using Regsosek.Core;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

public sealed class RegionDirectoryTests
{
    private static readonly Lazy<RegionDirectory> FromCsv = new(() => RegionDirectory.Load(null, FindDeps()));

    private static string FindDeps()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, ".deps", "idn-area-data");
            if (File.Exists(Path.Combine(path, "villages.csv"))) return path;
        }
        throw new DirectoryNotFoundException(".deps/idn-area-data not found: run scripts/bootstrap");
    }

    [Fact]
    public void The_idn_area_data_reference_has_every_official_region()
    {
        // DESIGN.md: 38 provinces, 514 regencies/cities, 7,285 districts, 83,762 villages.
        var regions = FromCsv.Value;
        Assert.Equal(38 + 514 + 7285 + 83762, regions.Count);
        var provinces = regions.Children(RegionCode.National);
        Assert.Equal(38, provinces.Count);
        Assert.Equal(514, provinces.Sum(p => regions.Children(p.Code).Count));
        Assert.Equal(new RegionInfo(RegionCode.Parse("11"), "Aceh", RegionLevel.Province), provinces[0]);
    }

    [Fact]
    public void Children_are_one_level_down_and_inside_their_parent()
    {
        var regions = FromCsv.Value;
        var jabar = RegionCode.Parse("32");
        var regencies = regions.Children(jabar);
        Assert.NotEmpty(regencies);
        Assert.All(regencies, r => Assert.True(r.Level == RegionLevel.Regency && jabar.Contains(r.Code)));
        Assert.Equal(regencies.OrderBy(r => r.Code.Value, StringComparer.Ordinal).Select(r => r.Code), regencies.Select(r => r.Code));
        var village = regions.Children(regions.Children(regencies[0].Code)[0].Code)[0];
        Assert.Equal(RegionLevel.Village, village.Level);
        Assert.Empty(regions.Children(village.Code));
    }

    [Fact]
    public void A_well_formed_code_that_does_not_exist_is_not_found()
    {
        var regions = FromCsv.Value;
        var missing = RegionCode.Parse("3299");
        Assert.False(regions.Exists(missing));
        Assert.True(regions.Exists(RegionCode.National));
        var e = Assert.Throws<RegionNotFoundException>(() => regions.Children(missing));
        Assert.Equal(missing, e.Code);
        Assert.Contains("3299", e.Message);
        Assert.Throws<RegionNotFoundException>(() => regions.Get(RegionCode.Parse("9999999999")));
    }

    [Fact]
    public void The_datasets_own_region_tables_take_precedence()
    {
        using var data = new TestDataset();
        Directory.CreateDirectory(Path.Combine(data.Directory, DatasetLayout.RegionDirectoryName));
        using var connection = DuckDbSettings.Open(null);
        (RegionLevel Level, string Rows)[] tables =
        [
            (RegionLevel.Province, "(32, 'Jawa Barat', 'province', NULL)"),
            (RegionLevel.Regency, "(3201, 'Kab. Uji', 'regency', 32), (3202, 'Kota Uji', 'regency', 32)"),
            (RegionLevel.District, "(320101, 'Kec. Uji', 'district', 3201)"),
            (RegionLevel.Village, "(3201012001, 'Desa Uji', 'village', 320101)"),
        ];
        foreach (var (level, rows) in tables)
        {
            var path = DatasetLayout.RegionTablePath(data.Directory, level).Replace("'", "''");
            connection.Execute($"COPY (SELECT CAST(code AS BIGINT) AS code, name, level, CAST(parent AS BIGINT) AS parent FROM (VALUES {rows}) v(code, name, level, parent)) TO '{path}' (FORMAT parquet)");
        }

        var regions = RegionDirectory.Load(data.Directory, FindDeps());

        Assert.Equal(5, regions.Count);
        Assert.Equal(["Kab. Uji", "Kota Uji"], regions.Children(RegionCode.Parse("32")).Select(r => r.Name));
        Assert.Equal("Desa Uji", regions.Get(RegionCode.Parse("3201012001")).Name);
    }
}
