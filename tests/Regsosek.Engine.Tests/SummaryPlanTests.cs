using FsCheck;
using FsCheck.Fluent;
using Regsosek.Catalogue;
using Regsosek.Catalogue.Summaries;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.DataAccess;
using Regsosek.Engine.Summaries;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>
/// The summary fast path (issue 15) gives exactly the table the record scan gives: same rows, same margins, same
/// counts, same record-key sums — so disclosure control releases identical values whichever path answers.
/// </summary>
public sealed class SummaryPlanTests(SummaryFixture fx) : IClassFixture<SummaryFixture>
{
    /// <summary>A request the summaries can answer: measures, grouped and filtered dimensions of one summary.</summary>
    public sealed record Case(AggregateRequest Request, RegionCode Scope)
    {
        public override string ToString() =>
            $"[{string.Join(",", Request.Measures)}] {Scope}->{Request.Breakdown} by [{string.Join(",", Request.GroupBy)}] " +
            $"filters [{string.Join("; ", Request.Filters.Select(f => f.Dimension + "=" + string.Join(",", f.Values)))}]";
    }

    private Gen<Case> Cases()
    {
        return from spec in Gen.Elements(fx.Design.Specs.ToArray())
               from measures in Gen.SubListOf(fx.Catalogue.Indicators
                       .Where(i => i.Unit == spec.Unit && i.Statistic is StatisticKind.Count or StatisticKind.Percentage)
                       .Select(i => i.Id).ToArray())
                   .Where(l => l.Count is >= 1 and <= 4)
               from scope in Gen.Elements(Scopes())
               from breakdown in Gen.Elements(Enum.GetValues<RegionLevel>().Where(l => l > scope.Level).Select(l => (RegionLevel?)l).Append(null).ToArray())
               from grouped in Gen.Shuffle(spec.Dimensions.Select(d => d.Id))
                   .SelectMany(all => Gen.Choose(0, Math.Min(all.Length, 3 - (breakdown is null ? 0 : 1))).Select(n => all.Take(n).ToArray()))
               from filtered in Gen.SubListOf(spec.Dimensions.ToArray()).Select(l => l.Take(2).ToArray())
               from seed in Gen.Choose(0, int.MaxValue)
               from regionFilter in Gen.Elements(true, false, false)
               select new Case(new AggregateRequest(measures.ToArray(), scope, breakdown, grouped,
                   Filters(filtered, seed, scope, regionFilter)), scope);
    }

    private RegionCode[] Scopes() =>
        new[] { RegionCode.National }
            .Concat(SummaryFixture.Provinces.Select(p => RegionCode.Parse(p.ToString())))
            .Concat(SummaryFixture.Regencies.Select(r => RegionCode.Parse(r.ToString())))
            .Concat(fx.Districts.Where((_, i) => i % 7 == 0).Select(d => RegionCode.Parse(d.ToString())))
            .ToArray();

    private List<DimensionFilter> Filters(Dimension[] dimensions, int seed, RegionCode scope, bool regionFilter)
    {
        var rng = new Random(seed);
        var filters = SummaryFixture.RandomFilters(dimensions, rng);
        if (regionFilter && scope.Level < RegionLevel.District)
        {
            var inside = fx.Districts.Where(d => scope.Contains(RegionCode.Parse(d.ToString()))).ToArray();
            if (inside.Length > 0) filters.Add(new DimensionFilter(Dimension.RegionId, inside.OrderBy(_ => rng.Next()).Take(rng.Next(1, 4)).ToArray()));
        }
        return filters;
    }

    private static string Render(ExactTable table) =>
        string.Join("\n", table.Rows.Select(r => string.Join(",", r.Keys.Select(k => k?.ToString() ?? "T")) + " | " + string.Join("; ", r.Values)));

    private async Task<(QueryPlan Summary, QueryPlan Scan, ExactTable FromSummary, ExactTable FromRecords)> BothAsync(Case c)
    {
        var summaryPlan = fx.Planner.PlanAggregate(c.Request, c.Scope, fx.Partitions, fx.Summaries);
        var scanPlan = fx.Planner.PlanAggregate(c.Request, c.Scope, fx.Partitions);
        return (summaryPlan, scanPlan, await fx.Engine.ExecuteAsync(summaryPlan), await fx.Engine.ExecuteAsync(scanPlan));
    }

    [Fact]
    public void Every_request_a_summary_covers_is_answered_from_it_with_exactly_the_scan_table()
    {
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var (summaryPlan, scanPlan, fromSummary, fromRecords) = BothAsync(c).GetAwaiter().GetResult();
            Assert.NotNull(summaryPlan.Summary);
            Assert.Null(scanPlan.Summary);
            Assert.Contains(SummaryManifest.DirectoryName, ((StringParameter)summaryPlan.Parameters[0]).Value);
            Assert.Equal(Render(fromRecords), Render(fromSummary));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public async Task The_dashboard_and_benchmark_shapes_read_the_smallest_covering_summary_and_match_the_scan()
    {
        var cases = new (AggregateRequest Request, string Summary)[]
        {
            (new(["population"], RegionCode.National, null, ["sex", "age_group_5y"], []), "persons__sex__age_group_5y"),
            (new(["family_count", "safe_drinking_water", "electrification"], RegionCode.National, RegionLevel.Province, [], []), "families"),
            (new(["jkn_coverage"], RegionCode.Parse("32"), RegionLevel.Regency, [], []), "persons"),
            (AggregateRequest.DesilDistribution(Unit.Families, RegionCode.Parse("3273"), RegionLevel.District, [], []), "families__desil"),
            (new(["population"], RegionCode.National, RegionLevel.Province, ["urban_rural"], [new("desil", [1, 2])]), "none"),
        };
        foreach (var (request, expected) in cases)
        {
            var (summaryPlan, _, fromSummary, fromRecords) = await BothAsync(new Case(request, request.Region));
            Assert.Equal(expected == "none" ? null : expected, summaryPlan.Summary);
            Assert.Equal(Render(fromRecords), Render(fromSummary));
            Assert.NotEmpty(fromSummary.Rows);
        }
    }

    [Fact]
    public void Requests_summaries_do_not_hold_read_the_records()
    {
        var planner = fx.Planner;
        var national = RegionCode.National;
        // A mean of a numeric without a distribution, and of a ratio (a distribution gives only whole numbers' means
        // exactly: DistributionPlanTests), a dimension no summary has, a percentile with a count.
        Assert.Null(planner.PlanAggregate(new(["livestock_cattle:mean"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["floor_area_per_capita:mean"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["population"], national, null, ["disability"], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["population", "age:p50"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["population"], national, null, [], [new("education", [1])]), national, fx.Partitions, fx.Summaries).Summary);
    }

    [Fact]
    public void A_summary_whose_recorded_sql_differs_from_the_catalogue_is_never_used()
    {
        var request = new AggregateRequest(["jkn_coverage"], RegionCode.National, RegionLevel.Province, [], []);
        Assert.NotNull(fx.Planner.PlanAggregate(request, RegionCode.National, fx.Partitions, fx.Summaries).Summary);

        // The indicator's definition changed since the prepare (its condition text is no longer the recorded one).
        var altered = new PreparedSummaries(fx.Summaries.All.Select(s => s with
        {
            Conditions = s.Conditions.Select(c => c.Replace("r4", "r5", StringComparison.Ordinal)).ToList(),
        }).ToList());
        Assert.Null(fx.Planner.PlanAggregate(request, RegionCode.National, fx.Partitions, altered).Summary);

        // A dimension's key changed.
        var pyramid = new AggregateRequest(["population"], RegionCode.National, null, ["sex"], []);
        Assert.NotNull(fx.Planner.PlanAggregate(pyramid, RegionCode.National, fx.Partitions, fx.Summaries).Summary);
        var rekeyed = new PreparedSummaries(fx.Summaries.All.Select(s => s with
        {
            DimensionKeys = s.DimensionKeys.ToDictionary(kv => kv.Key, kv => kv.Value + " + 0"),
        }).ToList());
        Assert.Null(fx.Planner.PlanAggregate(pyramid, RegionCode.National, fx.Partitions, rekeyed).Summary);

        // The universe changed.
        var other = new PreparedSummaries(fx.Summaries.All.Select(s => s with { Universe = "true" }).ToList());
        Assert.Null(fx.Planner.PlanAggregate(request, RegionCode.National, fx.Partitions, other).Summary);
    }

    [Fact]
    public void Summaries_of_another_dataset_version_are_not_opened_and_verify_reports_a_tampered_file()
    {
        var copy = Path.Combine(Path.GetTempPath(), "regsosek-engine-tests", "summaries-copy-" + Guid.NewGuid().ToString("N"));
        try
        {
            SummaryFixture.CopyTree(fx.Directory, copy);
            Assert.Empty(SummaryManifest.Verify(copy));
            Assert.NotEmpty(SummaryManifest.Open(copy, out var problem).All);
            Assert.Null(problem);

            // A summary file altered after the prepare: verify names it.
            var file = Directory.EnumerateFiles(Path.Combine(copy, SummaryManifest.DirectoryName, "families"), "*.parquet").First();
            var bytes = File.ReadAllBytes(file);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(file, bytes);
            Assert.Contains(SummaryManifest.Verify(copy), p => p.Contains(Path.GetFileName(file), StringComparison.Ordinal) && p.Contains("SHA-256", StringComparison.Ordinal));

            // A new dataset version (its manifest changed): the summaries are refused, with the reason.
            var manifest = Path.Combine(copy, DatasetLayout.ManifestFileName);
            File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"seed\": 2022", "\"seed\": 2023", StringComparison.Ordinal));
            Assert.Empty(SummaryManifest.Open(copy, out problem).All);
            Assert.Contains("another version of the dataset", problem);
            Assert.Contains(SummaryManifest.Verify(copy), p => p.Contains("another version of the dataset", StringComparison.Ordinal));

            // No summaries at all: nothing opened, the operator told how to prepare.
            Directory.Delete(Path.Combine(copy, SummaryManifest.DirectoryName), recursive: true);
            Assert.Empty(SummaryManifest.Open(copy, out problem).All);
            Assert.Contains("dataset prepare", problem);
            Assert.Empty(SummaryManifest.Verify(copy));
        }
        finally
        {
            if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task A_cancelled_prepare_leaves_the_previous_summaries_and_nothing_half_written()
    {
        var copy = Path.Combine(Path.GetTempPath(), "regsosek-engine-tests", "summaries-cancel-" + Guid.NewGuid().ToString("N"));
        try
        {
            SummaryFixture.CopyTree(fx.Directory, copy);
            var before = File.ReadAllText(SummaryManifest.PathIn(copy));
            using var cts = new CancellationTokenSource();
            int reports = 0;
            var progress = new Inline<SummaryProgress>(_ => { if (++reports == 3) cts.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                new SummaryBuilder(fx.Design).BuildAsync(copy, new DuckDbSettings { Threads = 1 }, progress, cts.Token));
            Assert.Equal(3, reports);
            Assert.Equal(before, File.ReadAllText(SummaryManifest.PathIn(copy)));
            Assert.False(Directory.Exists(Path.Combine(copy, SummaryManifest.DirectoryName + ".partial")));
            Assert.Empty(SummaryManifest.Verify(copy));
        }
        finally
        {
            if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Every_summary_has_a_file_per_province_and_a_row_per_village_at_least()
    {
        foreach (var s in fx.Manifest.Summaries.Where(s => s.Values is null))
        {
            Assert.Equal(SummaryFixture.Provinces.Count, s.Files.Count);
            Assert.True(s.Rows >= fx.Villages.Count / 2, $"{s.Name}: {s.Rows} rows");
        }
    }

    [Fact]
    public async Task The_result_cache_answers_a_repeated_query_and_keys_on_every_parameter_value()
    {
        using var engine = new AggregateEngine(new AggregateEngineOptions { Threads = 1 });
        var first = fx.Planner.PlanAggregate(new(["population"], RegionCode.Parse("32"), RegionLevel.Regency, [], []), RegionCode.Parse("32"), fx.Partitions, fx.Summaries);
        var other = fx.Planner.PlanAggregate(new(["population"], RegionCode.Parse("11"), RegionLevel.Regency, [], []), RegionCode.Parse("11"), fx.Partitions, fx.Summaries);
        Assert.Equal(first.Sql, other.Sql);

        var a = await engine.ExecuteAsync(first);
        var b = await engine.ExecuteAsync(first);
        var c = await engine.ExecuteAsync(other);
        Assert.Equal(1, engine.CacheHits);
        Assert.Equal(2, engine.CacheMisses);
        Assert.Same(a, b);
        Assert.NotEqual(Render(a), Render(c));
        Assert.Equal(Render(c), Render(await fx.Engine.ExecuteAsync(other)));

        using var uncached = new AggregateEngine(new AggregateEngineOptions { Threads = 1, ResultCacheCells = 0 });
        await uncached.ExecuteAsync(first);
        await uncached.ExecuteAsync(first);
        Assert.Equal(0, uncached.CacheHits);
    }

    [Fact]
    public void Cache_keys_differ_whenever_a_parameter_value_differs()
    {
        Prop.ForAll(Gen.Zip(Gen.ArrayOf(Gen.Choose(-5, 5).Select(i => (long)i)), Gen.ArrayOf(Gen.Choose(-5, 5).Select(i => (long)i))).ToArbitrary(), pair =>
        {
            var (x, y) = pair;
            var shape = new TableShape([], []);
            var a = new QueryPlan("SELECT 1", [new Int64ListParameter(x), new StringParameter("a,b")], shape, []);
            var b = new QueryPlan("SELECT 1", [new Int64ListParameter(y), new StringParameter("a,b")], shape, []);
            Assert.Equal(x.SequenceEqual(y), AggregateEngine.CacheKey(a) == AggregateEngine.CacheKey(b));
        }).QuickCheckThrowOnFailure();
        // A string that contains the separator cannot fake another parameter list.
        var shape = new TableShape([], []);
        Assert.NotEqual(
            AggregateEngine.CacheKey(new QueryPlan("q", [new StringParameter("x\u0001Int64Parameter:1")], shape, [])),
            AggregateEngine.CacheKey(new QueryPlan("q", [new StringParameter("x"), new Int64Parameter(1)], shape, [])));
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
