using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

/// <summary>Issue 11, class 2: extremes through percentiles.</summary>
public class PercentileTailTests
{
    private static readonly DisclosureControl Control = new();

    /// <summary>DuckDB's quantile_cont on sorted values.</summary>
    internal static double QuantileCont(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h), hi = (int)Math.Ceiling(h);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static ExactTable PercentileTable(double[] values, double p, long keySum = 4242) =>
        new(new TableShape([], [new MeasureInfo("age:p", StatisticKind.Percentile, "years")]),
            [new ExactRow([], [new ExactValue
            {
                Kind = StatisticKind.Percentile, Statistic = QuantileCont(values.Order().ToArray(), p), Probability = p,
                GroupSize = values.Length, Numerator = new KeyedCount(values.Length, keySum),
            }])]);

    // ---- Examples. ----

    [Theory]
    [InlineData(0.5, 41, 20, true)]    // h = 20: 20 below, 20 above
    [InlineData(0.5, 40, 20, false)]   // h = 19.5: x[19] has 19 below
    [InlineData(0.01, 2000, 20, false)] // h = 19.99: lo 19
    [InlineData(0.01, 2002, 20, true)]  // h = 20.01: lo 20, hi 21, 1980 above
    [InlineData(0.99, 2002, 20, true)]
    [InlineData(0.999, 2002, 20, false)]
    public void The_rule_counts_records_strictly_beyond_the_interpolated_order_statistics(double p, long n, int t, bool releasable) =>
        Assert.Equal(releasable, PercentileRule.Releasable(p, n, t));

    [Fact]
    public void A_probability_that_can_never_pass_is_refused_naming_the_limit()
    {
        // At tier 1 (20 each side) a province of 1,000 records: p1 can never pass, p2.1 can.
        var message = Control.CheckPercentile(0.01, 1000, Tier.Public);
        Assert.NotNull(message);
        Assert.StartsWith("p1 is below the smallest releasable percentile p2.0021 for at most 1000 records at tier 1", message);
        Assert.Null(Control.CheckPercentile(0.020021, 1000, Tier.Public));
        Assert.Contains("above the largest releasable percentile p97.9979", Control.CheckPercentile(0.99, 1000, Tier.Public));
        Assert.Contains("no percentile can be released", Control.CheckPercentile(0.5, 40, Tier.Public));
        Assert.Null(Control.CheckPercentile(0.001, 100, Tier.Bnba));   // exact tiers: no limit
    }

    [Fact]
    public void A_tail_percentile_of_a_small_group_is_withheld_per_cell()
    {
        var values = Enumerable.Range(1, 200).Select(i => (double)i).ToArray();
        var v = Control.Apply(PercentileTable(values, 0.05), Tier.Public).Rows[0].Values[0];   // h = 9.95: 9 below
        Assert.Equal((CellStatus.Suppressed, DisclosureRules.PercentileTail), (v.Status, v.Rule));
        var median = Control.Apply(PercentileTable(values, 0.5), Tier.Public).Rows[0].Values[0];
        Assert.Equal(CellStatus.Perturbed, median.Status);
        Assert.Contains(Control.Apply(PercentileTable(values, 0.5), Tier.Public).Rules, r => r.Id == DisclosureRules.PercentileTail);
    }

    // ---- Properties. ----

    private static Arbitrary<(long N, int T, double P)> Cases =>
        (from n in Gen.Choose(1, 5000)
         from t in Gen.Choose(1, 30)
         from permille in Gen.Choose(1, 999)
         select ((long)n, t, permille / 1000.0)).ToArbitrary();

    /// <summary>The range and the rule agree, and the rule is monotone in n, so a p refused for the largest possible
    /// group (the up-front check) can pass for no smaller group.</summary>
    [Fact]
    public void The_up_front_check_refuses_exactly_what_no_group_up_to_the_bound_can_release() =>
        PropertyRunner.ForAll(Cases, c =>
        {
            bool ok = PercentileRule.Releasable(c.P, c.N, c.T);
            var range = PercentileRule.ReleasableRange(c.N, c.T);
            bool inRange = range is { } r && c.P >= r.Lowest - 1e-12 && c.P <= r.Highest + 1e-12;
            if (ok && !inRange) return false;
            if (ok && !PercentileRule.Releasable(c.P, c.N + 1, c.T)) return false;       // monotone
            bool refused = PercentileRule.Check(c.P, c.N, c.T, Tier.Public) is not null;
            if (refused == ok) return false;
            if (refused)
                for (long n = 1; n <= c.N; n += Math.Max(1, c.N / 50))
                    if (PercentileRule.Releasable(c.P, n, c.T)) return false;
            return true;
        }, maxTest: 2000);

    /// <summary>Attacker's side, with ties: on random data (many ties at the minimum, as for livestock), every
    /// percentile the tier releases has at least T + 1 records at or below its exact value and T + 1 at or above: it is
    /// never the minimum or maximum of fewer than T + 1 records, which is what primary.min-max-tier withholds.</summary>
    [Fact]
    public void No_released_percentile_is_the_extreme_of_a_small_tail() =>
        PropertyRunner.ForAll(
            (from n in Gen.Choose(1, 400)
             from zeros in Gen.Choose(0, 100)
             from seed in Gen.Choose(0, int.MaxValue)
             from permille in Gen.Elements(1, 5, 10, 25, 50, 100, 250, 500, 750, 900, 950, 990, 995, 999)
             from tier in Gen.Elements(Tier.Public, Tier.Disaggregated)
             select (n, zeros, seed, permille / 1000.0, tier)).ToArbitrary(),
            c =>
            {
                var (n, zeros, seed, p, tier) = c;
                var rng = new Random(seed);
                var values = Enumerable.Range(0, n).Select(i => i < zeros ? 0.0 : Math.Round(rng.NextDouble() * 50)).ToArray();
                var released = Control.Apply(PercentileTable(values, p), tier).Rows[0].Values[0];
                if (released.Status == CellStatus.Suppressed) return true;
                int t = Control.Options.For(tier).GroupSizeThreshold;
                double exact = QuantileCont(values.Order().ToArray(), p);
                return values.Count(x => x <= exact) >= t + 1 && values.Count(x => x >= exact) >= t + 1;
            }, maxTest: 1500);

    /// <summary>Attacker's side, the attack: p1 and p99 of small groups at tiers 1 and 2 to learn the minimum and
    /// maximum that primary.min-max-tier withholds. Over 500 random groups of 10–500 records with distinct values,
    /// the attacker (even knowing the noise was at most 5 %) never gets a released value within the noise bound of the
    /// minimum or maximum.</summary>
    [Fact]
    public void Percentiles_close_to_0_and_100_do_not_give_the_minimum_and_maximum_back()
    {
        var rng = new Random(11);
        int released = 0;
        for (int trial = 0; trial < 500; trial++)
        {
            int n = rng.Next(10, 3000);
            var values = Enumerable.Range(0, n).Select(_ => 10 + rng.NextDouble() * 90).ToArray();
            double min = values.Min(), max = values.Max();
            foreach (var tier in new[] { Tier.Public, Tier.Disaggregated })
                foreach (var p in new[] { 0.001, 0.01, 0.02, 0.98, 0.99, 0.999 })
                {
                    var v = Control.Apply(PercentileTable(values, p, keySum: rng.Next()), tier).Rows[0].Values[0];
                    if (v.Value is not { } x) continue;
                    released++;
                    // Any released value is the interpolation of order statistics ≥ T from each end; the attacker's
                    // best guess of an extreme from it is the value itself.
                    Assert.False(x == min || x == max);
                    var sorted = values.Order().ToArray();
                    int t = Control.Options.For(tier).GroupSizeThreshold;
                    Assert.True(QuantileCont(sorted, p) >= sorted[t] && QuantileCont(sorted, p) <= sorted[n - 1 - t]);
                }
        }
        Assert.True(released > 50, "the trials must release some tail percentiles of large groups, or they test nothing");
    }
}
