using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Tests;

/// <summary>
/// Issue 11, class 1, with the real catalogue: the access facts the pipeline hands the policy
/// (<see cref="IndicatorCatalogue.DimensionAccessOf"/>, <see cref="IndicatorCatalogue.VariableAccessOf"/>,
/// <see cref="IndicatorCatalogue.AccessOf(Measure)"/>) keep every closed dimension and variable out of tier-1 answers.
/// </summary>
public class DimensionTierPolicyTests
{
    private static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
    private static readonly DateTimeOffset Now = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static AccessDecision Decide(AggregateRequest request, Caller caller)
    {
        var measures = request.Measures.Select(m => Catalogue.TryResolveMeasure(m, out var x, out _) ? x : throw new InvalidOperationException(m)).ToList();
        return AccessPolicy.DecideAggregate(new AggregateAccessRequest(caller, request.Region, request.Breakdown,
            measures.Select(IndicatorCatalogue.AccessOf).ToList(), [], request.GroupBy, false,
            Catalogue.DimensionAccessOf(request), measures.Select(IndicatorCatalogue.VariableAccessOf).OfType<VariableAccess>().ToList()), Now);
    }

    [Fact]
    public void DesilDistribution_needs_tier_2()
    {
        var request = AggregateRequest.DesilDistribution(Unit.Families, RegionCode.Parse("32"), null, [], []);
        var denied = Assert.IsType<Denied>(Decide(request, Caller.Public));
        Assert.Equal(AccessRules.TierDimension, denied.Rule);
        Assert.Contains("dimension desil needs tier 2", denied.Message);
    }

    [Fact]
    public void The_public_may_not_filter_an_open_count_on_disability_but_may_break_it_down_by_sex()
    {
        var filtered = new AggregateRequest(["population"], RegionCode.Parse("32"), null, [], [new DimensionFilter("disability", [1])]);
        Assert.Equal(AccessRules.TierDimension, Assert.IsType<Denied>(Decide(filtered, Caller.Public)).Rule);
        var bySex = new AggregateRequest(["population"], RegionCode.Parse("32"), null, ["sex", "age_group_5y"], []);
        Assert.IsType<Allowed>(Decide(bySex, Caller.Public));
        Assert.Empty(Catalogue.DimensionAccessOf(new AggregateRequest(["population"], RegionCode.Parse("32"), RegionLevel.Regency, ["region"], [])));
    }

    [Fact]
    public void Percentiles_of_a_closed_numeric_need_its_tier()
    {
        var request = AggregateRequest.Percentiles("hours_worked", [0.5], RegionCode.Parse("32"), null, [], []);
        var denied = Assert.IsType<Denied>(Decide(request, Caller.Public));
        Assert.Contains(denied.Rule, new[] { AccessRules.Tier1OpenIndicatorsOnly, AccessRules.TierVariable });
    }

    /// <summary>For any tier-1 request built from the catalogue that is answered, no dimension and no numeric above
    /// tier 1 took part.</summary>
    [Fact]
    public void No_answered_tier_1_request_uses_a_closed_dimension_or_numeric()
    {
        var dimensions = Catalogue.Dimensions.Where(d => !d.IsRegion).Select(d => d.Id).ToArray();
        var measures = Catalogue.Indicators.Select(i => i.Id)
            .Concat(Catalogue.Numerics.SelectMany(n => new[] { $"{n.Id}:mean", $"{n.Id}:p50", $"{n.Id}:sum" })).ToArray();
        var gen =
            from m in Gen.Elements(measures)
            from groupBy in Gen.SubListOf(dimensions).Select(l => l.Take(3).ToArray())
            from filter in Gen.SubListOf(dimensions).Select(l => l.Take(2).ToArray())
            select new AggregateRequest([m], RegionCode.Parse("32"), null, groupBy, filter.Select(f => new DimensionFilter(f, [1])).ToList());
        var config = Config.QuickThrowOnFailure.WithMaxTest(2000).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20221015), FSharpOption<int>.None)));
        int allowed = 0;
        Check.One(config, Prop.ForAll(gen.ToArbitrary(), request =>
        {
            if (Decide(request, Caller.Public) is not Allowed) return true;
            allowed++;
            bool dimsOpen = request.GroupBy.Concat(request.Filters.Select(f => f.Dimension))
                .All(id => Catalogue.TryGetDimension(id, out var d) && d.MinTier == Tier.Public);
            bool numericOpen = !Catalogue.TryResolveMeasure(request.Measures[0], out var measure, out _) || measure.Numeric is null
                || measure.Numeric.Visibility.MinTier == Tier.Public;
            return dimsOpen && numericOpen;
        }));
        Assert.True(allowed > 50, "some tier-1 requests must be answered, or the property shows nothing");
    }

    [Fact]
    public void Category_domains_come_from_the_catalogue_and_region_codes_from_the_caller()
    {
        var shape = new Regsosek.Core.Aggregates.TableShape(["region", "sex", "desil"], []);
        var domains = Catalogue.CategoryDomains(shape, [3201, 3202]);
        Assert.Equal([3201L, 3202L], domains[0]);
        Assert.Equal(Catalogue.Dimensions.Single(d => d.Id == "sex").Values.Select(v => v.Code), domains[1]);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), domains[2]);
        Assert.Throws<ArgumentException>(() => Catalogue.CategoryDomains(new Regsosek.Core.Aggregates.TableShape(["nosuch"], []), []));
    }
}
