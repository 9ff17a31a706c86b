using Regsosek.Core;

namespace Regsosek.Schema.Tests;

public sealed class DatasetPartitionsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "regsosek-partitions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private void Partition(TableKind table, int prov, int regency, bool withFile = true)
    {
        var dir = Path.Combine(_root, TableNames.Of(table), $"prov_code={prov}", $"regency_code={regency}");
        Directory.CreateDirectory(dir);
        if (withFile) File.WriteAllText(Path.Combine(dir, DatasetLayout.PartitionFileName), "");
    }

    private string Root => Path.GetFullPath(_root).Replace('\\', '/');

    [Fact]
    public void Scan_lists_partitions_with_parquet_files_and_globs_narrow_to_them()
    {
        Partition(TableKind.Individu, 32, 3201);
        Partition(TableKind.Individu, 32, 3273);
        Partition(TableKind.Keluarga, 32, 3201);
        Partition(TableKind.Individu, 33, 3301, withFile: false); // an empty directory is not a partition
        Directory.CreateDirectory(Path.Combine(_root, "individu", "not-a-partition"));

        var p = DatasetPartitions.Scan(_root);

        Assert.True(p.IsScanned);
        Assert.Equal(3, p.Count);
        var all = $"{Root}/individu/prov_code=*/regency_code=*/*.parquet";
        Assert.Equal(all, p.Glob(TableKind.Individu, RegionCode.National));
        Assert.Equal($"{Root}/individu/prov_code=32/regency_code=*/*.parquet", p.Glob(TableKind.Individu, RegionCode.Parse("32")));
        Assert.Equal($"{Root}/individu/prov_code=32/regency_code=3273/*.parquet", p.Glob(TableKind.Individu, RegionCode.Parse("3273")));
        // Below a regency, the regency's directory (the query's region filter narrows further).
        Assert.Equal($"{Root}/individu/prov_code=32/regency_code=3273/*.parquet", p.Glob(TableKind.Individu, RegionCode.Parse("327301")));
        Assert.Equal($"{Root}/individu/prov_code=32/regency_code=3273/*.parquet", p.Glob(TableKind.Individu, RegionCode.Parse("3273010001")));
        // No partition: the whole table, which the region filter prunes to an empty answer instead of an error.
        Assert.Equal(all, p.Glob(TableKind.Individu, RegionCode.Parse("3301")));
        Assert.Equal(all, p.Glob(TableKind.Individu, RegionCode.Parse("33")));
        Assert.Equal(all, p.Glob(TableKind.Individu, RegionCode.Parse("3204")));
        // Per table: keluarga has no 3273.
        Assert.Equal($"{Root}/keluarga/prov_code=*/regency_code=*/*.parquet", p.Glob(TableKind.Keluarga, RegionCode.Parse("3273")));
        Assert.Equal($"{Root}/keluarga/prov_code=32/regency_code=3201/*.parquet", p.Glob(TableKind.Keluarga, RegionCode.Parse("3201")));
    }

    [Fact]
    public void Unscanned_always_reads_the_whole_table()
    {
        var p = DatasetPartitions.Unscanned(_root);
        Assert.False(p.IsScanned);
        foreach (var code in new[] { "", "32", "3201", "320101", "3201010001" })
            Assert.Equal($"{Root}/keluarga/prov_code=*/regency_code=*/*.parquet", p.Glob(TableKind.Keluarga, RegionCode.Parse(code)));
    }

    [Fact]
    public void Scanning_a_missing_directory_says_which()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => DatasetPartitions.Scan(_root));
        Assert.Contains(_root, e.Message);
    }

    [Fact]
    public void A_glob_never_names_a_region_outside_its_scope()
    {
        var partitions = new List<(TableKind, int, int)>();
        for (int prov = 11; prov <= 20; prov++)
            for (int r = 1; r <= 5; r++)
                partitions.Add((TableKind.Individu, prov, prov * 100 + r));
        var p = DatasetPartitions.Of(_root, partitions);
        foreach (var (_, prov, regency) in partitions)
        {
            var g = p.Glob(TableKind.Individu, RegionCode.Parse(regency.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.EndsWith($"/prov_code={prov}/regency_code={regency}/*.parquet", g);
            var pg = p.Glob(TableKind.Individu, RegionCode.Parse(prov.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.EndsWith($"/prov_code={prov}/regency_code=*/*.parquet", pg);
        }
    }
}
