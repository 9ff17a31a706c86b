using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

public sealed class AggregateEngineTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    private static readonly RegionCode Jabar = RegionCode.Parse("32");

    /// <summary>Persons in two regencies of province 32, of both sexes and many ages, some not members (404 = 2).</summary>
    private static (TestDataset Data, List<Row> Members) PeopleIn3201And3202()
    {
        var data = new TestDataset();
        var members = new List<Row>();
        foreach (var regency in new[] { 3201, 3202 })
        {
            var rows = new List<Row>();
            for (int i = 0; i < 40 + regency % 10 * 7; i++)
            {
                rows.Add(Row.Of(("r404", i % 9 == 0 ? 2 : 1), ("r405", 1 + i % 2), ("r407", (i * 7) % 90),
                    ("desil", 1 + i % 10), ("village_code", regency * 1_000_000L + (i % 3 == 0 ? 11001 : 22002))));
            }
            members.AddRange(data.Write(TableKind.Individu, regency, rows).Where(r => (int)r["r404"]! == 1));
        }
        return (data, members);
    }

    [Fact]
    public async Task Margins_add_up_over_every_dimension_and_the_total_is_the_population()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        var plan = fx.Planner.PlanAggregate(
            new AggregateRequest(["population"], Jabar, RegionLevel.Regency, ["sex", "age_broad"], []), Jabar, data.Directory);

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        Assert.Equal(["region", "sex", "age_broad"], table.Shape.Dimensions);
        var total = Assert.Single(table.Rows, r => r.Keys.All(k => k is null));
        Assert.Equal(members.Count, total.Values[0].Numerator.Count);
        Assert.Equal(members.Sum(r => Convert.ToInt64(r["record_key"])), total.Values[0].Numerator.KeySum);
        AssertAdditive(table);
        // A cell checked against the rows themselves: women aged 15-24 in regency 3202.
        var cell = Assert.Single(table.Rows, r => r.Keys[0] == 3202 && r.Keys[1] == 2 && r.Keys[2] == 3);
        Assert.Equal(members.Count(r => (int)r["regency_code"]! == 3202 && (int)r["r405"]! == 2 && (int)r["r407"]! is >= 15 and <= 24),
            cell.Values[0].Numerator.Count);
    }

    [Fact]
    public async Task Percentages_carry_additive_numerators_and_denominators_by_desil()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        var plan = fx.Planner.PlanAggregate(
            new AggregateRequest(["school_participation_7_12", "population"], Jabar, null, ["desil"], []), Jabar, data.Directory);

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        AssertAdditive(table);
        var desil3 = Assert.Single(table.Rows, r => r.Keys[0] == 3);
        Assert.Equal(members.Count(r => (int)r["desil"]! == 3 && (int)r["r407"]! is >= 7 and <= 12), desil3.Values[0].Denominator!.Value.Count);
        Assert.Equal(members.Count(r => (int)r["desil"]! == 3), desil3.Values[1].Numerator.Count);
    }

    [Fact]
    public async Task A_null_answer_is_a_not_applicable_key_and_never_a_margin()
    {
        using var data = new TestDataset();
        // Two children under 5 (no diploma question: 415 is NULL) and one adult with SMA.
        data.Write(TableKind.Individu, 3201, [Row.Of(("r407", 2)), Row.Of(("r407", 3)), Row.Of(("r407", 30), ("r412", 3), ("r415", 13))]);
        var plan = fx.Planner.PlanAggregate(new AggregateRequest(["population"], Jabar, null, ["education"], []), Jabar, data.Directory);

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        Assert.Equal(3, Assert.Single(table.Rows, r => r.Keys[0] is null).Values[0].Numerator.Count);
        Assert.Equal(2, Assert.Single(table.Rows, r => r.Keys[0] == Dimension.NotApplicableCode).Values[0].Numerator.Count);
        Assert.Equal(1, Assert.Single(table.Rows, r => r.Keys[0] == 4).Values[0].Numerator.Count);
    }

    [Fact]
    public async Task Filters_keep_only_the_listed_codes_and_regions()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        var plan = fx.Planner.PlanAggregate(new AggregateRequest(["population"], Jabar, null, [],
            [new DimensionFilter("sex", [2]), new DimensionFilter("region", [3202])]), Jabar, data.Directory);

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        Assert.Equal(members.Count(r => (int)r["r405"]! == 2 && (int)r["regency_code"]! == 3202), Assert.Single(table.Rows).Values[0].Numerator.Count);
    }

    [Fact]
    public async Task A_village_region_reads_its_own_records_only()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        var village = RegionCode.Parse("3202011001");
        var plan = fx.Planner.PlanAggregate(new AggregateRequest(["population"], village, null, ["sex"], []), village, data.Directory);

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        Assert.Equal(members.Count(r => (long)r["village_code"]! == 3202011001L), Assert.Single(table.Rows, r => r.Keys[0] is null).Values[0].Numerator.Count);
        Assert.True(table.Rows[0].Values[0].Numerator.Count > 0);
    }

    [Fact]
    public async Task A_regency_query_reads_only_its_partition()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        // Corrupt every other partition: a query that read them would fail.
        await File.WriteAllTextAsync(data.PartitionFile(TableKind.Individu, 3202), "this is not a parquet file");
        Directory.CreateDirectory(Path.GetDirectoryName(data.PartitionFile(TableKind.Individu, 3301))!);
        await File.WriteAllTextAsync(data.PartitionFile(TableKind.Individu, 3301), "neither is this");
        var regency = RegionCode.Parse("3201");

        var ok = await fx.Engine.ExecuteAsync(
            fx.Planner.PlanAggregate(new AggregateRequest(["population"], regency, RegionLevel.District, ["sex"], []), regency, data.Directory));
        Assert.Equal(members.Count(r => (int)r["regency_code"]! == 3201), Assert.Single(ok.Rows, r => r.Keys.All(k => k is null)).Values[0].Numerator.Count);

        // The same query over the province does read 3202, so the corruption is real.
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => fx.Engine.ExecuteAsync(
            fx.Planner.PlanAggregate(new AggregateRequest(["population"], Jabar, null, [], []), Jabar, data.Directory)));

        // A region filter (a list parameter) prunes as well.
        var filtered = await fx.Engine.ExecuteAsync(fx.Planner.PlanAggregate(
            new AggregateRequest(["population"], Jabar, null, [], [new DimensionFilter("region", [3201])]), Jabar, data.Directory));
        Assert.Equal(ok.Rows[0].Values[0].Numerator.Count, Assert.Single(filtered.Rows).Values[0].Numerator.Count);
    }

    [Fact]
    public async Task Scoped_globs_answer_exactly_as_whole_table_reads_and_a_region_without_partitions_is_empty()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        var scanned = DatasetPartitions.Scan(data.Directory);
        var scopes = new[] { "", "32", "3201", "3202", "320101", "3203", "33", "3301" }.Select(RegionCode.Parse);
        foreach (var scope in scopes)
        {
            var request = new AggregateRequest(["population"], scope, null, ["sex", "desil"], []);
            var narrow = fx.Planner.PlanAggregate(request, scope, scanned);
            var wide = fx.Planner.PlanAggregate(request, scope, DatasetPartitions.Unscanned(data.Directory));
            var a = await fx.Engine.ExecuteAsync(narrow);
            var b = await fx.Engine.ExecuteAsync(wide);
            Assert.Equal(b.Rows.Select(Describe), a.Rows.Select(Describe));
            long expected = members.Count(r => scope.Level == RegionLevel.National
                || ((long)r["village_code"]!).ToString(System.Globalization.CultureInfo.InvariantCulture).StartsWith(scope.Value, StringComparison.Ordinal));
            long total = a.Rows.Where(r => r.Keys.All(k => k is null)).Sum(r => r.Values[0].Numerator.Count);
            Assert.Equal(expected, total);
        }

        static string Describe(ExactRow row) =>
            string.Join(",", row.Keys.Select(k => k?.ToString() ?? "*")) + "=" + row.Values[0].Numerator.Count + "/" + row.Values[0].Numerator.KeySum;
    }

    [Fact]
    public async Task Percentiles_computed_together_equal_each_computed_alone()
    {
        var (data, _) = PeopleIn3201And3202();
        using var _ = data;
        double[] probabilities = [0.9, 0.1, 0.5, 0.025, 0.99, 0.01];
        var plan = fx.Planner.PlanAggregate(AggregateRequest.Percentiles("age", probabilities, Jabar, RegionLevel.Regency, ["sex"], []), Jabar, data.Directory);
        Assert.Single(plan.Parameters.OfType<DoubleListParameter>());
        var together = await fx.Engine.ExecuteAsync(plan);
        for (int m = 0; m < probabilities.Length; m++)
        {
            var alone = await fx.Engine.ExecuteAsync(fx.Planner.PlanAggregate(
                AggregateRequest.Percentiles("age", [probabilities[m]], Jabar, RegionLevel.Regency, ["sex"], []), Jabar, data.Directory));
            Assert.Equal(alone.Rows.Count, together.Rows.Count);
            for (int r = 0; r < alone.Rows.Count; r++)
            {
                Assert.Equal(alone.Rows[r].Keys, together.Rows[r].Keys);
                var a = alone.Rows[r].Values[0];
                var t = together.Rows[r].Values[m];
                Assert.Equal(a.Numerator, t.Numerator);
                Assert.Equal(a.Statistic, t.Statistic);
                Assert.Equal(probabilities[m], t.Probability);
            }
        }
        // And they are in the order of their probabilities.
        var total = Assert.Single(together.Rows, r => r.Keys.All(k => k is null));
        Assert.True(total.Values[4].Statistic >= total.Values[0].Statistic && total.Values[0].Statistic >= total.Values[2].Statistic
            && total.Values[2].Statistic >= total.Values[1].Statistic && total.Values[1].Statistic >= total.Values[5].Statistic
            && total.Values[4].Statistic > total.Values[5].Statistic);
    }

    [Fact]
    public async Task Cancellation_interrupts_a_slow_query_and_the_connection_keeps_serving()
    {
        using var engine = new AggregateEngine(new AggregateEngineOptions { Threads = 1, MaxConcurrentQueries = 1 });
        // A query that would run for minutes: ten billion rows through a filter.
        var slow = new QueryPlan(
            "SELECT CAST(0 AS BIGINT), count(*), CAST(0 AS BIGINT) FROM range(10000000000) t(x) WHERE x % 7 = 3",
            [], new TableShape([], [new MeasureInfo("slow", StatisticKind.Count, "rows")]), [new MeasureLayout(StatisticKind.Count, 1, null)]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.ExecuteAsync(slow, cts.Token));

        // The only connection was interrupted, not lost: the next query on it succeeds.
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        var table = await engine.ExecuteAsync(fx.Planner.PlanAggregate(new AggregateRequest(["population"], Jabar, null, [], []), Jabar, data.Directory));
        Assert.Equal(members.Count, table.Rows[0].Values[0].Numerator.Count);
    }

    [Fact]
    public async Task A_cached_statement_is_rebound_whenever_the_values_change()
    {
        var (data, members) = PeopleIn3201And3202();
        using var _ = data;
        using var engine = new AggregateEngine(new AggregateEngineOptions { Threads = 1, MaxConcurrentQueries = 1 });
        foreach (var regency in new long[] { 3201, 3201, 3202, 3201, 3202 })
        {
            var plan = fx.Planner.PlanAggregate(new AggregateRequest(["population"], Jabar, null, [],
                [new DimensionFilter("region", [regency])]), Jabar, data.Directory);
            var table = await engine.ExecuteAsync(plan);
            Assert.Equal(members.Count(r => (int)r["regency_code"]! == regency), table.Rows[0].Values[0].Numerator.Count);
        }
    }

    [Fact]
    public async Task Concurrent_executions_return_the_same_results_as_sequential_ones()
    {
        var (data, _) = PeopleIn3201And3202();
        using var __ = data;
        var requests = new List<AggregateRequest>();
        foreach (var dims in new[] { new[] { "sex" }, ["age_broad"], ["desil", "sex"], [] })
            foreach (var filter in new long[] { 3201, 3202 })
                requests.Add(new AggregateRequest(["population", "jkn_coverage", "age:p50"], Jabar, RegionLevel.District, dims,
                    [new DimensionFilter("region", [filter])]));
        var plans = requests.Select(r => fx.Planner.PlanAggregate(r, Jabar, data.Directory)).ToList();
        var sequential = new List<ExactTable>();
        foreach (var plan in plans) sequential.Add(await fx.Engine.ExecuteAsync(plan));

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => plans).Select(p => fx.Engine.ExecuteAsync(p)));

        for (int i = 0; i < concurrent.Length; i++)
            AssertSameTable(sequential[i % plans.Count], concurrent[i]);
    }

    private static void AssertSameTable(ExactTable expected, ExactTable actual)
    {
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        for (int r = 0; r < expected.Rows.Count; r++)
        {
            Assert.Equal(expected.Rows[r].Keys, actual.Rows[r].Keys);
            Assert.Equal(expected.Rows[r].Values, actual.Rows[r].Values);
        }
    }

    /// <summary>For every row and every dimension it has a key for, the margin over that dimension
    /// (same other keys, null there) equals the sum of the rows with a key there.</summary>
    private static void AssertAdditive(ExactTable table)
    {
        int dims = table.Shape.Dimensions.Count;
        Assert.True(dims > 0);
        int checkedMargins = 0;
        foreach (var margin in table.Rows)
        {
            for (int d = 0; d < dims; d++)
            {
                if (margin.Keys[d] is not null) continue;
                var children = table.Rows.Where(r => r.Keys[d] is not null &&
                    Enumerable.Range(0, dims).All(o => o == d || r.Keys[o] == margin.Keys[o])).ToList();
                if (children.Count == 0) continue;
                for (int m = 0; m < margin.Values.Count; m++)
                {
                    if (margin.Values[m].Kind is not (StatisticKind.Count or StatisticKind.Percentage)) continue;
                    Assert.Equal(margin.Values[m].Numerator.Count, children.Sum(c => c.Values[m].Numerator.Count));
                    Assert.Equal(margin.Values[m].Numerator.KeySum, children.Sum(c => c.Values[m].Numerator.KeySum));
                    if (margin.Values[m].Denominator is { } den)
                        Assert.Equal(den.Count, children.Sum(c => c.Values[m].Denominator!.Value.Count));
                }
                checkedMargins++;
            }
        }
        Assert.True(checkedMargins >= dims, "the table has too few margins to check");
    }
}
