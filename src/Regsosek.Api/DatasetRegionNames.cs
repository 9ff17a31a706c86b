using Regsosek.Core;
using Regsosek.DuckDb;
using Regsosek.Schema;

namespace Regsosek.Api;

/// <summary>
/// The region codes and names of a dataset, read once at start-up from its reference tables
/// (<c>wilayah/*.parquet</c>, made from idn-area-data by the generator). About 92,000 entries.
/// </summary>
public sealed class DatasetRegionNames : IRegionNames
{
    private readonly Dictionary<long, string>[] _names;
    private readonly Dictionary<string, List<(RegionCode, string)>> _children = new(StringComparer.Ordinal);

    public DatasetRegionNames(string datasetDirectory)
    {
        _names = new Dictionary<long, string>[5];
        using var db = DuckDbDatabase.Open(null, new DuckDbOptions { Threads = 1 });
        using var con = db.Connect();
        foreach (var level in new[] { RegionLevel.Province, RegionLevel.Regency, RegionLevel.District, RegionLevel.Village })
        {
            var path = DatasetLayout.RegionTablePath(datasetDirectory, level);
            if (!File.Exists(path))
                throw new FileNotFoundException($"the dataset has no region table {path}; regenerate it with 'regsosek generate'", path);
            var names = _names[(int)level] = new Dictionary<long, string>();
            using var statement = con.Prepare("SELECT code, name FROM read_parquet(?) ORDER BY code");
            statement.Bind(1, path);
            using var result = statement.ExecuteStreaming();
            while (result.FetchChunk() is { } chunk)
            {
                using (chunk)
                {
                    var codes = chunk.GetVector(0).GetData<long>(chunk.RowCount);
                    var nameVector = chunk.GetVector(1);
                    for (int i = 0; i < chunk.RowCount; i++)
                    {
                        var code = RegionCode.FromNumeric(codes[i], level);
                        var name = nameVector.GetString(i);
                        names[codes[i]] = name;
                        var parent = code.Parent.Value;
                        if (!_children.TryGetValue(parent, out var list)) _children[parent] = list = [];
                        list.Add((code, name));
                    }
                }
            }
        }
    }

    public bool Exists(RegionCode code) =>
        code.Level == RegionLevel.National || _names[(int)code.Level].ContainsKey(code.Numeric);

    public string? NameOf(RegionCode code) =>
        code.Level == RegionLevel.National ? "Indonesia" : _names[(int)code.Level].GetValueOrDefault(code.Numeric);

    public IReadOnlyList<(RegionCode Code, string Name)> Children(RegionCode parent) =>
        _children.TryGetValue(parent.Value, out var list) ? list : [];
}
