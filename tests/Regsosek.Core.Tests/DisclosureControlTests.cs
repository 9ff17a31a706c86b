using FsCheck.Fluent;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

public class DisclosureControlTests
{
    private static readonly DisclosureControl Control = new();
    private static readonly DisclosureControl OtherInstance = new(new DisclosureOptions());

    private static ExactTable Single(StatisticKind kind, ExactValue value) =>
        new(new TableShape([], [new MeasureInfo("m", kind, "persons")]), [new ExactRow([], [value])]);

    private static ReleasedValue Release(ExactValue value, Tier tier) => Control.Apply(Single(value.Kind, value), tier).Rows[0].Values[0];

    // ---- Primary rules. ----

    [Theory]
    [InlineData(Tier.Public, 9, true)]
    [InlineData(Tier.Public, 10, false)]
    [InlineData(Tier.Disaggregated, 4, true)]
    [InlineData(Tier.Disaggregated, 5, false)]
    public void Counts_under_the_tier_threshold_are_withheld_never_shown_as_zero(Tier tier, long count, bool withheld)
    {
        var v = Release(ExactValue.OfCount(count, 777), tier);
        if (withheld)
        {
            Assert.Equal(CellStatus.Suppressed, v.Status);
            Assert.Null(v.Value);
            Assert.Equal(DisclosureRules.Threshold, v.Rule);
        }
        else
        {
            Assert.Equal(CellStatus.Perturbed, v.Status);
            Assert.True(v.Value >= count - 3 && v.Value <= count + 3 && v.Value >= (tier == Tier.Public ? 10 : 5));
        }
    }

    [Fact]
    public void A_true_zero_count_is_shown_as_zero() =>
        Assert.Equal(new ReleasedValue(0, CellStatus.Shown, null), Release(ExactValue.OfCount(0, 0), Tier.Public));

    [Theory]
    [InlineData(3, 100, true)]     // numerator small
    [InlineData(97, 100, true)]    // complement small: 97 % of a group discloses about the other 3
    [InlineData(9, 9, true)]       // 100 % of a tiny group
    [InlineData(0, 50, true)]      // 0 % says every member lacks the attribute... and 0 is under the threshold
    [InlineData(50, 100, false)]
    [InlineData(10, 20, false)]
    public void The_complement_rule_withholds_percentages_at_tier_1(long num, long den, bool withheld)
    {
        var v = Release(ExactValue.OfPercentage(new KeyedCount(num, 11 * num), new KeyedCount(den, 13 * den)), Tier.Public);
        if (withheld)
        {
            Assert.Equal(CellStatus.Suppressed, v.Status);
            Assert.Equal(DisclosureRules.Complement, v.Rule);
        }
        else
        {
            Assert.Equal(CellStatus.Perturbed, v.Status);
            double lo = 100.0 * (num - 3) / (den + 3), hi = 100.0 * (num + 3) / (den - 3);
            Assert.InRange(v.Value!.Value, lo, Math.Min(100, hi));
        }
    }

    [Theory]
    [InlineData(StatisticKind.Mean, Tier.Public, 19, true)]
    [InlineData(StatisticKind.Mean, Tier.Public, 20, false)]
    [InlineData(StatisticKind.Percentile, Tier.Disaggregated, 9, true)]
    [InlineData(StatisticKind.Percentile, Tier.Disaggregated, 21, false)]   // a median needs ≥ 10 records each side (issue 11, class 2)
    public void Group_statistics_of_small_groups_are_withheld_others_released_with_magnitude_noise(StatisticKind kind, Tier tier, long group, bool withheld)
    {
        // Issue 11, class 4: means and percentiles are no longer shown exactly but perturbed (a mean by at most
        // MagnitudeNoise × largest / n, a percentile by at most PercentileNoise × |value|).
        var v = Release(new ExactValue { Kind = kind, Statistic = 12.5, GroupSize = group, Largest = 40, SecondLargest = 30, Numerator = new KeyedCount(group, 1234),
            Probability = kind == StatisticKind.Percentile ? 0.5 : null }, tier);
        if (withheld) Assert.Equal((CellStatus.Suppressed, DisclosureRules.GroupSize), (v.Status, v.Rule));
        else
        {
            Assert.Equal((CellStatus.Perturbed, DisclosureRules.MagnitudeCellKey), (v.Status, v.Rule));
            double bound = kind == StatisticKind.Mean ? 0.5 * 40 / group : 0.05 * 12.5;
            Assert.InRange(Math.Abs(v.Value!.Value - 12.5), bound / 2, bound);
        }
    }

    [Theory]
    [InlineData(80.0, 10.0, true)]     // top two = 90 % > 85 %
    [InlineData(85.0, 0.0, false)]     // exactly 85 % is not more than k
    [InlineData(50.0, 30.0, false)]
    [InlineData(50.0, null, true)]   // second largest unknown: cannot check, so withheld
    public void Dominated_sums_are_withheld(double largest, double? second, bool withheld)
    {
        var v = Release(new ExactValue { Kind = StatisticKind.Sum, Statistic = 100, GroupSize = 40, Largest = largest, SecondLargest = second }, Tier.Disaggregated);
        if (withheld) Assert.Equal((CellStatus.Suppressed, DisclosureRules.Dominance), (v.Status, v.Rule));
        else Assert.InRange(Math.Abs(v.Value!.Value - 100), 0.25 * largest, 0.5 * largest);   // issue 11, class 4: perturbed
    }

    [Theory]
    [InlineData(80.0, 10.0, true)]     // mean 2.5 × 40 = a sum of 100 whose top two are 90 %
    [InlineData(50.0, 30.0, false)]
    [InlineData(50.0, null, true)]     // second largest unknown: cannot check, so withheld
    public void Means_whose_sum_is_dominated_are_withheld_like_the_sum(double largest, double? second, bool withheld)
    {
        // Mean × group size is the sum: releasing the mean would give back (with noise) the sum dominance withholds.
        var v = Release(new ExactValue { Kind = StatisticKind.Mean, Statistic = 2.5, GroupSize = 40, Largest = largest, SecondLargest = second,
            Numerator = new KeyedCount(40, 777) }, Tier.Disaggregated);
        if (withheld) Assert.Equal((CellStatus.Suppressed, DisclosureRules.Dominance), (v.Status, v.Rule));
        else Assert.Equal(CellStatus.Perturbed, v.Status);
    }

    [Theory]
    [InlineData(Tier.Public, true)]
    [InlineData(Tier.Disaggregated, true)]
    [InlineData(Tier.Microdata, false)]
    [InlineData(Tier.Bnba, false)]
    public void Minimum_and_maximum_are_never_released_below_tier_3(Tier tier, bool withheld)
    {
        foreach (var kind in new[] { StatisticKind.Min, StatisticKind.Max })
        {
            var v = Release(new ExactValue { Kind = kind, Statistic = 3, GroupSize = 5000 }, tier);
            if (withheld) Assert.Equal((CellStatus.Suppressed, DisclosureRules.MinMaxTier), (v.Status, v.Rule));
            else Assert.Equal(new ReleasedValue(3, CellStatus.Shown, null), v);
        }
    }

    [Fact]
    public void Tiers_3_and_4_get_exact_values_even_for_small_cells()
    {
        Assert.Equal(new ReleasedValue(1, CellStatus.Shown, null), Release(ExactValue.OfCount(1, 5), Tier.Microdata));
        Assert.Equal(new ReleasedValue(50, CellStatus.Shown, null), Release(ExactValue.OfPercentage(new KeyedCount(1, 5), new KeyedCount(2, 9)), Tier.Bnba));
        var table = Control.Apply(Single(StatisticKind.Count, ExactValue.OfCount(1, 5)), Tier.Microdata);
        Assert.Equal(DisclosureRules.Exact, Assert.Single(table.Rules).Id);
    }

    [Fact]
    public void The_response_lists_every_rule_with_its_parameters()
    {
        var persons = Microdata.Random(new Random(1), 60, [3, 2]);
        var table = Microdata.Table(persons, [0, 1], pctAttribute: 1);
        var t1 = Control.Apply(table, Tier.Public);
        var t2 = Control.Apply(table, Tier.Disaggregated);
        Assert.Equal("10", t1.Rules.Single(r => r.Id == DisclosureRules.Threshold).Parameters["threshold"]);
        Assert.Equal("5", t2.Rules.Single(r => r.Id == DisclosureRules.Threshold).Parameters["threshold"]);
        Assert.Equal("10", t1.Rules.Single(r => r.Id == DisclosureRules.Complement).Parameters["threshold"]);
        Assert.Equal("hypercube", t1.Rules.Single(r => r.Id == DisclosureRules.Secondary).Parameters["method"]);
        var cellKey = t1.Rules.Single(r => r.Id == DisclosureRules.CellKey);
        Assert.Equal("3", cellKey.Parameters["max_noise"]);
        Assert.Equal("1", cellKey.Parameters["variance"]);
        // Every rule a cell names is listed in the response.
        var listed = t1.Rules.Select(r => r.Id).ToHashSet();
        Assert.All(t1.Rows.SelectMany(r => r.Values).Where(v => v.Rule is not null), v => Assert.Contains(v.Rule!, listed));
    }

    [Fact]
    public void A_percentage_is_withheld_where_the_count_of_its_population_is_withheld()
    {
        // Region 2 has 7 persons: its count is withheld at tier 1, so its percentage must be too, even if the
        // secondary pattern of the percentage alone would have chosen differently.
        var persons = new List<Person>();
        int id = 0;
        foreach (var (region, n, share) in new[] { (1, 40, 20), (2, 7, 0), (3, 30, 15), (4, 25, 12) })
            for (int i = 0; i < n; i++) persons.Add(new Person(id++, [region, i < share ? 1 : 2], (id * 37) % 4096));
        var released = Control.Apply(Microdata.Table(persons, [0], pctAttribute: 1), Tier.Public);
        for (int r = 0; r < released.Rows.Count; r++)
            if (released.Rows[r].Values[0].Status == CellStatus.Suppressed)
                Assert.Equal(CellStatus.Suppressed, released.Rows[r].Values[1].Status);
        Assert.Contains(released.Rows, r => r.Keys[0] == 2 && r.Values[1].Status == CellStatus.Suppressed);
    }

    [Fact]
    public void A_dominated_sum_gets_a_complementary_suppression_and_no_withheld_sum_is_derivable()
    {
        // Livestock by regency: regency 2 is dominated by one farm, so it is withheld; without a second withheld
        // regency, total − the others would give it back.
        var sums = new (double Sum, double Largest, double Second)[] { (500, 60, 50), (300, 290, 5), (200, 30, 20), (800, 70, 60) };
        var rows = new List<ExactRow> { new([null], [new ExactValue { Kind = StatisticKind.Sum, Statistic = sums.Sum(s => s.Sum), GroupSize = 400, Largest = 290, SecondLargest = 70 }]) };
        for (int i = 0; i < sums.Length; i++)
            rows.Add(new ExactRow([i + 1L], [new ExactValue { Kind = StatisticKind.Sum, Statistic = sums[i].Sum, GroupSize = 100, Largest = sums[i].Largest, SecondLargest = sums[i].Second }]));
        var table = new ExactTable(new TableShape(["region"], [new MeasureInfo("livestock", StatisticKind.Sum, "head")]), rows);
        var released = Control.Apply(table, Tier.Disaggregated);
        Assert.Equal(DisclosureRules.Dominance, released.Rows[2].Values[0].Rule);
        Assert.Equal(DisclosureRules.Secondary, released.Rows[3].Values[0].Rule);   // the smallest other regency (200)
        var withheld = released.Rows.Select(r => r.Values[0].Status == CellStatus.Suppressed).ToArray();
        Assert.Empty(Derivability.DerivableCells(TableStructure.Build(1, table.Rows.Select(r => r.Keys).ToList()), withheld));
        Assert.Equal((CellStatus.Perturbed, DisclosureRules.MagnitudeCellKey), (released.Rows[0].Values[0].Status, released.Rows[0].Values[0].Rule));
        Assert.InRange(Math.Abs(released.Rows[0].Values[0].Value!.Value - 1800), 0.25 * 290, 0.5 * 290);
    }

    [Fact]
    public void Bad_options_are_refused_naming_the_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DisclosureControl(new DisclosureOptions { Tier2 = new TierDisclosureOptions { CountThreshold = 0 } }));
        Assert.Contains("Tier2", ex.Message);
        Assert.Contains("CountThreshold", ex.Message);
    }

    // ---- Properties over random small datasets. ----

    [Fact]
    public void Released_tier1_and_tier2_counts_are_zero_or_at_least_the_threshold_and_within_D_of_the_truth() =>
        PropertyRunner.ForAll(SecondarySuppressionTests.Cases.ToArbitrary(), c =>
        {
            var persons = Microdata.Random(new Random(c.Seed), c.Persons, c.Sizes);
            var exact = Microdata.Table(persons, Enumerable.Range(0, c.Sizes.Length).ToArray(), pctAttribute: 0);
            foreach (var (tier, threshold) in new[] { (Tier.Public, 10), (Tier.Disaggregated, 5) })
            {
                var released = Control.Apply(exact, tier);
                for (int r = 0; r < exact.Rows.Count; r++)
                {
                    var v = released.Rows[r].Values[0];
                    long truth = exact.Rows[r].Values[0].Numerator.Count;
                    Assert.Equal(exact.Rows[r].Keys, released.Rows[r].Keys);
                    Assert.Equal(v.Status == CellStatus.Suppressed, v.Value is null);
                    Assert.Equal(v.Status == CellStatus.Shown || v.Status == CellStatus.Perturbed, v.Rule is null || v.Rule == DisclosureRules.CellKey);
                    if (v.Value is not { } value) continue;
                    Assert.True(value == 0 || value >= threshold, $"released count {value} is under the tier-{(int)tier} threshold {threshold}");
                    Assert.InRange(value, truth - 3, truth + 3);
                    if (truth == 0) Assert.Equal(0, value);
                }
            }
        }, maxTest: 300);

    [Fact]
    public void Percentages_are_never_shown_when_the_complement_rule_fires() =>
        PropertyRunner.ForAll(SecondarySuppressionTests.Cases.ToArbitrary(), c =>
        {
            var persons = Microdata.Random(new Random(c.Seed), c.Persons, c.Sizes);
            var exact = Microdata.Table(persons, Enumerable.Range(0, c.Sizes.Length).ToArray(), pctAttribute: 0, pctValue: 1);
            foreach (var (tier, t) in new[] { (Tier.Public, 10), (Tier.Disaggregated, 5) })
            {
                var released = Control.Apply(exact, tier);
                for (int r = 0; r < exact.Rows.Count; r++)
                {
                    var e = exact.Rows[r].Values[1];
                    long num = e.Numerator.Count, den = e.Denominator!.Value.Count;
                    var v = released.Rows[r].Values[1];
                    if (num < t || den < t || den - num < t)
                        Assert.Equal((CellStatus.Suppressed, DisclosureRules.Complement), (v.Status, v.Rule));
                    if (released.Rows[r].Values[0].Status == CellStatus.Suppressed)
                        Assert.Equal(CellStatus.Suppressed, v.Status);
                    if (v.Value is { } pct) Assert.InRange(pct, 0, 100);
                }
            }
        }, maxTest: 300);

    [Fact]
    public void The_same_cell_gets_the_same_value_in_two_different_tables() =>
        PropertyRunner.ForAll(SecondarySuppressionTests.Cases.ToArbitrary(), c =>
        {
            // Tables by (a, b) and by (a, c) share the cells "a = x, other dimension totalled" and the grand
            // total: the same persons, so the same count and key sum, whatever else each table holds.
            var persons = Microdata.Random(new Random(c.Seed), c.Persons * 3, [c.Sizes[0], 3, 4]);
            var ab = Control.Apply(Microdata.Table(persons, [0, 1]), Tier.Public);
            var ac = Control.Apply(Microdata.Table(persons, [0, 2]), Tier.Public);
            var second = OtherInstance.Apply(Microdata.Table(persons, [0, 2]), Tier.Public);
            int compared = 0;
            foreach (var row in ab.Rows.Where(r => r.Keys[1] is null))
            {
                var other = ac.Rows.Single(r => r.Keys[0] == row.Keys[0] && r.Keys[1] is null);
                if (row.Values[0].Value is { } x && other.Values[0].Value is { } y)
                {
                    Assert.Equal(x, y);
                    compared++;
                }
            }
            Assert.Equal(ac.Rows.Select(r => r.Values[0]), second.Rows.Select(r => r.Values[0]));
            Assert.True(compared >= 1 || persons.Count < 10);
        }, maxTest: 200);
}
