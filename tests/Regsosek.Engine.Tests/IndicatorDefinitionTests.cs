using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>
/// Every catalogue indicator computed through the planner and the engine on a hand-built dataset
/// whose rows are chosen so the expected numerator and denominator are known by construction:
/// rows meeting the numerator, rows in the denominator only, and rows outside the denominator
/// (which must not count at all, e.g. a 13-year-old in school for the 7-12 participation rate).
/// </summary>
public sealed class IndicatorDefinitionTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    private const int Regency = 3201;

    /// <summary>Counts and percentages: (numerator rows, denominator-only rows, rows outside the denominator).</summary>
    private sealed record RateCase(Row[] Numerator, Row[] DenominatorOnly, Row[] Outside);

    /// <summary>Numeric statistics: the rows, and the expected statistic, group size and (sums) two largest values.</summary>
    private sealed record StatisticCase(Row[] Rows, double Statistic, long GroupSize, double? Largest = null, double? SecondLargest = null);

    // A person living with the family (404 = 1), male, 30; a family with nothing answered.
    private static Row P(params (string, object?)[] v) => Row.Of(("r404", 1), ("r405", 1), ("r407", 30)).With(v);
    private static Row F(params (string, object?)[] v) => Row.Of(v);
    private static Row[] Many(int n, Row row) => Enumerable.Repeat(row, n).ToArray();
    private static Row[] A(params Row[] rows) => rows;
    private static Row GoodHome(params (string, object?)[] v) =>
        F(("r305", 2), ("r304", 1), ("r303", 2), ("r302", 72), ("r112", 4), ("r306a", 3), ("r309a", 1), ("r309b", 1), ("r310", 1)).With(v);

    private static readonly Dictionary<string, RateCase> Rates = new()
    {
        ["family_count"] = new(Many(3, F()), [], []),
        ["population"] = new(A(P(), P(("r404", 5)), P(("r405", 2))), [], A(P(("r404", 2)), P(("r404", 3)), P(("r404", 4)), P(("r404", 6)))),
        ["safe_drinking_water"] = new(
            A(F(("r306a", 3)), F(("r306a", 1)), F(("r306a", 10)), F(("r306a", 5), ("r306b", 2)), F(("r306a", 4), ("r306b", 8))),
            A(F(("r306a", 5), ("r306b", 1)), F(("r306a", 6), ("r306b", 2)), F(("r306a", 9)), F(("r306a", 11))), []),
        ["proper_sanitation"] = new(
            A(F(("r309a", 1), ("r309b", 1), ("r310", 1)), F(("r309a", 3), ("r309b", 1), ("r310", 2))),
            A(F(("r309a", 1), ("r309b", 2), ("r310", 1)), F(("r309a", 1), ("r309b", 1), ("r310", 3)), F(("r309a", 6)), F(("r309a", 4), ("r310", 1))), []),
        ["open_defecation"] = new(A(F(("r309a", 5)), F(("r309a", 6))), A(F(("r309a", 1)), F(("r309a", 4)), F(("r309a", 2))), []),
        ["electrification"] = new(A(F(("r307a", 1)), F(("r307a", 2)), F(("r307a", 3))), A(F(("r307a", 4))), []),
        ["pln_electrification"] = new(A(F(("r307a", 1)), F(("r307a", 2))), A(F(("r307a", 3)), F(("r307a", 4)), F(("r307a", 4))), []),
        ["sufficient_floor_area"] = new(
            A(F(("r302", 36), ("r112", 5)), F(("r302", 100), ("r112", 2))),
            A(F(("r302", 20), ("r112", 3)), F(("r302", 7), ("r112", 1)), F(("r302", 35), ("r112", 5))),
            A(F(("r112", 3)))),
        ["durable_building"] = new(
            A(F(("r305", 2), ("r304", 1), ("r303", 2)), F(("r305", 6), ("r304", 3), ("r303", 6))),
            A(F(("r305", 7), ("r304", 1), ("r303", 2)), F(("r305", 2), ("r304", 4), ("r303", 2)), F(("r305", 2), ("r304", 1), ("r303", 8))), []),
        ["durable_roof"] = new(A(F(("r305", 1)), F(("r305", 3)), F(("r305", 4))), A(F(("r305", 5)), F(("r305", 7)), F(("r305", 8)), F()), []),
        ["durable_wall"] = new(A(F(("r304", 1)), F(("r304", 2))), A(F(("r304", 4)), F(("r304", 5)), F(("r304", 6)), F(("r304", 7))), []),
        ["durable_floor"] = new(A(F(("r303", 1)), F(("r303", 5)), F(("r303", 6))), A(F(("r303", 7)), F(("r303", 8)), F(("r303", 9))), []),
        ["decent_housing"] = new(
            A(GoodHome(), GoodHome(("r306a", 5), ("r306b", 2))),
            A(GoodHome(("r306a", 6)), GoodHome(("r309b", 4)), GoodHome(("r302", 20)), GoodHome(("r305", 7))), []),
        ["land_title_certificate"] = new(
            A(F(("r301a", 1), ("r301b", 1)), F(("r301a", 1), ("r301b", 4))),
            A(F(("r301a", 1), ("r301b", 2)), F(("r301a", 1), ("r301b", 6)), F(("r301a", 2))), []),
        ["clean_cooking_fuel"] = new(A(F(("r308", 1)), F(("r308", 4)), F(("r308", 6))), A(F(("r308", 7)), F(("r308", 10))), A(F(("r308", 0)))),
        ["internet_use"] = new(A(F(("r505", 1)), F(("r505", 2)), F(("r505", 3))), A(F(("r505", 0))), []),
        ["smartphone_ownership"] = new(Many(2, F(("r502n", 1))), Many(3, F(("r502n", 2))), []),
        ["bank_account"] = new(A(F(("r506", 1)), F(("r506", 2)), F(("r506", 3))), A(F(("r506", 4)), F(("r506", 4))), []),
        ["social_assistance_poor_vulnerable"] = new(
            A(F(("desil", 1), ("r501b", 1)), F(("desil", 4), ("r501e", 1)), F(("desil", 2), ("r501a", 1), ("r501b", 1))),
            A(F(("desil", 3), ("r501a", 2), ("r501b", 2)), F(("desil", 1), ("r501d", 1))),
            A(F(("desil", 5), ("r501b", 1)), F(("desil", 10)))),
        ["pkh_receipt"] = new(A(F(("r501b", 1))), Many(2, F(("r501b", 2))), []),
        ["bpnt_receipt"] = new(Many(2, F(("r501a", 1))), A(F(("r501a", 2)), F(("r501b", 1))), []),
        ["blt_desa_receipt"] = new(Many(3, F(("r501c", 1))), A(F(("r501c", 2))), []),
        ["electricity_subsidy_receipt"] = new(A(F(("r501d", 1))), A(F(("r501d", 2)), F(("r501g", 1)), F()), []),
        ["productive_assets_poor_vulnerable"] = new(
            A(F(("desil", 1), ("r503a", 1)), F(("desil", 2), ("r502m", 1)), F(("desil", 3), ("r504e", 3))),
            A(F(("desil", 4), ("r503a", 2), ("r504a", 0), ("r504b", 0), ("r504c", 0), ("r504d", 0), ("r504e", 0)), F(("desil", 1))),
            A(F(("desil", 6), ("r503a", 1)))),
        ["land_ownership"] = new(A(F(("r503a", 1))), A(F(("r503a", 2)), F(("r503a", 2))), []),
        ["birth_certificate_0_17"] = new(
            A(P(("r407", 0), ("r411", 1)), P(("r407", 10), ("r411", 3)), P(("r407", 17), ("r411", 7))),
            A(P(("r407", 5), ("r411", 0)), P(("r407", 12), ("r411", 2)), P(("r407", 3), ("r411", 4))),
            A(P(("r407", 18), ("r411", 1)), P(("r407", 10), ("r404", 2), ("r411", 1)))),
        ["jkn_coverage"] = new(
            A(P(("r431a", 1)), P(("r431a", 2)), P(("r431a", 4)), P(("r431a", 5)), P(("r431a", 6))),
            A(P(("r431a", 0)), P(("r431a", 8)), P(("r431a", 99))),
            A(P(("r404", 3), ("r431a", 1)))),
        ["employment_social_security"] = new(
            A(P(("r431f", 1)), P(("r407", 40), ("r431f", 24))),
            A(P(("r407", 20), ("r431f", 0)), P(("r407", 50), ("r431f", 99))),
            A(P(("r407", 14)))),
        ["school_participation_7_12"] = new(
            A(P(("r407", 7), ("r412", 2)), P(("r407", 9), ("r412", 2)), P(("r407", 12), ("r412", 2))),
            A(P(("r407", 8), ("r412", 3)), P(("r407", 10), ("r412", 1)), P(("r407", 11), ("r412", 3)), P(("r407", 12))),
            A(P(("r407", 6), ("r412", 2)), P(("r407", 13), ("r412", 2)))),
        ["school_participation_13_15"] = new(
            A(P(("r407", 13), ("r412", 2)), P(("r407", 15), ("r412", 2))),
            A(P(("r407", 14), ("r412", 3))),
            A(P(("r407", 12), ("r412", 2)), P(("r407", 16), ("r412", 2)))),
        ["school_participation_16_18"] = new(
            A(P(("r407", 16), ("r412", 2)), P(("r407", 17), ("r412", 2)), P(("r407", 18), ("r412", 2))),
            A(P(("r407", 18), ("r412", 3)), P(("r407", 16), ("r412", 1))),
            A(P(("r407", 19), ("r412", 2)))),
        ["higher_education_participation"] = new(
            A(P(("r407", 19), ("r412", 2), ("r413", 18)), P(("r407", 23), ("r412", 2), ("r413", 19))),
            A(P(("r407", 20), ("r412", 2), ("r413", 13)), P(("r407", 21), ("r412", 3), ("r413", 19))),
            A(P(("r407", 24), ("r412", 2), ("r413", 19)))),
        ["formal_workers"] = new(
            A(P(("r416a", 1), ("r418", 3)), P(("r407", 25), ("r416a", 1), ("r418", 4)), P(("r407", 50), ("r416a", 1), ("r418", 5))),
            A(P(("r416a", 1), ("r418", 1)), P(("r407", 40), ("r416a", 1), ("r418", 8))),
            A(P(("r416a", 2)), P(("r407", 14), ("r416a", 1), ("r418", 4)))),
        ["informal_workers"] = new(
            A(P(("r416a", 1), ("r418", 1)), P(("r416a", 1), ("r418", 2)), P(("r416a", 1), ("r418", 6)), P(("r416a", 1), ("r418", 7)), P(("r416a", 1), ("r418", 8))),
            A(P(("r416a", 1), ("r418", 4))),
            A(P(("r416a", 2)), P(("r407", 12), ("r416a", 1), ("r418", 8)))),
        ["female_employment_rate"] = new(
            Many(2, P(("r405", 2), ("r407", 20), ("r416a", 1))),
            A(P(("r405", 2), ("r407", 70), ("r416a", 2))),
            A(P(("r416a", 1)), P(("r405", 2), ("r407", 14), ("r416a", 1)))),
        ["disability_prevalence"] = new(
            A(P(("r428c", 1)), P(("r407", 70), ("r428j", 2)), P(("r407", 2), ("r428a", 2))),
            A(P(("r428a", 3)), P(("r407", 40), ("r428a", 4), ("r428j", 4))),
            A(P(("r407", 1)))),
        ["disability_poorest_decile"] = new(
            A(P(("desil", 1), ("r428b", 1))),
            A(P(("desil", 2), ("r428b", 2)), P(("desil", 5), ("r428h", 1))),
            A(P(("desil", 1), ("r428b", 3)))),
        ["elderly_poorest_decile"] = new(
            A(P(("r407", 60), ("desil", 1)), P(("r407", 80), ("desil", 1))),
            A(P(("r407", 65), ("desil", 2))),
            A(P(("r407", 59), ("desil", 1)))),
        ["stunting_0_4"] = new(
            A(P(("r407", 2), ("r427", 2))),
            A(P(("r407", 0), ("r427", 1)), P(("r407", 4), ("r427", 3)), P(("r407", 3), ("r427", 8))),
            A(P(("r407", 5)))),
        ["wasting_0_4"] = new(Many(2, P(("r407", 1), ("r427", 1))), A(P(("r407", 3), ("r427", 2))), A(P(("r407", 6)))),
        ["chronic_disease_prevalence"] = new(A(P(("r430", 2)), P(("r430", 18))), Many(3, P(("r430", 1))), A(P(("r404", 2), ("r430", 2)))),
        ["npwp_ownership"] = new(
            A(P(("r419", 1)), P(("r407", 15), ("r419", 2))),
            A(P(("r407", 40), ("r419", 3))),
            A(P(("r407", 14), ("r419", 1)))),
        ["business_financing_poor_vulnerable"] = new(
            A(P(("desil", 1), ("r431c", 1)), P(("desil", 4), ("r407", 20), ("r431d", 1))),
            A(P(("desil", 2), ("r407", 40), ("r431c", 2), ("r431d", 2))),
            A(P(("desil", 5), ("r431c", 1)), P(("desil", 1), ("r407", 14), ("r431c", 1)))),
    };

    private static readonly Dictionary<string, StatisticCase> Statistics = new()
    {
        // 30/3 = 10, 20/4 = 5, 60/2 = 30; a family without floor area has no value. Median of {5, 10, 30} = 10.
        ["median_floor_area_per_capita"] = new(
            A(F(("r302", 30), ("r112", 3)), F(("r302", 20), ("r112", 4)), F(("r302", 60), ("r112", 2)), F(("r112", 2))), 10, 3),
        ["mean_family_size"] = new(A(F(("r112", 2)), F(("r112", 4)), F(("r112", 6))), 4, 3, 6, 4), // a mean carries its two largest contributions (noise scale, dominance)
        ["total_cattle"] = new(A(F(("r504a", 5)), F(("r504a", 0)), F(("r504a", 12)), F(("r504a", 3))), 20, 4, 12, 5),
        // Only workers count; a worker who moved away (404 = 3) is not a member.
        ["mean_hours_worked"] = new(
            A(P(("r416a", 1), ("r416b", 40)), P(("r416a", 1), ("r416b", 20)), P(("r416a", 2)), P(("r404", 3), ("r416a", 1), ("r416b", 60))), 30, 2, 40, 20),
    };

    public static TheoryData<string> RateIds => new(Rates.Keys);
    public static TheoryData<string> StatisticIds => new(Statistics.Keys);

    [Fact]
    public void Every_catalogue_indicator_has_a_definition_test()
    {
        var tested = Rates.Keys.Concat(Statistics.Keys).ToHashSet();
        var untested = fx.Catalogue.Indicators.Select(i => i.Id).Where(id => !tested.Contains(id)).ToList();
        Assert.Empty(untested);
        Assert.True(fx.Catalogue.Indicators.Count(i => i.Source.StartsWith("Lampiran 2", StringComparison.Ordinal)) >= 25);
    }

    [Theory]
    [MemberData(nameof(RateIds))]
    public async Task Counts_and_percentages_match_their_definition(string id)
    {
        var spec = Rates[id];
        Assert.True(fx.Catalogue.TryGetIndicator(id, out var indicator), $"{id} is not in the catalogue");
        using var data = new TestDataset();
        var rows = data.Write(indicator.Unit.Table(), Regency, [.. spec.Numerator, .. spec.DenominatorOnly, .. spec.Outside]);
        var numeratorRows = rows.Take(spec.Numerator.Length).ToList();
        var denominatorRows = rows.Take(spec.Numerator.Length + spec.DenominatorOnly.Length).ToList();

        var value = await RunTotal(id, data);

        Assert.Equal(indicator.Statistic, value.Kind);
        Assert.Equal(new KeyedCount(numeratorRows.Count, KeySum(numeratorRows)), value.Numerator);
        if (indicator.Statistic == StatisticKind.Percentage)
            Assert.Equal(new KeyedCount(denominatorRows.Count, KeySum(denominatorRows)), value.Denominator);
        else
            Assert.Empty(spec.DenominatorOnly);
    }

    [Theory]
    [MemberData(nameof(StatisticIds))]
    public async Task Statistics_match_their_definition(string id)
    {
        var spec = Statistics[id];
        Assert.True(fx.Catalogue.TryGetIndicator(id, out var indicator), $"{id} is not in the catalogue");
        using var data = new TestDataset();
        data.Write(indicator.Unit.Table(), Regency, spec.Rows);

        var value = await RunTotal(id, data);

        Assert.Equal(indicator.Statistic, value.Kind);
        Assert.NotNull(value.Statistic);
        Assert.Equal(spec.Statistic, value.Statistic!.Value, 9);
        Assert.Equal(spec.GroupSize, value.GroupSize);
        Assert.Equal(spec.Largest, value.Largest);
        Assert.Equal(spec.SecondLargest, value.SecondLargest);
        if (indicator.Statistic == StatisticKind.Percentile) Assert.Equal(indicator.Probability, value.Probability);
    }

    private async Task<ExactValue> RunTotal(string id, TestDataset data)
    {
        var scope = RegionCode.Parse("32");
        var plan = fx.Planner.PlanAggregate(new AggregateRequest([id], scope, null, [], []), scope, data.Directory);
        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);
        var row = Assert.Single(table.Rows);
        Assert.Empty(row.Keys);
        return Assert.Single(row.Values);
    }

    private static long KeySum(IEnumerable<Row> rows) => rows.Sum(r => Convert.ToInt64(r["record_key"]));
}
