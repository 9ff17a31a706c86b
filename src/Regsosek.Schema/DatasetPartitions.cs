using System.Globalization;
using Regsosek.Core;

namespace Regsosek.Schema;

/// <summary>
/// Which partition directories (<c>&lt;table&gt;/prov_code=PP/regency_code=RRRR</c>) of a dataset hold Parquet
/// files, and the file glob that reads exactly a region's partitions. Reading only the scope's directories
/// instead of globbing every partition and pruning by filter saves DuckDB listing and opening the other ~500
/// partitions of each table: most of the time of a regency-level query (benchmarks/SERVICE.md).
/// <para>
/// A dataset is immutable while the service answers from it, so the listing is taken once
/// (<see cref="Scan"/>). A region with no partition (no records in this dataset, e.g. a regency outside a
/// sample) gets the whole-table glob, which DuckDB prunes to nothing by the region filter — an empty answer,
/// where a narrowed glob matching no file would be an error. Built with <see cref="Unscanned"/>, every
/// region gets the whole-table glob: the answers are the same, only slower.
/// </para>
/// Thread-safe (immutable).
/// </summary>
public sealed class DatasetPartitions
{
    private readonly HashSet<(TableKind Table, int Prov, int Regency)>? _regencies;
    private readonly HashSet<(TableKind Table, int Prov)>? _provinces;

    private DatasetPartitions(string directory, HashSet<(TableKind, int, int)>? regencies)
    {
        Directory = Path.GetFullPath(directory).Replace('\\', '/').TrimEnd('/');
        _regencies = regencies;
        _provinces = regencies?.Select(r => (r.Item1, r.Item2)).ToHashSet();
    }

    /// <summary>The dataset root (absolute, forward slashes).</summary>
    public string Directory { get; }

    /// <summary>False when built by <see cref="Unscanned"/>: every glob is then the whole table's.</summary>
    public bool IsScanned => _regencies is not null;

    /// <summary>How many (table, regency) partitions hold data; 0 when unscanned.</summary>
    public int Count => _regencies?.Count ?? 0;

    /// <summary>Lists the partition directories of <paramref name="datasetDirectory"/> that contain a Parquet file.</summary>
    /// <exception cref="DirectoryNotFoundException">The dataset directory does not exist.</exception>
    public static DatasetPartitions Scan(string datasetDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetDirectory);
        if (!System.IO.Directory.Exists(datasetDirectory))
            throw new DirectoryNotFoundException($"no dataset directory {datasetDirectory}");
        var found = new HashSet<(TableKind, int, int)>();
        foreach (var table in Enum.GetValues<TableKind>())
        {
            var tableDir = DatasetLayout.TableDirectory(datasetDirectory, table);
            if (!System.IO.Directory.Exists(tableDir)) continue;
            foreach (var provDir in System.IO.Directory.EnumerateDirectories(tableDir, "prov_code=*"))
            {
                if (!TryValue(provDir, "prov_code=", out int prov)) continue;
                foreach (var regencyDir in System.IO.Directory.EnumerateDirectories(provDir, "regency_code=*"))
                {
                    if (TryValue(regencyDir, "regency_code=", out int regency)
                        && System.IO.Directory.EnumerateFiles(regencyDir, "*.parquet").Any())
                        found.Add((table, prov, regency));
                }
            }
        }
        return new DatasetPartitions(datasetDirectory, found);
    }

    /// <summary>A dataset whose partitions are not listed: every region reads the whole table, pruned by filter.</summary>
    public static DatasetPartitions Unscanned(string datasetDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetDirectory);
        return new DatasetPartitions(datasetDirectory, null);
    }

    /// <summary>A dataset with exactly these (table, province, regency) partitions — for tests and tools that know them.</summary>
    public static DatasetPartitions Of(string datasetDirectory, IEnumerable<(TableKind Table, int Prov, int Regency)> partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetDirectory);
        return new DatasetPartitions(datasetDirectory, partitions.Select(p => (p.Table, p.Prov, p.Regency)).ToHashSet());
    }

    /// <summary>The provinces with at least one partition of <paramref name="table"/>, ascending; empty when unscanned.</summary>
    public IReadOnlyList<int> Provinces(TableKind table) =>
        _provinces is null ? [] : _provinces.Where(p => p.Item1 == table).Select(p => p.Item2).Order().ToList();

    /// <summary>
    /// The glob of the Parquet files holding <paramref name="table"/>'s records in <paramref name="scope"/>:
    /// one regency's directory for a regency or anything below it, one province's for a province, every
    /// partition for the nation (or when the scope's partitions are unknown or absent). The glob may cover more
    /// than the scope (a district reads its regency): the query's region filter still applies.
    /// </summary>
    public string Glob(TableKind table, RegionCode scope)
    {
        if (scope.Level == RegionLevel.National || _regencies is null) return DatasetLayout.TableGlob(Directory, table);
        int prov = (int)scope.AncestorAt(RegionLevel.Province).Numeric;
        int? regency = scope.Level == RegionLevel.Province ? null : (int)scope.AncestorAt(RegionLevel.Regency).Numeric;
        bool present = regency is { } r ? _regencies.Contains((table, prov, r)) : _provinces!.Contains((table, prov));
        return present ? DatasetLayout.PartitionGlob(Directory, table, prov, regency) : DatasetLayout.TableGlob(Directory, table);
    }

    private static bool TryValue(string path, string prefix, out int value)
    {
        var name = Path.GetFileName(path);
        value = 0;
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
