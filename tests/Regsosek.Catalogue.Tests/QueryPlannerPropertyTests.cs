using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Tests;

/// <summary>
/// Properties of the planner over random valid requests: the SQL text depends only on the
/// request's shape (which catalogue entries, which levels), never on the values the client sends
/// (region codes, filter values, percentiles) nor on the dataset path, which all travel as
/// parameters; and the parameters carry exactly those values.
/// </summary>
public class QueryPlannerPropertyTests
{
    private static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
    private static readonly QueryPlanner Planner = new(Catalogue);
    private const string Marker = "ZQXMARKER";

    /// <summary>What a request asks for, without its values.</summary>
    public sealed record Shape(Unit Unit, string[] Indicators, bool WithPercentile, RegionLevel RegionLevel, RegionLevel? Breakdown,
        string[] GroupBy, string[] FilteredDimensions, RegionLevel? RegionFilterLevel)
    {
        public override string ToString() =>
            $"{Unit} [{string.Join(",", Indicators)}]{(WithPercentile ? "+pNN" : "")} {RegionLevel}->{Breakdown} by [{string.Join(",", GroupBy)}] filter [{string.Join(",", FilteredDimensions)}] regions@{RegionFilterLevel}";
    }

    private static Gen<Shape> Shapes =>
        from unit in Gen.Elements(Unit.Persons, Unit.Families)
        from indicators in Gen.SubListOf(Catalogue.Indicators.Where(i => i.Unit == unit).Select(i => i.Id).ToArray())
            .Where(l => l.Count is >= 1 and <= 5)
        from withPercentile in Gen.Elements(true, false)
        from regionLevel in Gen.Elements(RegionLevel.National, RegionLevel.Province, RegionLevel.Regency, RegionLevel.District, RegionLevel.Village)
        from breakdown in Gen.Elements(Enum.GetValues<RegionLevel>().Where(l => l > regionLevel).Select(l => (RegionLevel?)l).Append(null).ToArray())
        from groupBy in Gen.Shuffle(Catalogue.Dimensions.Where(d => !d.IsRegion && d.AppliesTo(unit)).Select(d => d.Id))
            .SelectMany(all => Gen.Choose(0, 4 - (breakdown is null ? 0 : 1)).Select(n => all.Take(n).ToArray()))
        from filtered in Gen.SubListOf(Catalogue.Dimensions.Where(d => !d.IsRegion && d.AppliesTo(unit)).Select(d => d.Id).ToArray())
            .Select(l => l.Take(3).ToArray())
        from regionFilterLevel in Gen.Elements(Enum.GetValues<RegionLevel>().Where(l => l > regionLevel).Select(l => (RegionLevel?)l).Append(null).ToArray())
        select new Shape(unit, indicators.ToArray(), withPercentile, regionLevel, breakdown, groupBy, filtered, regionFilterLevel);

    /// <summary>A request of <paramref name="shape"/> with values drawn from <paramref name="seed"/>.</summary>
    private static (AggregateRequest Request, RegionCode Region, string Dataset, List<long> Values, List<double> Probabilities) Build(Shape shape, int seed)
    {
        var rng = new Random(seed);
        var region = RandomRegion(rng, shape.RegionLevel, RegionCode.National);
        var values = new List<long>();
        if (region.Level != RegionLevel.National) values.Add(region.Numeric);
        // Catalogue percentiles (e.g. the median floor area) are parameters too, in measure order.
        var probabilities = shape.Indicators.Select(id => Catalogue.TryGetIndicator(id, out var i) ? i.Probability : null)
            .OfType<double>().ToList();
        var measures = shape.Indicators.ToList();
        if (shape.WithPercentile)
        {
            var numeric = Catalogue.Numerics.First(n => n.Unit == shape.Unit);
            int pct = rng.Next(1, 100);
            measures.Add($"{numeric.Id}:p{pct}");
            probabilities.Add(pct / 100.0);
        }
        var filters = new List<DimensionFilter>();
        foreach (var id in shape.FilteredDimensions)
        {
            Catalogue.TryGetDimension(id, out var dimension);
            var codes = dimension!.Values.Select(v => v.Code).OrderBy(_ => rng.Next()).Take(rng.Next(1, 4)).ToList();
            values.AddRange(codes);
            filters.Add(new DimensionFilter(id, codes));
        }
        if (shape.RegionFilterLevel is { } level)
        {
            var codes = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => RandomRegion(rng, level, region).Numeric).ToList();
            values.AddRange(codes);
            filters.Add(new DimensionFilter("region", codes));
        }
        var dataset = Path.Combine(Path.GetTempPath(), $"{Marker}{seed}' OR 1=1; --");
        return (new AggregateRequest(measures, region, shape.Breakdown, shape.GroupBy, filters), region, dataset, values, probabilities);
    }

    private static RegionCode RandomRegion(Random rng, RegionLevel level, RegionCode inside)
    {
        if (level == RegionLevel.National) return RegionCode.National;
        var digits = inside.Value;
        while (digits.Length < level.CodeLength())
        {
            digits += digits.Length switch
            {
                0 => rng.Next(11, 95).ToString(),
                6 => rng.Next(1, 3).ToString() + rng.Next(1, 999).ToString("000"),
                _ => rng.Next(1, 99).ToString("00"),
            };
        }
        return RegionCode.Parse(digits);
    }

    [Fact]
    public void The_sql_depends_on_the_shape_only_and_the_values_travel_as_parameters()
    {
        var arb = Gen.Zip(Shapes, Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, int.MaxValue))).ToArbitrary();
        Prop.ForAll(arb, input =>
        {
            var (shape, (seedA, seedB)) = input;
            var a = Build(shape, seedA);
            var b = Build(shape, seedB);
            var planA = Planner.PlanAggregate(a.Request, a.Region, a.Dataset);
            var planB = Planner.PlanAggregate(b.Request, b.Region, b.Dataset);

            Assert.Equal(planA.Sql, planB.Sql);
            foreach (var (build, plan) in new[] { (a, planA), (b, planB) })
            {
                Assert.DoesNotContain(Marker, plan.Sql);
                Assert.DoesNotContain(build.Dataset, plan.Sql);
                foreach (var measure in build.Request.Measures) Assert.DoesNotContain(measure, plan.Sql);
                var longs = plan.Parameters.OfType<Int64Parameter>().Select(p => p.Value)
                    .Concat(plan.Parameters.OfType<Int64ListParameter>().SelectMany(p => p.Values)).ToHashSet();
                foreach (var v in build.Values) Assert.Contains(v, longs);
                // Every probability travels as a parameter (percentiles of one variable share one list), and each
                // percentile measure knows its own.
                Assert.Equal(build.Probabilities.Order(), plan.Parameters.OfType<DoubleListParameter>().SelectMany(p => p.Values).Order());
                Assert.Equal(build.Probabilities, plan.Layout.Where(l => l.Kind == StatisticKind.Percentile).Select(l => l.Probability!.Value));
                Assert.Contains(plan.Parameters.OfType<StringParameter>(), p => p.Value.Contains(Marker, StringComparison.Ordinal));
                // Every placeholder $1..$n is used, and no other.
                var used = Regex.Matches(plan.Sql, @"\$(\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();
                Assert.Equal(Enumerable.Range(1, plan.Parameters.Count).ToHashSet(), used);
                Assert.Equal(shape.GroupBy.Length + (shape.Breakdown is null ? 0 : 1), plan.Shape.Dimensions.Count);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Names_that_are_not_in_the_catalogue_are_rejected_with_their_field()
    {
        var names = Gen.Elements("", "x", "population; DROP TABLE t", "sex'", "r405", "age:", "age:p0", "age:p100", "age:median", Marker, "POPULATION")
            .Or(ArbMap.Default.GeneratorFor<string>().Where(s => s is not null));
        var arb = Gen.Zip(names, Gen.Choose(0, 2)).ToArbitrary();
        Prop.ForAll(arb, input =>
        {
            var (name, where) = input;
            var known = name is not null && (Catalogue.TryResolveMeasure(name, out _, out _) || Catalogue.TryGetDimension(name, out _));
            if (known) return;
            var scope = RegionCode.Parse("32");
            var request = where switch
            {
                0 => new AggregateRequest(["population", name!], scope, null, [], []),
                1 => new AggregateRequest(["population"], scope, null, ["sex", name!], []),
                _ => new AggregateRequest(["population"], scope, null, [], [new DimensionFilter(name!, [1])]),
            };
            var e = Assert.Throws<RequestValidationException>(() => Planner.PlanAggregate(request, scope, "/data"));
            Assert.Equal(where switch { 0 => "measures[1]", 1 => "group_by[1]", _ => "filters[0].dimension" }, e.Field);
        }).QuickCheckThrowOnFailure();
    }
}
