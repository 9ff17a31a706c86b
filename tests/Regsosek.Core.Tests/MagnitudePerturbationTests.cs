using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;
using Xunit.Abstractions;

namespace Regsosek.Core.Tests;

/// <summary>Issue 11, class 4: magnitudes by differencing; cell-key perturbation of sums, means and percentiles.</summary>
public class MagnitudePerturbationTests(ITestOutputHelper output)
{
    private static readonly DisclosureControl Control = new();
    private static readonly DisclosureControl OtherInstance = new(new DisclosureOptions());

    /// <summary>A record of a magnitude table: its region (1..k), its value, its record key.</summary>
    private sealed record Farm(int Region, double Value, int Key);

    private static readonly MeasureInfo Cattle = new("livestock_cattle:sum", StatisticKind.Sum, "head");
    private static readonly MeasureInfo CattleMean = new("livestock_cattle:mean", StatisticKind.Mean, "head");

    private static ExactValue SumOf(IReadOnlyCollection<Farm> farms, StatisticKind kind)
    {
        var values = farms.Select(f => f.Value).OrderDescending().ToArray();
        double sum = values.Sum();
        return new ExactValue
        {
            Kind = kind,
            Numerator = new KeyedCount(farms.Count, farms.Sum(f => (long)f.Key)),
            GroupSize = farms.Count,
            Statistic = farms.Count == 0 ? null : kind == StatisticKind.Mean ? sum / farms.Count : sum,
            Largest = values.Length > 0 ? values[0] : null,
            SecondLargest = values.Length > 1 ? values[1] : null,
        };
    }

    /// <summary>The exact one-way table "sum (and mean) by region" with its total, as the engine returns it.</summary>
    private static ExactTable ByRegion(IReadOnlyList<Farm> farms, int regions)
    {
        var rows = new List<ExactRow> { new([null], [SumOf(farms, StatisticKind.Sum), SumOf(farms, StatisticKind.Mean)]) };
        for (int r = 1; r <= regions; r++)
        {
            var inRegion = farms.Where(f => f.Region == r).ToList();
            if (inRegion.Count > 0) rows.Add(new ExactRow([r], [SumOf(inRegion, StatisticKind.Sum), SumOf(inRegion, StatisticKind.Mean)]));
        }
        return new ExactTable(new TableShape(["region"], [Cattle, CattleMean]), rows);
    }

    private static Arbitrary<(long KeySum, double Sum, double Largest, int N)> Cells =>
        (from key in Gen.Choose(0, int.MaxValue)
         from n in Gen.Choose(20, 100_000)
         from largest in Gen.Choose(1, 10_000)
         from rest in Gen.Choose(0, 1_000_000)
         select ((long)key * 7, (double)largest + rest, (double)largest, n)).ToArbitrary();

    // ---- Properties of the method. ----

    [Fact]
    public void The_same_cell_always_gets_the_same_value_in_any_table_and_instance() =>
        PropertyRunner.ForAll(Cells, c =>
        {
            var v = new ExactValue { Kind = StatisticKind.Sum, Statistic = c.Sum, Largest = c.Largest, SecondLargest = 0, GroupSize = c.N, Numerator = new KeyedCount(c.N, c.KeySum) };
            var alone = new ExactTable(new TableShape([], [Cattle]), [new ExactRow([], [v])]);
            var withOthers = new ExactTable(new TableShape([], [new MeasureInfo("population", StatisticKind.Count, "persons"), Cattle]),
                [new ExactRow([], [ExactValue.OfCount(c.N, c.KeySum), v])]);
            var a = Control.Apply(alone, Tier.Public).Rows[0].Values[0];
            var b = OtherInstance.Apply(withOthers, Tier.Public).Rows[0].Values[1];
            return a.Status == CellStatus.Suppressed || a == b;
        }, maxTest: 1000);

    /// <summary>Sum noise lies between 25 % and 50 % of the largest contribution (never 0, so never exact); a mean's noise
    /// is the sum's divided by n (mean·n equals the perturbed sum of the same records).</summary>
    [Fact]
    public void Noise_is_bounded_by_the_largest_contribution_and_never_zero() =>
        PropertyRunner.ForAll(Cells, c =>
        {
            double sum = MagnitudePerturbation.Sum(c.Sum, c.Largest, c.KeySum, "livestock_cattle", 0.5);
            double mean = MagnitudePerturbation.Mean(c.Sum / c.N, c.N, c.Largest, c.KeySum, "livestock_cattle", 0.5);
            double noise = Math.Abs(sum - c.Sum);
            return noise >= 0.25 * c.Largest - 1e-9 && noise <= 0.5 * c.Largest + 1e-9
                && Math.Abs(mean * c.N - sum) <= 1e-6 * Math.Max(1, Math.Abs(sum));
        }, maxTest: 2000);

    [Fact]
    public void Noise_factors_are_centred_and_independent_across_variables()
    {
        var rng = new Random(3);
        double mean = 0, agree = 0;
        const int n = 20_000;
        for (int i = 0; i < n; i++)
        {
            long key = rng.NextInt64(0, 4096L * 1000);
            double a = MagnitudePerturbation.Factor(key, "age"), b = MagnitudePerturbation.Factor(key, "floor_area");
            mean += a / n;
            if (Math.Sign(a) == Math.Sign(b)) agree++;
        }
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(agree / n, 0.47, 0.53);   // knowing one variable's noise says nothing of the other's
    }

    // ---- Attacker's side. ----

    /// <summary>
    /// The attack: a sum withheld by dominance comes back as "the total minus the other regions" from two
    /// requests — A: sum by region with the total (region X dominated by one farm, so withheld, plus a secondary cell);
    /// B: the same total with a filter excluding X. Without perturbation total(A) − total(B) is X's sum exactly. Over
    /// 1,000 random regions it never is, and the attacker's error is at least 10 % of X's largest farm in most trials.
    /// The same holds with the means (mean·n is the sum).
    /// </summary>
    [Fact]
    public void Total_minus_the_other_regions_does_not_give_a_withheld_sum_back()
    {
        var rng = new Random(77);
        int trials = 0, farOff = 0;
        for (int trial = 0; trial < 1000; trial++)
        {
            int regions = rng.Next(3, 8);
            var farms = new List<Farm>();
            int x = 1;
            farms.Add(new Farm(x, rng.Next(500, 5000), rng.Next(4096)));                             // the dominant farm
            for (int i = rng.Next(19, 40); i > 0; i--) farms.Add(new Farm(x, rng.Next(0, 5), rng.Next(4096)));
            for (int i = rng.Next(200, 600); i > 0; i--) farms.Add(new Farm(rng.Next(2, regions + 1), rng.Next(0, 60), rng.Next(4096)));

            var a = Control.Apply(ByRegion(farms, regions), Tier.Disaggregated);
            var b = Control.Apply(ByRegion(farms.Where(f => f.Region != x).ToList(), regions), Tier.Disaggregated);
            var cellX = a.Rows.Single(r => r.Keys[0] == x).Values[0];
            Assert.Equal(DisclosureRules.Dominance, cellX.Rule);
            if (a.Rows[0].Values[0].Value is not { } totalA || b.Rows[0].Values[0].Value is not { } totalB) continue;
            trials++;
            double exactX = farms.Where(f => f.Region == x).Sum(f => f.Value);
            double derived = totalA - totalB;
            Assert.NotEqual(exactX, derived);
            double largestX = farms.Where(f => f.Region == x).Max(f => f.Value);
            if (Math.Abs(derived - exactX) >= 0.1 * largestX) farOff++;

            // Means: total mean × total count − other means × counts (counts known exactly, the worst case).
            if (a.Rows[0].Values[1].Value is { } meanA && b.Rows[0].Values[1].Value is { } meanB)
                Assert.NotEqual(exactX, meanA * farms.Count - meanB * farms.Count(f => f.Region != x));
        }
        output.WriteLine($"trials {trials}; error ≥ 10 % of the dominant farm in {farOff} ({(double)farOff / trials:P0})");
        Assert.True(trials > 750);
        Assert.True(farOff > 0.75 * trials, $"the attacker came within 10 % of the dominant farm in {trials - farOff} of {trials} trials");
    }

    /// <summary>Property (FsCheck over random region tables of farms, tiers 1 and 2): for every sum withheld in table A
    /// (dominance, group size or secondary), "total(A) − total(B)" with B the same request filtered to exclude that
    /// region never equals the withheld sum, nor does the mean-based difference.</summary>
    [Fact]
    public void No_withheld_sum_equals_total_minus_the_total_without_it() =>
        PropertyRunner.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from regions in Gen.Choose(2, 6)
             from tier in Gen.Elements(Tier.Public, Tier.Disaggregated)
             select (seed, regions, tier)).ToArbitrary(),
            c =>
            {
                var rng = new Random(c.seed);
                var farms = new List<Farm>();
                for (int i = rng.Next(30, 300); i > 0; i--)
                    farms.Add(new Farm(rng.Next(1, c.regions + 1), rng.NextDouble() < 0.05 ? rng.Next(100, 3000) : rng.Next(0, 20), rng.Next(4096)));
                var a = Control.Apply(ByRegion(farms, c.regions), c.tier);
                if (a.Rows[0].Values[0].Value is not { } totalA) return;
                foreach (var row in a.Rows.Skip(1).Where(r => r.Values[0].Status == CellStatus.Suppressed))
                {
                    long x = row.Keys[0]!.Value;
                    var others = farms.Where(f => f.Region != x).ToList();
                    var b = Control.Apply(ByRegion(others, c.regions), c.tier);
                    if (b.Rows[0].Values[0].Value is not { } totalB) continue;
                    double exactX = farms.Where(f => f.Region == x).Sum(f => f.Value);
                    Assert.NotEqual(exactX, totalA - totalB);
                    if (a.Rows[0].Values[1].Value is { } meanA && b.Rows[0].Values[1].Value is { } meanB)
                        Assert.NotEqual(exactX, meanA * farms.Count - meanB * others.Count);
                }
            }, maxTest: 300);

    /// <summary>
    /// Percentile differencing: the median of an odd group A and of A plus one record r between the two middle values
    /// gives r = 2·median(A ∪ {r}) − median(A) exactly. With the released (perturbed) medians the attacker's r is never
    /// exact and usually off by more than the gap between neighbouring values.
    /// </summary>
    [Fact]
    public void Two_medians_differing_by_one_record_do_not_give_that_record_back()
    {
        var rng = new Random(5);
        int used = 0, exact = 0, close = 0;
        for (int trial = 0; trial < 1000; trial++)
        {
            int n = 2 * rng.Next(30, 300) + 1;
            var values = Enumerable.Range(0, n).Select(_ => Math.Round(20 + rng.NextDouble() * 60, 1)).Order().ToArray();
            double m = values[n / 2], r = Math.Round((values[n / 2] + values[n / 2 + 1]) / 2, 2);
            if (r <= m) continue;
            var withR = values.Append(r).Order().ToArray();
            long keys = rng.NextInt64(0, 4096L * n), keyR = rng.Next(4096);
            ReleasedValue Median(double[] v, long keySum) => Control.Apply(new ExactTable(new TableShape([], [new MeasureInfo("age:p50", StatisticKind.Percentile, "years")]),
                [new ExactRow([], [new ExactValue { Kind = StatisticKind.Percentile, Probability = 0.5, GroupSize = v.Length,
                    Statistic = PercentileTailTests.QuantileCont(v, 0.5), Numerator = new KeyedCount(v.Length, keySum) }])]), Tier.Disaggregated).Rows[0].Values[0];
            var a = Median(values, keys);
            var b = Median(withR, keys + keyR);
            Assert.Equal(2 * PercentileTailTests.QuantileCont(withR, 0.5) - PercentileTailTests.QuantileCont(values, 0.5), r, 9);   // the attack works on exact values
            if (a.Value is null || b.Value is null) continue;
            used++;
            double guess = 2 * b.Value.Value - a.Value.Value;
            if (guess == r) exact++;
            if (Math.Abs(guess - r) < 0.5) close++;
        }
        output.WriteLine($"used {used}; exact {exact}; within 0.5 {close}");
        Assert.True(used > 500);
        Assert.Equal(0, exact);
        Assert.True(close < 0.2 * used, $"the attacker came within 0.5 of the record in {close} of {used} trials");
    }

    [Fact]
    public void A_mean_without_its_largest_contribution_is_withheld_at_perturbing_tiers_and_exact_at_tier_3()
    {
        var v = new ExactValue { Kind = StatisticKind.Mean, Statistic = 3.2, GroupSize = 500, Numerator = new KeyedCount(500, 99) };
        var t = new ExactTable(new TableShape([], [CattleMean]), [new ExactRow([], [v])]);
        Assert.Equal(DisclosureRules.MagnitudeScaleUnknown, Control.Apply(t, Tier.Public).Rows[0].Values[0].Rule);
        Assert.Equal(new ReleasedValue(3.2, CellStatus.Shown, null), Control.Apply(t, Tier.Microdata).Rows[0].Values[0]);
    }
}
