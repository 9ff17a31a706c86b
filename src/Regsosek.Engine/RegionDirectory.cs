using System.Diagnostics.CodeAnalysis;
using Regsosek.Core;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine;

/// <summary>A region of the Kemendagri reference: its code, name and level.</summary>
public sealed record RegionInfo(RegionCode Code, string Name, RegionLevel Level);

/// <summary>A region code that has the right shape but is not in the reference tables (NOT_FOUND).</summary>
public sealed class RegionNotFoundException(RegionCode code)
    : Exception($"region {code} does not exist; see ListRegions for the codes (Kemendagri, idn-area-data)")
{
    /// <summary>The code asked for.</summary>
    public RegionCode Code { get; } = code;
}

/// <summary>
/// The region reference (provinces, regencies, districts, villages with their names) for
/// ListRegions and for checking that a region code exists. Read once, at start-up, from the
/// dataset's region tables (<c>&lt;dataset&gt;/wilayah/*.parquet</c>, written by the generator:
/// code, name, level, parent) or, when a dataset has none, from idn-area-data's CSV files
/// (<c>.deps/idn-area-data</c>: dotted codes). Immutable and thread-safe afterwards.
/// </summary>
public sealed class RegionDirectory
{
    private static readonly RegionLevel[] Levels = [RegionLevel.Province, RegionLevel.Regency, RegionLevel.District, RegionLevel.Village];
    private static readonly string[] CsvFiles = ["provinces.csv", "regencies.csv", "districts.csv", "villages.csv"];

    private readonly Dictionary<string, RegionInfo> _byCode;
    private readonly Dictionary<string, List<RegionInfo>> _children;

    private RegionDirectory(List<RegionInfo> regions)
    {
        _byCode = new Dictionary<string, RegionInfo>(regions.Count, StringComparer.Ordinal);
        _children = new Dictionary<string, List<RegionInfo>>(StringComparer.Ordinal);
        foreach (var region in regions)
        {
            _byCode[region.Code.Value] = region;
            var parent = region.Code.Parent.Value;
            if (!_children.TryGetValue(parent, out var list)) _children[parent] = list = [];
            list.Add(region);
        }
        foreach (var list in _children.Values) list.Sort((a, b) => string.CompareOrdinal(a.Code.Value, b.Code.Value));
    }

    /// <summary>Number of regions at every level.</summary>
    public int Count => _byCode.Count;

    /// <summary>
    /// Loads the region reference of <paramref name="datasetDirectory"/> (its wilayah tables) or, when
    /// the dataset has none, from the idn-area-data CSVs in <paramref name="csvDirectory"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither source exists.</exception>
    public static RegionDirectory Load(string? datasetDirectory, string? csvDirectory = null)
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        var regions = new List<RegionInfo>(100_000);
        if (datasetDirectory is not null && Levels.All(l => File.Exists(DatasetLayout.RegionTablePath(datasetDirectory, l))))
        {
            foreach (var level in Levels)
                Read(connection, "SELECT CAST(code AS VARCHAR), name FROM read_parquet($1)", DatasetLayout.RegionTablePath(datasetDirectory, level), level, regions);
        }
        else if (csvDirectory is not null && CsvFiles.All(f => File.Exists(Path.Combine(csvDirectory, f))))
        {
            for (int i = 0; i < Levels.Length; i++)
                Read(connection, "SELECT replace(code, '.', ''), name FROM read_csv($1, header = true, all_varchar = true)",
                    Path.Combine(csvDirectory, CsvFiles[i]), Levels[i], regions);
        }
        else
        {
            throw new FileNotFoundException(
                $"no region reference: expected {Path.Combine(datasetDirectory ?? "<dataset>", DatasetLayout.RegionDirectoryName)}/*.parquet or idn-area-data CSVs in {csvDirectory ?? "(none given)"}; run scripts/bootstrap");
        }
        return new RegionDirectory(regions);
    }

    private static void Read(DuckDBConnection connection, string sql, string path, RegionLevel level, List<RegionInfo> into)
    {
        using var command = Commands.Create(connection, sql, [new StringParameter(Path.GetFullPath(path))]);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var text = reader.IsDBNull(0) ? "" : reader.GetString(0);
            if (!RegionCode.TryParse(text, out var code, out var error) || code.Level != level)
                throw new InvalidDataException($"{path}: '{text}' is not a {level} code ({error ?? "wrong length"})");
            into.Add(new RegionInfo(code, reader.IsDBNull(1) ? "" : reader.GetString(1), level));
        }
    }

    /// <summary>The regions directly below <paramref name="parent"/> (the provinces for national), by code.</summary>
    /// <exception cref="RegionNotFoundException"><paramref name="parent"/> does not exist.</exception>
    public IReadOnlyList<RegionInfo> Children(RegionCode parent)
    {
        if (parent.Level != RegionLevel.National && !_byCode.ContainsKey(parent.Value)) throw new RegionNotFoundException(parent);
        return _children.TryGetValue(parent.Value, out var list) ? list : [];
    }

    /// <summary>True when <paramref name="code"/> exists (national always does).</summary>
    public bool Exists(RegionCode code) => code.Level == RegionLevel.National || _byCode.ContainsKey(code.Value);

    /// <summary>Finds a region.</summary>
    public bool TryGet(RegionCode code, [NotNullWhen(true)] out RegionInfo? region) => _byCode.TryGetValue(code.Value, out region);

    /// <summary>The region <paramref name="code"/>.</summary>
    /// <exception cref="RegionNotFoundException">It does not exist.</exception>
    public RegionInfo Get(RegionCode code) => TryGet(code, out var region) ? region : throw new RegionNotFoundException(code);
}
