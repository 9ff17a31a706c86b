using BenchmarkDotNet.Attributes;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Benchmarks;

/// <summary>
/// The disclosure-control step on its own, on result tables of the sizes the service returns: a district by
/// village (Villages villages) × sex (2) × age group (16), every margin, completed with explicit zeros as the
/// pipeline does (<see cref="TableCompletion.Complete"/>, issue 11 class 3), with a count and a percentage measure
/// ((V + 1) × 3 × 17 rows: 1,581 for 30 villages). Small villages make many cells small, so the threshold,
/// complement, dominant-category and secondary-suppression (hypercube) rules all do work; tier 2 also perturbs.
/// Compare with the request's median latency in AggregateBenchmarks (issue 4: disclosure control adds at most 5 %).
/// <para>Issue 11, class 6: the Villages parameter is the growth curve, up to the largest table
/// <see cref="DisclosureOptions.DefaultMaxCells"/> allows (489 villages: 24,990 rows × 2 measures = 49,980 cells);
/// <see cref="SecondarySuppressionOnly"/> isolates the hypercube search on the count measure. Target: under one second
/// on the largest allowed table.</para>
/// The table is synthetic and built once in the setup; only the disclosure step is measured.
/// </summary>
[MemoryDiagnoser]
public class DisclosureBenchmarks
{
    private readonly DisclosureControl _control = new();
    private ExactTable _table = null!;

    /// <summary>Villages in the district.</summary>
    [Params(10, 30, 100, 250, 489)]
    public int Villages { get; set; }

    private TableStructure _structure = null!;
    private bool[] _primaries = null!;
    private double[] _sizes = null!;

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
        var exact = new ExactTable(new TableShape(["region", "sex", "age_group"],
            [new MeasureInfo("persons", StatisticKind.Count, "persons"), new MeasureInfo("jkn_coverage", StatisticKind.Percentage, "persons")]), rows);
        IReadOnlyList<long>[] domains =
            [Enumerable.Range(1, Villages).Select(v => 3201010000L + v).ToList(), [1, 2], Enumerable.Range(1, 16).Select(a => (long)a).ToList()];
        _table = TableCompletion.Complete(exact, domains);
        if (_control.CheckTableSize(_table.Rows.Count, 2) is { } tooLarge) throw new InvalidOperationException(tooLarge);

        _structure = TableStructure.Build(3, _table.Rows.Select(r => r.Keys).ToList());
        _primaries = _table.Rows.Select(r => r.Values[0].Numerator.Count is > 0 and < 5).ToArray();
        _sizes = _table.Rows.Select(r => (double)r.Values[0].Numerator.Count).ToArray();
    }

    /// <summary>Secondary suppression alone: the hypercube search protecting the count measure's primaries (counts 1–4).</summary>
    [Benchmark]
    public int SecondarySuppressionOnly() => HypercubeSuppression.Protect(_structure, (bool[])_primaries.Clone(), _sizes).Count;

    /// <summary>Tier 2: threshold 5, complement, hypercube secondary suppression, cell-key perturbation.</summary>
    [Benchmark(Baseline = true)]
    public ReleasedTable Tier2() => _control.Apply(_table, Tier.Disaggregated);

    /// <summary>Tier 3: exact values (the floor: validating the table and copying it into the released form).</summary>
    [Benchmark]
    public ReleasedTable Tier3Exact() => _control.Apply(_table, Tier.Microdata);
}
