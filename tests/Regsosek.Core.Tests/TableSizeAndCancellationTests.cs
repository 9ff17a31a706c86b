using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

/// <summary>Issue 11, class 6 (Core part): a documented maximum table size, and cancellation of disclosure control.</summary>
public class TableSizeAndCancellationTests
{
    private static ExactTable VillagesByAge(int villages, int ages, int seed = 1)
    {
        var rng = new Random(seed);
        var persons = new List<Person>();
        for (int v = 1; v <= villages; v++)
            for (int i = rng.Next(1, 40); i > 0; i--) persons.Add(new Person(persons.Count, [v, rng.Next(1, ages + 1)], rng.Next(4096)));
        return Microdata.Table(persons, [0, 1]);
    }

    [Fact]
    public void The_documented_limit_is_the_default_and_check_and_apply_agree()
    {
        Assert.Equal(DisclosureOptions.DefaultMaxCells, new DisclosureOptions().MaxCells);
        var control = new DisclosureControl(new DisclosureOptions { MaxCells = 100 });
        var table = VillagesByAge(30, 4);            // far more than 100 rows
        var message = control.CheckTableSize(table.Rows.Count, 1);
        Assert.NotNull(message);
        Assert.Contains("more than the limit of 100 cells", message);
        Assert.Contains("narrow the request", message);
        var e = Assert.Throws<TableTooLargeException>(() => control.Apply(table, Tier.Disaggregated));
        Assert.Equal(message, e.Message);
        Assert.Null(control.CheckTableSize(50, 2));
        Assert.NotNull(control.CheckTableSize(51, 2));
        Assert.NotNull(control.CheckTableSize(long.MaxValue / 2, 3));     // no overflow into "small"
        IDisclosureControl viaInterface = control;                        // the pipeline holds the interface
        Assert.Equal(message, viaInterface.CheckTableSize(table.Rows.Count, 1));
        Assert.NotNull(viaInterface.CheckPercentile(0.01, 1000, Tier.Public));
    }

    [Fact]
    public void The_size_check_refuses_exactly_the_tables_above_the_limit() =>
        PropertyRunner.ForAll(
            (from rows in Gen.Choose(0, 200_000) from measures in Gen.Choose(1, 8) select (rows, measures)).ToArbitrary(),
            c => (new DisclosureControl().CheckTableSize(c.rows, c.measures) is null) == ((long)c.rows * c.measures <= DisclosureOptions.DefaultMaxCells),
            maxTest: 1000);

    [Fact]
    public void A_cancelled_request_stops_disclosure_control_and_secondary_suppression()
    {
        var table = VillagesByAge(40, 6);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new DisclosureControl().Apply(table, Tier.Disaggregated, cts.Token));
        IDisclosureControl viaInterface = new DisclosureControl();
        Assert.ThrowsAny<OperationCanceledException>(() => viaInterface.Apply(table, Tier.Public, cts.Token));
        var structure = TableStructure.Build(2, table.Rows.Select(r => r.Keys).ToList());
        var withheld = table.Rows.Select(r => r.Values[0].Numerator.Count < 5).ToArray();
        var sizes = table.Rows.Select(r => (double)r.Values[0].Numerator.Count).ToArray();
        Assert.ThrowsAny<OperationCanceledException>(() => HypercubeSuppression.Protect(structure, withheld, sizes, cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => TableCompletion.Complete(table, [[1, 2], [1, 2]], cancellationToken: cts.Token));
    }

    [Fact]
    public void An_uncancelled_token_changes_nothing()
    {
        var table = VillagesByAge(25, 5, seed: 9);
        var control = new DisclosureControl();
        Assert.Equal(control.Apply(table, Tier.Disaggregated).Rows.SelectMany(r => r.Values),
            control.Apply(table, Tier.Disaggregated, new CancellationTokenSource().Token).Rows.SelectMany(r => r.Values));
    }
}
