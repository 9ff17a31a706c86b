using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

/// <summary>Issue 11, class 3: attributes from frequency tables (complete tables, dominant categories).</summary>
public class FrequencyTableTests
{
    private static readonly DisclosureControl Control = new();

    private static ReleasedValue Cell(ReleasedTable t, params long?[] keys) => t.Rows.Single(r => r.Keys.SequenceEqual(keys)).Values[0];

    // ---- Completion. ----

    [Fact]
    public void Completion_adds_every_missing_category_and_margin_as_a_zero()
    {
        // Village 1: 12 families, all with lighting 1; the engine returns no row for lighting 2 and 3.
        var persons = Enumerable.Range(0, 12).Select(i => new Person(i, [1, 1], i * 100)).ToList();
        var exact = Microdata.Table(persons, [0, 1]);
        Assert.Equal(4, exact.Rows.Count);
        var complete = TableCompletion.Complete(exact, [[1, 2], [1, 2, 3]]);
        Assert.Equal(3 * 4, complete.Rows.Count);
        Assert.Equal(0, complete.Rows.Single(r => r.Keys.SequenceEqual(new long?[] { 2, null })).Values[0].Numerator.Count);
        Assert.Equal(12, complete.Rows.Single(r => r.Keys.SequenceEqual(new long?[] { 1, 1 })).Values[0].Numerator.Count);
        TableStructure.Build(2, complete.Rows.Select(r => r.Keys).ToList());   // complete: every margin present
    }

    [Fact]
    public void Completion_keeps_keys_outside_the_domain_and_refuses_too_large_tables()
    {
        var persons = new[] { new Person(0, [-1], 5), new Person(1, [2], 9) };
        var complete = TableCompletion.Complete(Microdata.Table(persons, [0]), [[1, 2]]);
        Assert.Equal([null, -1L, 1L, 2L], complete.Rows.Select(r => r.Keys[0]));
        var e = Assert.Throws<TableTooLargeException>(() =>
            TableCompletion.Complete(Microdata.Table(persons, [0]), [Enumerable.Range(1, 200).Select(i => (long)i).ToList()], maxCells: 100));
        Assert.Contains("more than 100 cells", e.Message);
        Assert.Contains("narrow the request", e.Message);
    }

    [Fact]
    public void Completion_property_rows_are_the_full_cube_and_existing_rows_are_kept() =>
        PropertyRunner.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from persons in Gen.Choose(0, 60)
             from sizes in Gen.ArrayOf(Gen.Choose(1, 4)).Select(a => a.Take(3).ToArray())
             select (seed, persons, sizes)).ToArbitrary(),
            c =>
            {
                if (c.sizes.Length == 0) return true;
                var data = Microdata.Random(new Random(c.seed), c.persons, c.sizes);
                var exact = Microdata.Table(data, Enumerable.Range(0, c.sizes.Length).ToArray());
                var domains = c.sizes.Select(s => (IReadOnlyList<long>)Enumerable.Range(1, s).Select(i => (long)i).ToList()).ToList();
                var complete = TableCompletion.Complete(exact, domains);
                long expected = TableCompletion.CompleteRowCount(c.sizes);
                var byKey = complete.Rows.ToDictionary(r => string.Join(",", r.Keys), r => r.Values[0].Numerator.Count);
                return complete.Rows.Count == expected && byKey.Count == expected
                    && exact.Rows.All(r => byKey[string.Join(",", r.Keys)] == r.Values[0].Numerator.Count)
                    && complete.Rows.Sum(r => r.Values[0].Numerator.Count) == exact.Rows.Sum(r => r.Values[0].Numerator.Count);
            }, maxTest: 300);

    // ---- The dominant-category rule. ----

    /// <summary>Attacker's side, the example: "every family in this village has X". The percentage is withheld
    /// by the complement rule; the complete count table must not say it either: no zero is shown in the village's line
    /// and the dominant category is withheld.</summary>
    [Fact]
    public void A_village_where_every_family_has_X_does_not_say_so_in_its_count_table()
    {
        var persons = new List<Person>();
        int id = 0;
        for (int i = 0; i < 12; i++) persons.Add(new Person(id++, [1, 1], (id * 311) % 4096));            // village 1: all X
        for (int i = 0; i < 40; i++) persons.Add(new Person(id++, [2, 1 + i % 3], (id * 311) % 4096));    // village 2: mixed
        for (int i = 0; i < 30; i++) persons.Add(new Person(id++, [3, 1 + i % 3], (id * 311) % 4096));
        var exact = TableCompletion.Complete(Microdata.Table(persons, [0, 1], pctAttribute: 1), [[1, 2, 3], [1, 2, 3]]);
        var released = Control.Apply(exact, Tier.Disaggregated);

        // The percentage of X in village 1 (100 %) is withheld by the complement rule ...
        Assert.Equal(DisclosureRules.Complement, released.Rows.Single(r => r.Keys.SequenceEqual(new long?[] { 1, null })).Values[1].Rule);
        // ... and the counts do not say it: X is withheld, and so are the zeros of the other categories.
        Assert.Equal(DisclosureRules.DominantCategory, Cell(released, 1, 1).Rule);
        foreach (long other in new long[] { 2, 3 })
            Assert.Equal(CellStatus.Suppressed, Cell(released, 1, other).Status);
        Assert.Contains(released.Rules, r => r.Id == DisclosureRules.DominantCategory);
        // The attacker's inference "every member is in one category" needs all but one cell of the line known.
        Assert.True(new long[] { 1, 2, 3 }.Count(c => Cell(released, 1, c).Status == CellStatus.Suppressed) >= 2);
    }

    [Fact]
    public void All_but_fewer_than_the_threshold_in_one_category_is_protected_too()
    {
        // 30 in category 1, 4 in category 2 (under 5), none in 3: "all but 4 have X" at tier 2.
        var persons = Enumerable.Range(0, 34).Select(i => new Person(i, [i < 30 ? 1 : 2], i * 97 % 4096)).ToList();
        var released = Control.Apply(TableCompletion.Complete(Microdata.Table(persons, [0]), [[1, 2, 3]]), Tier.Disaggregated);
        Assert.Equal(DisclosureRules.DominantCategory, Cell(released, 1).Rule);
        Assert.Equal(DisclosureRules.Threshold, Cell(released, 2).Rule);
        Assert.Equal(DisclosureRules.DominantCategory, Cell(released, 3).Rule);
        // A balanced line is untouched.
        var balanced = Enumerable.Range(0, 60).Select(i => new Person(i, [1 + i % 3], i * 97 % 4096)).ToList();
        var b = Control.Apply(TableCompletion.Complete(Microdata.Table(balanced, [0]), [[1, 2, 3]]), Tier.Disaggregated);
        Assert.All(b.Rows, r => Assert.Equal(CellStatus.Perturbed, r.Values[0].Status));
    }

    /// <summary>Property, attacker's side, over random complete 1–3-dimensional tables at tiers 1 and 2: in every line
    /// (total above 0, two or more categories) where all units or all but fewer than T fall into one category, the
    /// attacker sees no released zero in the line, the dominant cell withheld, and at least two children withheld (so
    /// "total minus the others" gives no child back); and no withheld count is derivable by additivity.</summary>
    [Fact]
    public void No_line_of_a_released_count_table_shows_that_one_category_holds_everyone() =>
        PropertyRunner.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from persons in Gen.Choose(1, 120)
             from sizes in Gen.ArrayOf(Gen.Choose(2, 4)).Select(a => a.Take(3).ToArray())
             from tier in Gen.Elements(Tier.Public, Tier.Disaggregated)
             select (seed, persons, sizes, tier)).ToArbitrary(),
            c =>
            {
                if (c.sizes.Length == 0) return;
                var data = Microdata.Random(new Random(c.seed), c.persons, c.sizes);
                var domains = c.sizes.Select(s => (IReadOnlyList<long>)Enumerable.Range(1, s).Select(i => (long)i).ToList()).ToList();
                var exact = TableCompletion.Complete(Microdata.Table(data, Enumerable.Range(0, c.sizes.Length).ToArray()), domains);
                var released = Control.Apply(exact, c.tier);
                int t = Control.Options.For(c.tier).CountThreshold;
                var structure = TableStructure.Build(c.sizes.Length, exact.Rows.Select(r => r.Keys).ToList());
                foreach (var line in structure.Lines())
                {
                    long total = exact.Rows[line.Total].Values[0].Numerator.Count;
                    long max = line.Children.Max(ch => exact.Rows[ch].Values[0].Numerator.Count);
                    if (total == 0 || total - max >= t || line.Children.Count < 2) continue;
                    Assert.DoesNotContain(line.Children, ch => released.Rows[ch].Values[0].Value == 0);
                    Assert.True(line.Children.Count(ch => released.Rows[ch].Values[0].Status == CellStatus.Suppressed) >= 2);
                }
                var withheld = released.Rows.Select(r => r.Values[0].Status == CellStatus.Suppressed).ToArray();
                Assert.Empty(Derivability.DerivableCells(structure, withheld));
            }, maxTest: 300);
}
