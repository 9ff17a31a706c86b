using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

public class SecondarySuppressionTests
{
    private static readonly DisclosureControl Control = new();

    private static TableStructure Structure(ExactTable t) => TableStructure.Build(t.Shape.Dimensions.Count, t.Rows.Select(r => r.Keys).ToList());

    private static ExactTable OneDimension(params long[] children)
    {
        var rows = new List<ExactRow> { new([null], [ExactValue.OfCount(children.Sum(), 0)]) };
        for (int i = 0; i < children.Length; i++) rows.Add(new ExactRow([i + 1L], [ExactValue.OfCount(children[i], 0)]));
        return new ExactTable(new TableShape(["region"], [new MeasureInfo("persons", StatisticKind.Count, "persons")]), rows);
    }

    private static int RowOf(ExactTable t, params long?[] keys) =>
        t.Rows.Select((r, i) => (r, i)).Single(x => x.r.Keys.SequenceEqual(keys)).i;

    // ---- The checker itself must see derivations, or the property tests below prove nothing. ----

    [Fact]
    public void The_checker_finds_a_child_derivable_from_the_total_and_its_siblings()
    {
        var t = OneDimension(3, 50, 20, 40);
        var withheld = new bool[t.Rows.Count];
        withheld[RowOf(t, 1L)] = true;
        Assert.Equal([RowOf(t, 1L)], Derivability.DerivableCells(Structure(t), withheld));
        withheld[RowOf(t, 3L)] = true;
        Assert.Empty(Derivability.DerivableCells(Structure(t), withheld));
    }

    [Fact]
    public void The_checker_finds_a_cell_derivable_through_a_second_dimension()
    {
        // 2 x 2 table: withholding (1,1) and (1,2) hides nothing, because column totals give both back.
        var persons = new List<Person>();
        int id = 0;
        foreach (var (a, b, n) in new[] { (1, 1, 3), (1, 2, 30), (2, 1, 40), (2, 2, 50) })
            for (int i = 0; i < n; i++) persons.Add(new Person(id++, [a, b], 0));
        var t = Microdata.Table(persons, [0, 1]);
        var withheld = new bool[t.Rows.Count];
        withheld[RowOf(t, 1L, 1L)] = true;
        withheld[RowOf(t, 1L, 2L)] = true;
        Assert.Equal(2, Derivability.DerivableCells(Structure(t), withheld).Count);
        withheld[RowOf(t, 2L, 1L)] = true;
        withheld[RowOf(t, 2L, 2L)] = true;
        Assert.Empty(Derivability.DerivableCells(Structure(t), withheld));
    }

    // ---- The heuristic. ----

    [Fact]
    public void One_small_child_is_covered_by_the_smallest_sibling_alone()
    {
        var t = OneDimension(3, 50, 20, 40);
        var withheld = new bool[t.Rows.Count];
        withheld[RowOf(t, 1L)] = true;
        var added = HypercubeSuppression.Protect(Structure(t), withheld, t.Rows.Select(r => (double)r.Values[0].Numerator.Count).ToArray());
        Assert.Equal([RowOf(t, 3L)], added);
    }

    [Fact]
    public void Two_small_children_protect_each_other_without_more_suppression()
    {
        var t = OneDimension(3, 50, 4, 40);
        var withheld = new bool[t.Rows.Count];
        withheld[RowOf(t, 1L)] = withheld[RowOf(t, 3L)] = true;
        Assert.Empty(HypercubeSuppression.Protect(Structure(t), withheld, t.Rows.Select(r => (double)r.Values[0].Numerator.Count).ToArray()));
    }

    [Fact]
    public void An_only_child_takes_its_total_with_it()
    {
        var t = OneDimension(3);
        var withheld = new bool[t.Rows.Count];
        withheld[RowOf(t, 1L)] = true;
        Assert.Equal([RowOf(t, [null])], HypercubeSuppression.Protect(Structure(t), withheld, t.Rows.Select(r => (double)r.Values[0].Numerator.Count).ToArray()));
    }

    [Fact]
    public void An_incomplete_table_is_refused_with_a_message_about_margins()
    {
        var rows = new List<ExactRow> { new([1L, 1L], [ExactValue.OfCount(3, 0)]), new([1L, null], [ExactValue.OfCount(3, 0)]) };
        var t = new ExactTable(new TableShape(["a", "b"], [new MeasureInfo("persons", StatisticKind.Count, "persons")]), rows);
        var ex = Assert.Throws<ArgumentException>(() => new DisclosureControl().Apply(t, Tier.Public));
        Assert.Contains("margin", ex.Message);
    }

    // ---- Properties: random small tables of 1–3 dimensions with margins. ----

    internal sealed record Case(int Seed, int[] Sizes, int Persons, int Threshold);

    internal static Gen<Case> Cases =>
        from seed in Gen.Choose(0, int.MaxValue)
        from dims in Gen.Choose(1, 3)
        from sizes in Gen.ArrayOf(Gen.Choose(1, dims == 3 ? 4 : 6), dims)
        from persons in Gen.Choose(1, 120)
        from threshold in Gen.Choose(2, 12)
        select new Case(seed, sizes, persons, threshold);

    [Fact]
    public void No_withheld_cell_is_derivable_after_hypercube_suppression()
    {
        int secondaries = 0, multiDimensional = 0;
        PropertyRunner.ForAll(Cases.ToArbitrary(), c =>
        {
            var persons = Microdata.Random(new Random(c.Seed), c.Persons, c.Sizes);
            var t = Microdata.Table(persons, Enumerable.Range(0, c.Sizes.Length).ToArray());
            var s = Structure(t);
            var counts = t.Rows.Select(r => (double)r.Values[0].Numerator.Count).ToArray();
            var withheld = counts.Select(v => v < c.Threshold).ToArray();
            var primaries = (bool[])withheld.Clone();
            var added = HypercubeSuppression.Protect(s, withheld, counts);
            secondaries += added.Count;
            if (added.Count > 0 && c.Sizes.Length > 1) multiDimensional++;
            Assert.Empty(Derivability.DerivableCells(s, withheld));
            for (int r = 0; r < withheld.Length; r++)
            {
                Assert.True(!primaries[r] || withheld[r], "a primary cell was released");
                Assert.Equal(withheld[r] && !primaries[r], added.Contains(r));
            }
        }, maxTest: 400);
        // The generator must produce tables that need secondary suppression, in several dimensions, or this proves little.
        Assert.True(secondaries > 400 && multiDimensional > 100, $"only {secondaries} secondary cells, {multiDimensional} multi-dimensional cases");
    }

    [Fact]
    public void No_withheld_count_or_percentage_is_derivable_from_a_released_response() =>
        PropertyRunner.ForAll(Cases.ToArbitrary(), c =>
        {
            var persons = Microdata.Random(new Random(c.Seed), c.Persons, c.Sizes);
            int d = c.Sizes.Length;
            var t = Microdata.Table(persons, Enumerable.Range(0, d).ToArray(), pctAttribute: 0, pctValue: 1);
            var s = Structure(t);
            foreach (var tier in new[] { Tier.Public, Tier.Disaggregated })
            {
                var released = Control.Apply(t, tier);
                for (int m = 0; m < 2; m++)
                {
                    var withheld = released.Rows.Select(r => r.Values[m].Status == CellStatus.Suppressed).ToArray();
                    Assert.Empty(Derivability.DerivableCells(s, withheld));
                }
            }
        }, maxTest: 300);
}
