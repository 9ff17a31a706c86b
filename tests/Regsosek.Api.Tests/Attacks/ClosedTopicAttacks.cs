using FsCheck;
using FsCheck.Fluent;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;


namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 1, from the attacker's side: the public (no token) tries to rebuild tier-2 indicators and the desil
/// distribution from open counts — breakdowns and filters on closed dimensions, DesilDistribution, statistics of closed
/// numerics. Every such request must be refused with the tier rule; a random tier-1 request that is answered must not
/// have used a dimension or variable whose data-dictionary tier is above 1.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ClosedTopicAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);

    private static readonly string[] ClosedPersonDimensions = ["disability", "work_status", "marital_status", "relationship_to_head", "desil", "welfare_group"];

    [Fact]
    public async Task The_public_cannot_break_open_counts_down_or_filter_them_by_a_closed_dimension()
    {
        var tiers = Attacker.Catalogue.Dimensions.ToDictionary(d => d.Id, d => d.MinTier);
        foreach (var dimension in ClosedPersonDimensions)
        {
            Assert.True(tiers[dimension] > Core.Tier.Public, $"{dimension} is closed in the data dictionary");
            var values = Attacker.Catalogue.Dimensions.Single(d => d.Id == dimension).Values.Select(v => v.Code).ToArray();
            foreach (var region in new[] { "", "32" })
            {
                (await _attacker.AggregateAsync(Attacker.Request("population", region, groupBy: [dimension])))
                    .AssertRefused(GrpcStatusCode.PermissionDenied, "tier.dimension");
                (await _attacker.AggregateAsync(Attacker.Request("population", region, groupBy: ["sex"], filters: [Attacker.FilterOf(dimension, values[0])])))
                    .AssertRefused(GrpcStatusCode.PermissionDenied, "tier.dimension");
                // The same closed topic hidden behind an open measure: a percentile of age among the disabled.
                (await _attacker.AggregateAsync(Attacker.Request("age:p50", region, filters: [Attacker.FilterOf(dimension, values[^1])])))
                    .AssertRefused(GrpcStatusCode.PermissionDenied, "tier.dimension");
            }
        }
        (await _attacker.AggregateAsync(Attacker.Request("family_count", "32", groupBy: ["dwelling_ownership"])))
            .AssertRefused(GrpcStatusCode.PermissionDenied, "tier.dimension");

        // Control: the same breakdown is answered for a tier-2 grant of the province, so it is the tier that refuses.
        var control = await _attacker.ReplyAsync(Attacker.Request("population", "32", groupBy: ["disability"]), service.Province32.Token);
        Assert.Contains("disability", control.Dimensions);
    }

    [Fact]
    public async Task The_public_cannot_get_the_desil_distribution_or_statistics_of_closed_numerics()
    {
        foreach (var region in new[] { "", "32", "31" })
            foreach (var unit in new[] { "families", "persons" })
            {
                var desil = new DesilDistributionRequest { Unit = unit, Scope = new Scope { Region = region } };
                (await _attacker.DesilAsync(desil)).AssertRefused(GrpcStatusCode.PermissionDenied, "tier.dimension");
            }
        var closedNumerics = Attacker.Catalogue.Numerics.Where(n => n.Visibility.MinTier > Core.Tier.Public).ToList();
        Assert.NotEmpty(closedNumerics);
        foreach (var numeric in closedNumerics)
        {
            var percentiles = new PercentilesRequest { Variable = numeric.Id, Scope = new Scope { Region = "32" } };
            percentiles.Percentiles.Add(50);
            var p = await _attacker.PercentilesAsync(percentiles);
            AssertVariableRefused(p, numeric.Id);
            foreach (var statistic in new[] { "mean", "sum", "p90" })
                AssertVariableRefused(await _attacker.AggregateAsync(Attacker.Request($"{numeric.Id}:{statistic}", "32")), numeric.Id);
        }
        // Control: a tier-2 grant gets the province's desil distribution.
        var control = await _attacker.DesilAsync(new DesilDistributionRequest { Scope = new Scope { Region = "32" } }, service.Province32.Token);
        Assert.Contains("desil", control.AssertReply().Dimensions);
    }

    private static void AssertVariableRefused(Answer answer, string variable)
    {
        // A closed numeric is refused by the variable's tier, or before that by the public's open-indicators-only rule.
        Assert.True(!answer.Ok && answer.Code == GrpcStatusCode.PermissionDenied
                    && answer.Reason is "tier.variable" or "tier1.open-indicators-only",
            $"statistics of {variable} for the public: {answer}");
    }

    private sealed record PublicRequest(int Rpc, string Measure, string Region, bool ByProvince, string[] GroupBy, (string Dimension, long[] Values)[] Filters)
    {
        public override string ToString() =>
            $"rpc {Rpc} {Measure} region '{Region}' byProvince {ByProvince} group_by [{string.Join(",", GroupBy)}] " +
            $"filters [{string.Join(";", Filters.Select(f => f.Dimension + "=" + string.Join("|", f.Values)))}]";
    }

    [Fact]
    public async Task Property_any_answered_public_request_used_only_tier_1_dimensions_and_variables()
    {
        // What the attacker can name: the catalogue as the service lists it.
        var dimensions = (await _attacker.Catalog.ListDimensionsAsync(new ListDimensionsRequest())).Dimensions
            .Where(d => d.Id != "region").ToList();
        var indicators = (await _attacker.Catalog.ListIndicatorsAsync(new ListIndicatorsRequest())).Indicators.Select(i => i.Id).ToList();
        var numerics = Attacker.Catalogue.Numerics.Select(n => n.Id).ToList();
        var measures = indicators.Concat(numerics.SelectMany(n => new[] { n + ":p50", n + ":mean", n + ":sum" })).ToList();
        var tiers = Attacker.Catalogue.Dimensions.ToDictionary(d => d.Id, d => d.MinTier);

        var filterGen = from d in Gen.Elements(dimensions.ToArray())
                        from values in Gen.SubListOf(d.Values.Select(v => v.Code).ToArray())
                        select (d.Id, values.Count == 0 ? new[] { d.Values[0].Code } : values.ToArray());
        var gen = from rpc in Gen.Frequency((6, Gen.Constant(0)), (2, Gen.Constant(1)), (2, Gen.Constant(2)))
                  from measure in rpc == 2 ? Gen.Elements(numerics.ToArray()) : Gen.Elements(measures.ToArray())
                  from region in Gen.Elements("", "32", "31")
                  from byProvince in Gen.Elements(false, false, true)
                  from groupBy in Gen.Choose(0, 2).SelectMany(n => Gen.Shuffle(dimensions.Select(d => d.Id).ToArray()).Select(a => a.Take(n).ToArray()))
                  from hasFilter in Gen.Elements(false, true)
                  from filter in filterGen
                  let filters = hasFilter ? new[] { filter } : []
                  select new PublicRequest(rpc, measure, region, byProvince, groupBy, filters);

        int answered = 0, refusedByTier = 0;
        await AttackProperty.ForAll(gen, async r =>
        {
            var scope = new Scope { Region = r.Region, Breakdown = r.ByProvince && r.Region == "" ? RegionLevel.Province : RegionLevel.Unspecified };
            var filters = r.Filters.Select(f => Attacker.FilterOf(f.Dimension, f.Values)).ToList();
            Answer answer;
            string? variable = null;
            IEnumerable<string> used = r.GroupBy.Concat(r.Filters.Select(f => f.Dimension));
            switch (r.Rpc)
            {
                case 1:
                    var desil = new DesilDistributionRequest { Unit = "persons", Scope = scope };
                    desil.GroupBy.AddRange(r.GroupBy);
                    desil.Filters.AddRange(filters);
                    answer = await _attacker.DesilAsync(desil);
                    used = used.Append("desil");
                    break;
                case 2:
                    var percentiles = new PercentilesRequest { Variable = r.Measure, Scope = scope };
                    percentiles.Percentiles.Add(50);
                    percentiles.GroupBy.AddRange(r.GroupBy);
                    percentiles.Filters.AddRange(filters);
                    answer = await _attacker.PercentilesAsync(percentiles);
                    variable = r.Measure;
                    break;
                default:
                    var aggregate = Attacker.Request(r.Measure, r.Region, scope.Breakdown, r.GroupBy, filters);
                    answer = await _attacker.AggregateAsync(aggregate);
                    variable = r.Measure.Contains(':') ? r.Measure[..r.Measure.IndexOf(':')] : null;
                    break;
            }
            var usedList = used.ToList();
            if (answer.Ok)
            {
                Interlocked.Increment(ref answered);
                foreach (var d in usedList)
                    Assert.True(tiers[d] == Core.Tier.Public, $"the public was answered with closed dimension {d} (tier {(int)tiers[d]}): {r}");
                if (variable is not null)
                {
                    Assert.True(Attacker.Catalogue.TryGetNumeric(variable, out var numeric));
                    Assert.True(numeric!.Visibility.MinTier == Core.Tier.Public, $"the public was answered with closed variable {variable}: {r}");
                }
                else if (Attacker.Catalogue.TryGetIndicator(r.Measure, out var indicator))
                    Assert.True(indicator.Visibility.Open, $"the public was answered with closed indicator {r.Measure}: {r}");
                Assert.Equal(Api.V1.Tier.Public, answer.Reply!.Metadata.Tier);
            }
            else if (answer.Code == GrpcStatusCode.PermissionDenied && answer.Reason == "tier.dimension")
            {
                Interlocked.Increment(ref refusedByTier);
                Assert.Contains(usedList, d => tiers[d] > Core.Tier.Public); // refused for a reason that is there
            }
        }, maxTest: 120);

        Assert.True(answered >= 10, $"the random requests must include answered ones (answered {answered})");
        Assert.True(refusedByTier >= 10, $"the random requests must include closed dimensions (refused {refusedByTier})");
    }
}
