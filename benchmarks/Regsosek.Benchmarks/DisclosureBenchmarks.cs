using BenchmarkDotNet.Attributes;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Benchmarks;

/// <summary>
/// The disclosure-control step on its own, on result tables of the sizes the service returns: a district by
/// village (Villages villages) × sex (2) × age group (16), every margin, with a count and a percentage measure
/// (31 × 3 × 17 = 1,581 rows for 30 villages). Small villages make many cells small, so the threshold, complement
/// and secondary-suppression (hypercube) rules all do work; tier 2 also perturbs. Compare with the request's
/// median latency in AggregateBenchmarks (issue 4: disclosure control adds at most 5 %). The table is synthetic
/// and built once in the setup; only <see cref="DisclosureControl.Apply"/> is measured.
/// </summary>
[MemoryDiagnoser]
public class DisclosureBenchmarks
{
    private readonly DisclosureControl _control = new();
    private ExactTable _table = null!;

    /// <summary>Villages in the district.</summary>
    [Params(10, 30)]
    public int Villages { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var cells = new Dictionary<(long?, long?, long?), (long N, long K, long PN, long PK)>();
        for (int v = 1; v <= Villages; v++)
        {
            int persons = rng.Next(60, 3000);
            for (int i = 0; i < persons; i++)
            {
                long village = 3201010000 + v, sex = 1 + rng.Next(2), age = 1 + Math.Min(15, (int)(rng.NextDouble() * rng.NextDouble() * 20));
                int key = rng.Next(4096);
                bool hit = rng.NextDouble() < 0.3;
                for (int mask = 0; mask < 8; mask++)
                {
                    var k = ((mask & 1) != 0 ? village : (long?)null, (mask & 2) != 0 ? sex : (long?)null, (mask & 4) != 0 ? age : (long?)null);
                    cells.TryGetValue(k, out var c);
                    cells[k] = (c.N + 1, c.K + key, c.PN + (hit ? 1 : 0), c.PK + (hit ? key : 0));
                }
            }
        }
        var rows = cells.Select(kv => new ExactRow([kv.Key.Item1, kv.Key.Item2, kv.Key.Item3],
            [ExactValue.OfCount(kv.Value.N, kv.Value.K),
             ExactValue.OfPercentage(new KeyedCount(kv.Value.PN, kv.Value.PK), new KeyedCount(kv.Value.N, kv.Value.K))])).ToList();
        _table = new ExactTable(new TableShape(["region", "sex", "age_group"],
            [new MeasureInfo("persons", StatisticKind.Count, "persons"), new MeasureInfo("jkn_coverage", StatisticKind.Percentage, "persons")]), rows);
    }

    /// <summary>Tier 2: threshold 5, complement, hypercube secondary suppression, cell-key perturbation.</summary>
    [Benchmark(Baseline = true)]
    public ReleasedTable Tier2() => _control.Apply(_table, Tier.Disaggregated);

    /// <summary>Tier 3: exact values (the floor: validating the table and copying it into the released form).</summary>
    [Benchmark]
    public ReleasedTable Tier3Exact() => _control.Apply(_table, Tier.Microdata);
}
