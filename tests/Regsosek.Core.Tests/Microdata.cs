using Regsosek.Core.Aggregates;

namespace Regsosek.Core.Tests;

/// <summary>One person of an in-memory test dataset: category values per attribute and a record key in [0, 4096).</summary>
internal sealed record Person(int Id, int[] Attributes, int RecordKey);

/// <summary>
/// A tiny in-memory stand-in for the engine: builds the exact full-cube table (every grouping set, so every
/// margin) over chosen attributes of a list of persons, with counts and key sums, as DuckDB's GROUPING SETS would.
/// Groups with no persons are absent, as in SQL.
/// </summary>
internal static class Microdata
{
    /// <summary>Random persons: attribute j takes values 1..sizes[j], drawn from a skewed distribution so small
    /// cells are common; keys uniform in [0, 4096).</summary>
    public static List<Person> Random(Random rng, int persons, int[] sizes)
    {
        var weights = sizes.Select(s => Enumerable.Range(0, s).Select(_ => Math.Pow(rng.NextDouble(), 2) + 0.02).ToArray()).ToArray();
        var list = new List<Person>(persons);
        for (int i = 0; i < persons; i++)
        {
            var attrs = new int[sizes.Length];
            for (int j = 0; j < sizes.Length; j++) attrs[j] = 1 + Pick(rng, weights[j]);
            list.Add(new Person(i, attrs, rng.Next(4096)));
        }
        return list;
    }

    private static int Pick(Random rng, double[] w)
    {
        double u = rng.NextDouble() * w.Sum();
        for (int i = 0; i < w.Length; i++) { u -= w[i]; if (u < 0) return i; }
        return w.Length - 1;
    }

    /// <summary>
    /// The exact table of <paramref name="persons"/> by <paramref name="dims"/> (attribute indexes), with a count
    /// measure and, when <paramref name="pctAttribute"/> is given, the percentage of persons whose attribute equals
    /// <paramref name="pctValue"/> (denominator: all persons of the cell).
    /// </summary>
    public static ExactTable Table(IEnumerable<Person> persons, int[] dims, int? pctAttribute = null, int pctValue = 1)
    {
        var people = persons.ToList();
        int d = dims.Length;
        var cells = new Dictionary<string, (long?[] Keys, long N, long K, long PN, long PK)>();
        foreach (var p in people)
            for (int mask = 0; mask < 1 << d; mask++)
            {
                var keys = new long?[d];
                for (int j = 0; j < d; j++) keys[j] = (mask & (1 << j)) != 0 ? p.Attributes[dims[j]] : null;
                string id = string.Join(",", keys.Select(k => k?.ToString() ?? "T"));
                cells.TryGetValue(id, out var c);
                bool hit = pctAttribute is { } a && p.Attributes[a] == pctValue;
                cells[id] = (keys, c.N + 1, c.K + p.RecordKey, c.PN + (hit ? 1 : 0), c.PK + (hit ? p.RecordKey : 0));
            }
        if (people.Count == 0 && d == 0) cells[""] = (Array.Empty<long?>(), 0, 0, 0, 0);
        var measures = new List<MeasureInfo> { new("persons", StatisticKind.Count, "persons") };
        if (pctAttribute is not null) measures.Add(new MeasureInfo("share", StatisticKind.Percentage, "persons"));
        var rows = cells.Values
            .OrderBy(c => string.Join(",", c.Keys.Select(k => k?.ToString("D6") ?? "T")), StringComparer.Ordinal)
            .Select(c =>
            {
                var values = new List<ExactValue> { ExactValue.OfCount(c.N, c.K) };
                if (pctAttribute is not null) values.Add(ExactValue.OfPercentage(new KeyedCount(c.PN, c.PK), new KeyedCount(c.N, c.K)));
                return new ExactRow(c.Keys, values);
            })
            .ToList();
        return new ExactTable(new TableShape(dims.Select(j => "dim" + j).ToList(), measures), rows);
    }
}
