using Regsosek.Core;

namespace Regsosek.Schema;

/// <summary>
/// Where things are in a dataset directory, and how DuckDB reads them:
/// <c>&lt;dataset&gt;/keluarga/prov_code=PP/regency_code=RRRR/data.parquet</c> (same for individu),
/// <c>&lt;dataset&gt;/wilayah/*.parquet</c> (region reference tables, with idn-area-data's LICENSE.md)
/// and <c>&lt;dataset&gt;/manifest.json</c>. The partition columns are not inside the files: they come
/// from the path.
/// </summary>
public static class DatasetLayout
{
    /// <summary>The partition columns, outermost first.</summary>
    public static readonly IReadOnlyList<string> PartitionColumns = [RegionLevel.Province.ColumnName(), RegionLevel.Regency.ColumnName()];

    /// <summary>File name of the manifest in the dataset root.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>Directory of the region reference tables.</summary>
    public const string RegionDirectoryName = "wilayah";

    /// <summary>File name of each partition's data.</summary>
    public const string PartitionFileName = "data.parquet";

    /// <summary>True when <paramref name="column"/> is a partition column (not stored in the files).</summary>
    public static bool IsPartitionColumn(string column) => PartitionColumns.Contains(column);

    /// <summary>The directory of one table: <c>&lt;dataset&gt;/keluarga</c>.</summary>
    public static string TableDirectory(string datasetDir, TableKind table) => Path.Combine(datasetDir, TableNames.Of(table));

    /// <summary>The relative path of one partition's file, with forward slashes
    /// (<c>keluarga/prov_code=32/regency_code=3201/data.parquet</c>).</summary>
    public static string PartitionPath(TableKind table, int provCode, int regencyCode) =>
        $"{TableNames.Of(table)}/prov_code={provCode}/regency_code={regencyCode}/{PartitionFileName}";

    /// <summary>
    /// A DuckDB table expression reading the whole table with hive partitioning, usable in FROM:
    /// <c>read_parquet('…/keluarga/*/*/*.parquet', hive_partitioning = true, hive_types = {…})</c>.
    /// Columns come in the files' order (the dictionary order without the partition columns) followed
    /// by prov_code and regency_code as INTEGER. Filters on prov_code/regency_code prune partitions.
    /// </summary>
    public static string ReadExpression(TableKind table, string datasetDir) =>
        $"read_parquet('{SqlString(TableGlob(datasetDir, table))}', {HiveOptions})";

    /// <summary>The read_parquet options every reader of the dataset passes: hive partitioning, with the partition columns as INTEGER.</summary>
    public const string HiveOptions = "hive_partitioning = true, hive_types = {'prov_code': INTEGER, 'regency_code': INTEGER}";

    /// <summary>The glob of every partition file of one table, absolute with forward slashes:
    /// <c>/data/keluarga/prov_code=*/regency_code=*/*.parquet</c>. <see cref="DatasetPartitions.Glob"/> narrows it to a region.</summary>
    public static string TableGlob(string datasetDir, TableKind table) => PartitionGlob(datasetDir, table, null, null);

    /// <summary>
    /// The glob of one table's partition files in a province (<paramref name="provCode"/>) or a regency (both codes),
    /// null meaning every one: <c>/data/keluarga/prov_code=32/regency_code=*/*.parquet</c>. Absolute, forward slashes.
    /// </summary>
    public static string PartitionGlob(string datasetDir, TableKind table, int? provCode, int? regencyCode) =>
        Path.GetFullPath(TableDirectory(datasetDir, table)).Replace('\\', '/') +
        $"/prov_code={Code(provCode)}/regency_code={Code(regencyCode)}/*.parquet";

    private static string Code(int? code) => code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*";

    /// <summary>The path of one region reference table (provinces, regencies, districts, villages).</summary>
    public static string RegionTablePath(string datasetDir, RegionLevel level) => Path.Combine(datasetDir, RegionDirectoryName, level switch
    {
        RegionLevel.Province => "provinces.parquet",
        RegionLevel.Regency => "regencies.parquet",
        RegionLevel.District => "districts.parquet",
        RegionLevel.Village => "villages.parquet",
        _ => throw new ArgumentOutOfRangeException(nameof(level), "the national level has no reference table"),
    });

    private static string SqlString(string s) => s.Replace("'", "''");
}
