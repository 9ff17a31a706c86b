using FsCheck;
using FsCheck.Fluent;
using Regsosek.Catalogue;
using Regsosek.Catalogue.Summaries;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>
/// Percentiles, minima and maxima from the prepared distributions (values counted by regency × keys) — and means and sums
/// of whole-numbered values — are exactly the scan's: the same cells, counts, record-key sums and, bit for bit, the same
/// interpolated percentiles, means, sums, largest and second-largest values (what disclosure control reads).
/// </summary>
public sealed class DistributionPlanTests(SummaryFixture fx) : IClassFixture<SummaryFixture>
{
    /// <summary>Probabilities users ask for, and awkward ones (interpolation between order statistics).</summary>
    private static readonly double[] Probabilities = [1, 2.5, 10, 25, 33.3, 50, 66.7, 75, 90, 97.5, 99];

    public sealed record Case(AggregateRequest Request, RegionCode Scope)
    {
        public override string ToString() =>
            $"[{string.Join(",", Request.Measures)}] {Scope}->{Request.Breakdown} by [{string.Join(",", Request.GroupBy)}] " +
            $"filters [{string.Join("; ", Request.Filters.Select(f => f.Dimension + "=" + string.Join(",", f.Values)))}]";
    }

    private Gen<Case> Cases() =>
        from spec in Gen.Elements(fx.Design.Distributions.ToArray())
        from pcts in Gen.SubListOf(Probabilities).Where(l => l.Count <= 3)
        from stats in Gen.SubListOf(Statistics(spec.Numeric!))
        from scope in Gen.Elements(Scopes())
        from breakdown in Gen.Elements(Enum.GetValues<RegionLevel>()
            .Where(l => l > scope.Level && l <= RegionLevel.Regency).Select(l => (RegionLevel?)l).Append(null).ToArray())
        from grouped in Gen.Shuffle(spec.Dimensions.Select(d => d.Id))
            .SelectMany(all => Gen.Choose(0, Math.Min(all.Length, 3 - (breakdown is null ? 0 : 1))).Select(n => all.Take(n).ToArray()))
        from filtered in Gen.SubListOf(spec.Dimensions.ToArray()).Select(l => l.Take(2).ToArray())
        from seed in Gen.Choose(0, int.MaxValue)
        from regionFilter in Gen.Elements(true, false, false)
        select new Case(new AggregateRequest(
                Measures(spec.Numeric!, pcts, stats), scope, breakdown, grouped, Filters(filtered, seed, scope, regionFilter)), scope);

    /// <summary>The statistics besides percentiles a distribution gives exactly: minimum and maximum always, mean and sum of
    /// whole numbers only (a ratio's DOUBLE sum depends on the order of addition).</summary>
    private static string[] Statistics(NumericVariable numeric) =>
        numeric.IntegerValued ? ["mean", "sum", "min", "max"] : ["min", "max"];

    private static string[] Measures(NumericVariable numeric, IEnumerable<double> percentiles, IEnumerable<string> statistics)
    {
        var measures = percentiles.Select(p => $"{numeric.Id}:p{p.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
            .Concat(statistics.Select(s => $"{numeric.Id}:{s}")).ToArray();
        return measures.Length > 0 ? measures : [$"{numeric.Id}:p50"];
    }

    private static RegionCode[] Scopes() =>
        new[] { RegionCode.National }
            .Concat(SummaryFixture.Provinces.Select(p => RegionCode.Parse(p.ToString())))
            .Concat(SummaryFixture.Regencies.Select(r => RegionCode.Parse(r.ToString())))
            .ToArray();

    private static List<DimensionFilter> Filters(Dimension[] dimensions, int seed, RegionCode scope, bool regionFilter)
    {
        var rng = new Random(seed);
        var filters = SummaryFixture.RandomFilters(dimensions, rng);
        if (regionFilter && scope.Level < RegionLevel.Regency)
        {
            var inside = SummaryFixture.Regencies.Where(r => scope.Contains(RegionCode.Parse(r.ToString()))).ToArray();
            filters.Add(new DimensionFilter(Dimension.RegionId, inside.OrderBy(_ => rng.Next()).Take(rng.Next(1, inside.Length + 1)).ToArray()));
        }
        return filters;
    }

    private static string Render(ExactTable table) =>
        string.Join("\n", table.Rows.Select(r => string.Join(",", r.Keys.Select(k => k?.ToString() ?? "T")) + " | " +
            string.Join("; ", r.Values.Select(v => v.ToString()))));

    private async Task<(QueryPlan Fast, ExactTable FromDistribution, ExactTable FromRecords)> BothAsync(AggregateRequest request, RegionCode scope)
    {
        var fast = fx.Planner.PlanAggregate(request, scope, fx.Partitions, fx.Summaries);
        var scan = fx.Planner.PlanAggregate(request, scope, fx.Partitions);
        Assert.Null(scan.Summary);
        return (fast, await fx.Engine.ExecuteAsync(fast), await fx.Engine.ExecuteAsync(scan));
    }

    [Fact]
    public void Every_percentile_mean_sum_min_and_max_request_a_distribution_covers_is_answered_from_it_with_exactly_the_scan_table()
    {
        Assert.Contains(fx.Design.Distributions, d => d.Numeric!.IntegerValued);
        Assert.Contains(fx.Design.Distributions, d => !d.Numeric!.IntegerValued);
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var (fast, fromDistribution, fromRecords) = BothAsync(c.Request, c.Scope).GetAwaiter().GetResult();
            Assert.StartsWith("values__", fast.Summary);
            Assert.Equal(Render(fromRecords), Render(fromDistribution));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(80));
    }

    [Fact]
    public async Task The_benchmark_and_dashboard_percentile_requests_read_a_distribution_and_match_the_scan()
    {
        var cases = new (AggregateRequest Request, string Distribution)[]
        {
            (AggregateRequest.Percentiles("floor_area_per_capita", [0.1, 0.25, 0.5, 0.75, 0.9], RegionCode.Parse("32"), null, ["urban_rural"], []),
                "values__floor_area_per_capita__urban_rural"),
            (AggregateRequest.Percentiles("floor_area_per_capita", [0.1, 0.5, 0.9], RegionCode.National, RegionLevel.Province, [], []),
                "values__floor_area_per_capita__urban_rural"),
            (AggregateRequest.Percentiles("age", [0.5], RegionCode.National, RegionLevel.Regency, ["sex"], []), "values__age__sex__urban_rural"),
            (new(["median_floor_area_per_capita"], RegionCode.Parse("1101"), null, [], []), "values__floor_area_per_capita__urban_rural"),
            (AggregateRequest.Percentiles("hours_worked", [0.25, 0.75], RegionCode.National, null, ["sex"], [new("urban_rural", [1])]),
                "values__hours_worked__sex__urban_rural"),
            // The dashboard's families tile: the mean family size, nationally and by province.
            (new(["mean_family_size"], RegionCode.National, null, [], []), "values__family_size__urban_rural"),
            (new(["mean_family_size"], RegionCode.National, RegionLevel.Province, ["urban_rural"], []), "values__family_size__urban_rural"),
            (new(["age:mean", "age:p50", "age:max"], RegionCode.Parse("32"), RegionLevel.Regency, ["sex"], []), "values__age__sex__urban_rural"),
        };
        foreach (var (request, expected) in cases)
        {
            var (fast, fromDistribution, fromRecords) = await BothAsync(request, request.Region);
            Assert.Equal(expected, fast.Summary);
            Assert.NotEmpty(fromDistribution.Rows);
            Assert.Contains(fromDistribution.Rows, r => r.Values.Any(v => v.Statistic is > 0));
            Assert.Equal(Render(fromRecords), Render(fromDistribution));
        }
    }

    [Fact]
    public void Percentile_requests_below_regency_or_mixed_or_on_other_dimensions_read_the_records()
    {
        var planner = fx.Planner;
        var national = RegionCode.National;
        var regency = RegionCode.Parse("3273");
        // A district breakdown, a district scope, a district filter: a distribution counts values by regency.
        Assert.Null(planner.PlanAggregate(AggregateRequest.Percentiles("age", [0.5], regency, RegionLevel.District, [], []), regency, fx.Partitions, fx.Summaries).Summary);
        var district = RegionCode.Parse(fx.Districts.First(d => RegionCode.Parse("3273").Contains(RegionCode.Parse(d.ToString()))).ToString());
        Assert.Null(planner.PlanAggregate(AggregateRequest.Percentiles("age", [0.5], district, null, [], []), district, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(AggregateRequest.Percentiles("age", [0.5], regency, null, [], [new(Dimension.RegionId, [long.Parse(district.ToString())])]),
            regency, fx.Partitions, fx.Summaries).Summary);
        // A dimension the distribution does not have; two numerics; a percentile with a count.
        Assert.Null(planner.PlanAggregate(AggregateRequest.Percentiles("age", [0.5], national, null, ["desil"], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["floor_area:p50", "floor_area_per_capita:p50"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["age:p50", "population"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        // The mean and the sum of a ratio (floor area per capita): its DOUBLE sum depends on the order of addition, so
        // only the scan gives the scan's bits; its percentiles, minimum and maximum are values and do follow.
        Assert.False(fx.Catalogue.Numerics.Single(n => n.Id == "floor_area_per_capita").IntegerValued);
        Assert.Null(planner.PlanAggregate(new(["floor_area_per_capita:mean"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.Null(planner.PlanAggregate(new(["floor_area_per_capita:sum", "floor_area_per_capita:p50"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        Assert.NotNull(planner.PlanAggregate(new(["floor_area_per_capita:min", "floor_area_per_capita:max", "floor_area_per_capita:p50"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
        // A numeric without a distribution.
        Assert.Null(planner.PlanAggregate(new(["livestock_cattle:p50"], national, null, [], []), national, fx.Partitions, fx.Summaries).Summary);
    }

    [Fact]
    public void A_distribution_whose_recorded_values_or_condition_differ_from_the_catalogue_is_never_used()
    {
        var request = AggregateRequest.Percentiles("floor_area", [0.5], RegionCode.National, RegionLevel.Province, [], []);
        Assert.NotNull(fx.Planner.PlanAggregate(request, RegionCode.National, fx.Partitions, fx.Summaries).Summary);
        var revalued = new PreparedSummaries(fx.Summaries.All.Select(s => s.Values is null ? s : s with { Values = s.Values + " * 1" }).ToList());
        Assert.Null(fx.Planner.PlanAggregate(request, RegionCode.National, fx.Partitions, revalued).Summary);
        var reconditioned = new PreparedSummaries(fx.Summaries.All.Select(s => s.Values is null ? s : s with { Conditions = ["false"] }).ToList());
        Assert.Null(fx.Planner.PlanAggregate(request, RegionCode.National, fx.Partitions, reconditioned).Summary);
    }

    [Fact]
    public void Every_distribution_has_a_file_per_province_with_fewer_rows_than_the_records()
    {
        var distributions = fx.Manifest.Summaries.Where(s => s.Values is not null).ToList();
        Assert.Equal(fx.Design.Distributions.Select(d => d.Name).Order(), distributions.Select(d => d.Name).Order());
        foreach (var d in distributions)
        {
            Assert.Equal(SummaryFixture.Provinces.Count, d.Files.Count);
            Assert.Single(d.Conditions);
            Assert.True(d.Rows > SummaryFixture.Regencies.Count, $"{d.Name}: {d.Rows} rows");
        }
    }
}
