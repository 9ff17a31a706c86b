using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

public class PublishedExampleTests
{
    private static readonly MeasureInfo Freq = new("freq", StatisticKind.Count, "persons");

    /// <summary>
    /// Reproduces Table 1 of the GaussSuppression vignette "Small count frequency table suppression" (Statistics
    /// Norway; CRAN package GaussSuppression, e.g.
    /// https://cran.r-project.org/web/packages/GaussSuppression/vignettes/Small_count_frequency_table_suppression.html):
    /// <c>SuppressSmallCounts(dataset_a, dimVar = c("age", "geo"), freqVar = "freq", maxN = 1)</c> on
    /// <code>
    ///          Iceland Portugal Spain Total
    /// young       2       0       5     7
    /// old         3       4       6    13
    /// Total       5       4      11    20
    /// </code>
    /// maxN = 1 withholds counts ≤ 1, zeros included: the published output marks young/Portugal (0) primary and
    /// young/Iceland, old/Iceland, old/Portugal secondary; every margin is published. Our equivalent settings:
    /// threshold 2, zeros withheld, no perturbation (the vignette publishes exact counts). The package uses the
    /// Gauss method, we use the hypercube method; on this table both choose the same, cheapest pattern.
    /// </summary>
    [Fact]
    public void GaussSuppression_vignette_table_1()
    {
        var age = new Dictionary<string, long> { ["young"] = 1, ["old"] = 2 };
        var geo = new Dictionary<string, long> { ["Iceland"] = 1, ["Portugal"] = 2, ["Spain"] = 3 };
        var inner = new (string Age, string Geo, long Freq)[]
        {
            ("young", "Spain", 5), ("young", "Iceland", 2), ("young", "Portugal", 0),
            ("old", "Spain", 6), ("old", "Iceland", 3), ("old", "Portugal", 4),
        };
        var rows = new List<ExactRow>();
        void Add(long? a, long? g, long n) => rows.Add(new ExactRow([a, g], [ExactValue.OfCount(n, 0)]));
        foreach (var c in inner) Add(age[c.Age], geo[c.Geo], c.Freq);
        foreach (var a in age) Add(a.Value, null, inner.Where(c => c.Age == a.Key).Sum(c => c.Freq));
        foreach (var g in geo) Add(null, g.Value, inner.Where(c => c.Geo == g.Key).Sum(c => c.Freq));
        Add(null, null, inner.Sum(c => c.Freq));
        var table = new ExactTable(new TableShape(["age", "geo"], [Freq]), rows);

        var options = new DisclosureOptions
        {
            // The vignette's method has no dominant-category rule (issue 11, class 3), which would also withhold
            // old/Portugal (4 of Portugal's 4): reproduce the published method with its own settings.
            Tier2 = new TierDisclosureOptions { CountThreshold = 2, ReleaseZeroCounts = false, Perturb = false, ProtectDominantCategories = false },
        };
        var released = new DisclosureControl(options).Apply(table, Tier.Disaggregated);

        string? Status(string? a, string? g)
        {
            var row = released.Rows.Single(r => r.Keys[0] == (a is null ? null : age[a]) && r.Keys[1] == (g is null ? null : geo[g]));
            return row.Values[0].Rule;
        }
        // Published: primary (young, Portugal); secondary (young, Iceland), (old, Iceland), (old, Portugal).
        Assert.Equal(DisclosureRules.Threshold, Status("young", "Portugal"));
        Assert.Equal(DisclosureRules.Secondary, Status("young", "Iceland"));
        Assert.Equal(DisclosureRules.Secondary, Status("old", "Iceland"));
        Assert.Equal(DisclosureRules.Secondary, Status("old", "Portugal"));
        // Published: everything else shown, with its exact value.
        foreach (var (a, g, n) in new (string?, string?, long)[]
                 { ("young", "Spain", 5), ("old", "Spain", 6), ("young", null, 7), ("old", null, 13),
                   (null, "Iceland", 5), (null, "Portugal", 4), (null, "Spain", 11), (null, null, 20) })
        {
            var v = released.Rows.Single(r => r.Keys[0] == (a is null ? null : age[a]) && r.Keys[1] == (g is null ? null : geo[g])).Values[0];
            Assert.Equal(new ReleasedValue(n, CellStatus.Shown, null), v);
        }
    }

    /// <summary>
    /// Constructed from the textbook rules (threshold rule, then complementary suppression in a one-way table with its
    /// total; Hundepool et al., "Statistical Disclosure Control", Wiley 2012, ch. 4), not copied from a source with
    /// these numbers: a province of four regencies with 3, 50, 20 and 40 persons at tier 1 (threshold 10). The 3 is
    /// withheld; total − the other three would give it back, so the smallest other regency (20) is withheld too;
    /// the total and the two large regencies stay, perturbed.
    /// </summary>
    [Fact]
    public void One_way_table_with_a_total_textbook_example()
    {
        var counts = new long[] { 3, 50, 20, 40 };
        var rows = new List<ExactRow> { new([null], [ExactValue.OfCount(counts.Sum(), 12345)]) };
        for (int i = 0; i < counts.Length; i++) rows.Add(new ExactRow([3201L + i], [ExactValue.OfCount(counts[i], 1000 * i)]));
        var released = new DisclosureControl().Apply(new ExactTable(new TableShape(["region"], [Freq]), rows), Tier.Public);
        var rules = released.Rows.ToDictionary(r => r.Keys[0] ?? 0, r => r.Values[0]);
        Assert.Equal(DisclosureRules.Threshold, rules[3201].Rule);
        Assert.Equal(DisclosureRules.Secondary, rules[3203].Rule);
        Assert.Equal(CellStatus.Perturbed, rules[3202].Status);
        Assert.Equal(CellStatus.Perturbed, rules[3204].Status);
        Assert.Equal(CellStatus.Perturbed, rules[0].Status);
    }
}
