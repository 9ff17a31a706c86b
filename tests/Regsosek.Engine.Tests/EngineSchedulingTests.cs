using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;

namespace Regsosek.Engine.Tests;

/// <summary>
/// How the engine schedules queries (issue 15): identical misses run once (single flight) and are cancelled only when
/// every caller has gone; scans of many records run in their own lane, so a small query never waits behind them.
/// </summary>
public sealed class EngineSchedulingTests
{
    /// <summary>A query of one count whose running time is set by <paramref name="rows"/> (about 10⁸ a second a thread).</summary>
    private static QueryPlan Counting(long rows, int tag = 3, QueryLane lane = QueryLane.Small) => new(
        $"SELECT CAST(0 AS BIGINT), count(*), CAST(0 AS BIGINT) FROM range({rows}) t(x) WHERE x % 7 = {tag}",
        [], new TableShape([], [new MeasureInfo("n", StatisticKind.Count, "rows")]), [new MeasureLayout(StatisticKind.Count, 1, null)])
    {
        Lane = lane,
    };

    /// <summary>Ten billion rows: minutes, unless interrupted.</summary>
    private const long Endless = 10_000_000_000;

    [Fact]
    public async Task Identical_concurrent_misses_run_once_and_every_caller_gets_the_table()
    {
        using var engine = new AggregateEngine(new AggregateEngineOptions { Threads = 1, MaxConcurrentQueries = 4 });
        var plan = Counting(300_000_000);
        var calls = Enumerable.Range(0, 4).Select(_ => engine.ExecuteAsync(plan)).ToArray();
        var tables = await Task.WhenAll(calls);

        Assert.Equal(4, engine.CacheMisses);
        Assert.Equal(3, engine.SharedFlights);
        Assert.All(tables, t => Assert.Same(tables[0], t));
        Assert.Equal(300_000_000 / 7 + (300_000_000 % 7 > 3 ? 1 : 0), tables[0].Rows[0].Values[0].Numerator.Count);

        // A different query (another parameter of the same shape) is its own flight.
        await engine.ExecuteAsync(Counting(1_000, tag: 4));
        Assert.Equal(3, engine.SharedFlights);
    }

    [Fact]
    public async Task A_shared_query_runs_on_while_one_caller_cancels_and_stops_when_the_last_one_does()
    {
        using var engine = new AggregateEngine(new AggregateEngineOptions { Threads = 1, MaxConcurrentQueries = 1 });
        var endless = Counting(Endless);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var a = engine.ExecuteAsync(endless, first.Token);
        var b = engine.ExecuteAsync(endless, second.Token);

        first.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        await Task.Delay(200);
        Assert.False(b.IsCompleted, "the second caller's query stopped with the first caller");

        second.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);

        // The only connection was given back: a new query runs (and the cancelled one is not cached).
        var next = await engine.ExecuteAsync(Counting(1_000)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(143, next.Rows[0].Values[0].Numerator.Count);
        var again = engine.ExecuteAsync(endless, new CancellationTokenSource(TimeSpan.FromMilliseconds(300)).Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again);
    }

    [Fact]
    public async Task A_small_query_does_not_wait_behind_scans_and_scans_queue_in_their_own_lane()
    {
        using var engine = new AggregateEngine(new AggregateEngineOptions { Threads = 1, MaxConcurrentQueries = 1, MaxConcurrentScans = 1 });
        using var stop = new CancellationTokenSource();
        var scan = engine.ExecuteAsync(Counting(Endless, lane: QueryLane.Scan), stop.Token);
        var queued = engine.ExecuteAsync(Counting(Endless, tag: 5, lane: QueryLane.Scan), stop.Token);
        await Task.Delay(200);

        // Both scan-lane connections are taken (one running, one waiting), yet a small query gets its own.
        var small = await engine.ExecuteAsync(Counting(1_000)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(143, small.Rows[0].Values[0].Numerator.Count);
        Assert.False(scan.IsCompleted);
        Assert.False(queued.IsCompleted);

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scan);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
    }

    [Fact]
    public void The_planner_puts_record_scans_above_a_regency_in_the_scan_lane()
    {
        var catalogue = IndicatorCatalogue.Load(Regsosek.Schema.DataDictionary.Default);
        var planner = new QueryPlanner(catalogue);
        var request = new AggregateRequest(["population"], Regsosek.Core.RegionCode.National, null, [], []);
        foreach (var (scope, lane) in new[] { ("", QueryLane.Scan), ("32", QueryLane.Scan), ("3273", QueryLane.Small), ("327301", QueryLane.Small) })
        {
            var region = scope == "" ? Regsosek.Core.RegionCode.National : Regsosek.Core.RegionCode.Parse(scope);
            Assert.Equal(lane, planner.PlanAggregate(request with { Region = region }, region, "/tmp/none").Lane);
        }
    }

    [Fact]
    public void Options_without_a_scan_lane_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AggregateEngine(new AggregateEngineOptions { MaxConcurrentScans = 0 }));
    }
}
