using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Tests;

public class QueryPlannerTests
{
    private static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
    private static readonly QueryPlanner Planner = new(Catalogue);
    private static readonly RegionCode Jabar = RegionCode.Parse("32");

    private static RequestValidationException Reject(AggregateRequest request, RegionCode? scope = null) =>
        Assert.Throws<RequestValidationException>(() => Planner.PlanAggregate(request, scope ?? request.Region, "/data/regsosek"));

    private static AggregateRequest Request(string[] measures, string[]? groupBy = null, DimensionFilter[]? filters = null, RegionLevel? breakdown = null) =>
        new(measures, Jabar, breakdown, groupBy ?? [], filters ?? []);

    [Fact]
    public void An_unknown_indicator_names_its_position_and_where_to_look()
    {
        var e = Reject(Request(["population", "jkn_coverage", "foo"]));
        Assert.Equal("measures[2]", e.Field);
        Assert.Equal("measures[2]: unknown indicator 'foo'; see ListIndicators", e.Message);
    }

    [Fact]
    public void More_than_four_dimensions_are_refused_counting_the_region_breakdown()
    {
        var e = Reject(Request(["population"], ["sex", "age_broad", "desil", "disability"], breakdown: RegionLevel.Regency));
        Assert.Equal("group_by", e.Field);
        Assert.StartsWith("group_by: at most 4 dimensions", e.Message);
        // Four without the breakdown are fine.
        Assert.Equal(4, Planner.PlanAggregate(Request(["population"], ["sex", "age_broad", "desil", "disability"]), Jabar, "/d").Shape.Dimensions.Count);
    }

    [Fact]
    public void A_filter_value_outside_the_dimension_lists_the_codes()
    {
        var e = Reject(Request(["population"], filters: [new DimensionFilter("sex", [1, 7])]));
        Assert.Equal("filters[0].values", e.Field);
        Assert.StartsWith("filters[0].values: 7 is not a code of dimension 'sex' (1, 2", e.Message);
    }

    [Theory]
    [InlineData(new string[0], "measures")]
    [InlineData(new[] { "population", "family_count" }, "measures[1]")]
    [InlineData(new[] { "population", "population" }, "measures[1]")]
    [InlineData(new[] { "age" }, "measures[0]")]
    [InlineData(new[] { "age:p100" }, "measures[0]")]
    [InlineData(new[] { "nosuch:mean" }, "measures[0]")]
    public void Bad_measures_name_their_field(string[] measures, string field) =>
        Assert.Equal(field, Reject(Request(measures)).Field);

    [Fact]
    public void Mixing_persons_and_families_says_to_split_the_request()
    {
        var e = Reject(Request(["population", "safe_drinking_water"]));
        Assert.Contains("over families but measures[0] 'population' is over persons", e.Message);
    }

    [Fact]
    public void Dimensions_must_exist_apply_to_the_unit_and_not_repeat()
    {
        Assert.Equal("group_by[0]", Reject(Request(["population"], ["nosuch"])).Field);
        var e = Reject(Request(["safe_drinking_water"], ["sex"]));
        Assert.Equal("group_by[0]", e.Field);
        Assert.Contains("applies to persons", e.Message);
        Assert.Equal("group_by[1]", Reject(Request(["population"], ["sex", "sex"])).Field);
        Assert.Equal("group_by[0]", Reject(Request(["population"], ["region"])).Field);
    }

    [Fact]
    public void The_breakdown_must_be_below_the_region()
    {
        var regency = RegionCode.Parse("3201");
        var e = Reject(new AggregateRequest(["population"], regency, RegionLevel.Province, [], []));
        Assert.Equal("breakdown", e.Field);
        Assert.Contains("District, Village", e.Message);
        var village = RegionCode.Parse("3201012001");
        var e2 = Reject(new AggregateRequest(["population"], village, RegionLevel.Village, [], []));
        Assert.Equal("breakdown", e2.Field);
        Assert.Contains("remove the breakdown", e2.Message);
    }

    [Fact]
    public void Region_filters_must_lie_inside_the_scope_and_filters_must_not_repeat()
    {
        Assert.Equal("filters[0].values", Reject(Request(["population"], filters: [new DimensionFilter("region", [3301])])).Field);
        Assert.Equal("filters[0].values", Reject(Request(["population"], filters: [new DimensionFilter("region", [32])])).Field);
        Assert.Equal("filters[0].values", Reject(Request(["population"], filters: [new DimensionFilter("region", [123])])).Field);
        Assert.Equal("filters[0].values", Reject(Request(["population"], filters: [new DimensionFilter("sex", [])])).Field);
        Assert.Equal("filters[1].dimension", Reject(Request(["population"], filters: [new DimensionFilter("sex", [1]), new DimensionFilter("sex", [2])])).Field);
        Assert.Equal("filters[0].dimension", Reject(Request(["safe_drinking_water"], filters: [new DimensionFilter("sex", [1])])).Field);
    }

    [Fact]
    public void The_plan_prunes_by_every_level_of_the_scope_with_parameters()
    {
        var district = RegionCode.Parse("320101");
        var plan = Planner.PlanAggregate(new AggregateRequest(["population"], district, RegionLevel.Village, ["sex"], []), district, "/data/regsosek");

        Assert.Contains("prov_code = $2", plan.Sql);
        Assert.Contains("regency_code = $3", plan.Sql);
        Assert.Contains("district_code = $4", plan.Sql);
        Assert.Equal([new Int64Parameter(32), new Int64Parameter(3201), new Int64Parameter(320101)], plan.Parameters.Skip(1));
        // Partitions unknown: the whole table, pruned by the equalities.
        Assert.Equal(new StringParameter("/data/regsosek/individu/prov_code=*/regency_code=*/*.parquet"), plan.Parameters[0]);
        Assert.Contains("GROUP BY CUBE (d0, d1)", plan.Sql);
        Assert.Equal(["region", "sex"], plan.Shape.Dimensions);
        Assert.Equal(new MeasureInfo("population", StatisticKind.Count, "persons"), Assert.Single(plan.Shape.Measures));

        // Partitions listed: only the scope's regency directory is read; the SQL and the other parameters are the same.
        var partitions = DatasetPartitions.Of("/data/regsosek", [(TableKind.Individu, 32, 3201), (TableKind.Individu, 32, 3202)]);
        var narrow = Planner.PlanAggregate(new AggregateRequest(["population"], district, RegionLevel.Village, ["sex"], []), district, partitions);
        Assert.Equal(plan.Sql, narrow.Sql);
        Assert.Equal(plan.Parameters.Skip(1), narrow.Parameters.Skip(1));
        Assert.Equal(new StringParameter("/data/regsosek/individu/prov_code=32/regency_code=3201/*.parquet"), narrow.Parameters[0]);
        // Families of the same scope: keluarga has no listed partition, so the whole keluarga table.
        var families = Planner.PlanAggregate(new AggregateRequest(["family_count"], district, null, [], []), district, partitions);
        Assert.Equal(new StringParameter("/data/regsosek/keluarga/prov_code=*/regency_code=*/*.parquet"), families.Parameters[0]);
    }

    [Fact]
    public void Desil_distributions_and_percentiles_are_plans_of_the_same_planner()
    {
        var desil = Planner.PlanAggregate(AggregateRequest.DesilDistribution(Unit.Families, Jabar, RegionLevel.Regency, ["urban_rural"], []), Jabar, "/d");
        Assert.Equal(["region", "desil", "urban_rural"], desil.Shape.Dimensions);
        Assert.Equal("family_count", desil.Shape.Measures[0].Id);

        var pct = Planner.PlanAggregate(AggregateRequest.Percentiles("floor_area_per_capita", [0.1, 0.5, 0.025], Jabar, null, ["desil"], []), Jabar, "/d");
        Assert.Equal(["floor_area_per_capita:p10", "floor_area_per_capita:p50", "floor_area_per_capita:p2.5"], pct.Shape.Measures.Select(m => m.Id));
        Assert.All(pct.Shape.Measures, m => Assert.Equal("m2", m.Unit));
        // One list quantile for the three: one parameter holding the probabilities in order, each measure its element.
        Assert.Equal([0.1, 0.5, 0.025], Assert.Single(pct.Parameters.OfType<DoubleListParameter>()).Values);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(pct.Sql, @"AS m\d+_v\b"));
        for (int k = 1; k <= 3; k++) Assert.Contains($") FILTER (WHERE m0_n), {k})", pct.Sql);
        Assert.Equal([0.1, 0.5, 0.025], pct.Layout.Select(l => l.Probability!.Value));

        Assert.Equal("measures[0]", Reject(AggregateRequest.Percentiles("age", [1.5], Jabar, null, [], [])).Field);
    }

    [Fact]
    public void The_layout_places_each_measure_after_the_keys()
    {
        var plan = Planner.PlanAggregate(Request(["population", "jkn_coverage", "age:mean", "age:p90"], ["sex"]), Jabar, "/d");
        Assert.Equal([2, 4, 8, 13], plan.Layout.Select(l => l.FirstColumn)); // a mean has 5 columns: n, key sum, mean, two largest
        Assert.Equal([StatisticKind.Count, StatisticKind.Percentage, StatisticKind.Mean, StatisticKind.Percentile], plan.Layout.Select(l => l.Kind));
    }

    [Fact]
    public void Access_of_a_measure_comes_from_the_catalogue()
    {
        Assert.True(Catalogue.TryGetIndicator("safe_drinking_water", out var water));
        var access = Catalogue.AccessOf(water);
        Assert.True(access.Open);
        Assert.Equal(Tier.Public, access.MinTier);
        Assert.True(Catalogue.TryResolveMeasure("floor_area:p50", out var m, out _));
        var numericAccess = IndicatorCatalogue.AccessOf(m);
        Assert.False(numericAccess.Open);
        Assert.Equal(Tier.Disaggregated, numericAccess.MinTier);
        Assert.Equal("floor_area:p50", numericAccess.Id);
    }
}

public class ScanPlanConditionTests
{
    private static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
    private static readonly QueryPlanner Planner = new(Catalogue);

    [Fact]
    public void Measures_over_every_family_share_one_unfiltered_count_and_each_distinct_condition_is_one_column()
    {
        // The Sepakat tile: family count and two percentages of families (their denominator: every family).
        var plan = Planner.PlanAggregate(new AggregateRequest(["family_count", "safe_drinking_water", "electrification"],
            RegionCode.National, RegionLevel.Province, [], []), RegionCode.National, "/d");

        Assert.Null(plan.Summary); // no summaries given: the scan
        // The records are grouped first: by the province as stored (its BIGINT key made per group) and the two
        // numerators' condition columns, one count and one key sum a group. "Every family" (a count and two
        // denominators) is no column: three unfiltered sums.
        Assert.Equal(1, CountOf(plan.Sql, "count(*) AS __c, sum(record_key) AS __k"));
        Assert.Contains("FROM (SELECT prov_code, ", plan.Sql);
        Assert.Contains("SELECT CAST(prov_code AS BIGINT) AS d0, m1_n, m2_n, count(*)", plan.Sql);
        Assert.Contains("GROUP BY prov_code, m1_n, m2_n", plan.Sql);
        Assert.Equal(3, CountOf(plan.Sql, "CAST(coalesce(sum(__c), 0) AS BIGINT), CAST(coalesce(sum(__k), 0) AS BIGINT)"));
        Assert.DoesNotContain("true AS ", plan.Sql);
        // Each numerator: its sums filtered on its own column.
        Assert.Equal(1, CountOf(plan.Sql, "sum(__c) FILTER (WHERE m1_n)"));
        Assert.Equal(1, CountOf(plan.Sql, "sum(__c) FILTER (WHERE m2_n)"));
        Assert.Equal(2, CountOf(plan.Sql, "sum(__k) FILTER (WHERE "));
    }

    [Fact]
    public void A_scan_with_a_percentile_is_not_grouped()
    {
        // A percentile needs every value, so its scan aggregates the records themselves.
        var plan = Planner.PlanAggregate(new AggregateRequest(["population", "age:p50"], RegionCode.Parse("32"), RegionLevel.Regency, [], []), RegionCode.Parse("32"), "/d");
        Assert.DoesNotContain("__c", plan.Sql);
        Assert.Contains("quantile_cont", plan.Sql);
    }

    [Fact]
    public void The_scan_writes_a_case_dimension_without_coalesce_except_under_a_not()
    {
        // Grouped by age as stored, the bands' CASE made once a group over it (in the grouping's select list).
        var plan = Planner.PlanAggregate(new AggregateRequest(["population"], RegionCode.Parse("32"), null, ["age_group_5y"], []), RegionCode.Parse("32"), "/d");
        Assert.Contains("FROM (SELECT r407, ", plan.Sql);
        Assert.Contains("SELECT CAST(CASE WHEN (r407 BETWEEN 0 AND 4) THEN 1", plan.Sql);
        Assert.Contains("GROUP BY r407", plan.Sql);
        Assert.DoesNotContain("WHEN coalesce(", plan.Sql);
        // Not grouped (a percentile needs every value): the CASE on each record, over the column itself.
        var ungrouped = Planner.PlanAggregate(new AggregateRequest(["population", "age:p50"], RegionCode.Parse("32"), null, ["age_group_5y"], []), RegionCode.Parse("32"), "/d");
        Assert.Contains("WHEN (r407 BETWEEN 0 AND 4) THEN 1", ungrouped.Sql);
        Assert.DoesNotContain("WHEN coalesce(", ungrouped.Sql);
    }

    [Fact]
    public void A_condition_two_measures_share_is_computed_from_one_column()
    {
        // jkn_coverage and another persons' percentage share their denominator (every person of the universe).
        var measures = new[] { "jkn_coverage", "population" };
        var plan = Planner.PlanAggregate(new AggregateRequest(measures, RegionCode.Parse("32"), RegionLevel.Regency, [], []), RegionCode.Parse("32"), "/d");
        var innerColumns = plan.Sql.Split(" AS m").Length - 1;
        // population (count of everyone) needs no column; jkn_coverage's numerator needs one, its denominator none
        // when it is everyone, or one otherwise — never one per measure and role.
        Assert.True(innerColumns <= 2, plan.Sql);
    }

    private static int CountOf(string text, string part)
    {
        int n = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
