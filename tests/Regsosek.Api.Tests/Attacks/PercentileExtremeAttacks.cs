using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Stores.Grants;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 2, from the attacker's side: ask for percentiles close to 0 and 100 (Percentiles RPC and Aggregate's
/// percentile measures, tiers 1 and 2) to read the youngest and oldest person of small groups — the minimum and maximum
/// that <c>primary.min-max-tier</c> withholds. The attacker knows each group's true size, minimum and maximum from an
/// exact view (a tier-4 grant of the regency; the tier-3 grant at province level). The attack succeeds when a released
/// percentile is interpolated from one of the T smallest or T largest records of its group (T the tier's group-size
/// threshold), or equals the group's minimum or maximum without T + 1 records sharing it. Percentiles no group can
/// release are refused up front with INVALID_ARGUMENT naming the limit.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class PercentileExtremeAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);
    private static IssuedGrant? _tier4;
    private static readonly double[] Extremes = [0.5, 1, 2, 5, 10, 25, 50, 75, 90, 95, 98, 99, 99.5];

    private async Task<string> Tier4TokenAsync()
    {
        _tier4 ??= await ServiceFixture.IssueAsync(service.Grants, "Pemerintah Kabupaten Bogor (BNBA, percentiles)", Core.Tier.Bnba, "3201");
        return _tier4.Token;
    }

    [Fact]
    public async Task Percentiles_no_group_can_release_are_refused_up_front_naming_the_limit()
    {
        foreach (var (p, token, region, word) in new (double, string?, string, string)[]
                 {
                     (0.001, null, "32", "smallest"), (99.999, null, "", "largest"),
                     (0.01, service.Regency3201.Token, "3201", "smallest"), (99.99, service.Regency3201.Token, "3201", "largest"),
                 })
        {
            var request = new PercentilesRequest { Variable = "age", Percentiles = { 50, p }, Scope = new Scope { Region = region } };
            var answer = await _attacker.PercentilesAsync(request, token);
            Assert.Equal(GrpcStatusCode.InvalidArgument, answer.Code);
            var violation = Assert.Single(answer.FieldViolations, v => v.Field == "percentiles");
            Assert.Contains($"{word} releasable percentile", violation.Description);
            Assert.Contains("records", violation.Description);

            var aggregate = await _attacker.AggregateAsync(Attacker.Request($"age:p{p.ToString(System.Globalization.CultureInfo.InvariantCulture)}", region), token);
            Assert.Equal(GrpcStatusCode.InvalidArgument, aggregate.Code);
            Assert.Contains(aggregate.FieldViolations, v => v.Field == "indicators[0]" && v.Description.Contains("releasable"));
        }
    }

    /// <summary>One attack: percentiles of age at <see cref="Extremes"/> for the groups of <paramref name="scope"/> and
    /// <paramref name="groupBy"/>; the truth from <paramref name="truthToken"/>. Returns the cells withheld by the tail rule.</summary>
    private async Task<int> AttackAsync(string? token, int threshold, Scope scope, string[] groupBy, string truthToken, bool viaAggregate = false)
    {
        AggregateResponse released;
        if (viaAggregate)
        {
            // The same percentiles as Aggregate measures ("age:p0.5", …).
            var aggregate = new AggregateRequest { Scope = scope };
            aggregate.Indicators.AddRange(Extremes.Select(p => "age:p" + p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            aggregate.GroupBy.AddRange(groupBy);
            released = (await _attacker.AggregateAsync(aggregate, token)).AssertReply();
        }
        else
        {
            var request = new PercentilesRequest { Variable = "age", Scope = scope };
            request.Percentiles.AddRange(Extremes);
            request.GroupBy.AddRange(groupBy);
            released = (await _attacker.PercentilesAsync(request, token)).AssertReply();
        }
        Assert.Equal(Extremes.Length, released.Measures.Count);
        Assert.DoesNotContain("exact.tier", released.RuleIds());

        var truthRequest = Attacker.Request("population", scope.Region, scope.Breakdown, groupBy);
        truthRequest.Indicators.Add("age:min");
        truthRequest.Indicators.Add("age:max");
        var truthReply = await _attacker.ReplyAsync(truthRequest, truthToken);
        Assert.Contains("exact.tier", truthReply.RuleIds());
        var truth = truthReply.ByKey();

        int tail = 0, checkedCells = 0;
        foreach (var row in released.Rows)
        {
            var key = Released.KeyText(row.KeyOf());
            var exact = truth[key];
            long n = (long)exact.Cells[0].Value;
            double min = exact.Cells[1].Value, max = exact.Cells[2].Value;
            for (int i = 0; i < Extremes.Length; i++)
            {
                var cell = row.Cells[i];
                if (cell.IsWithheld())
                {
                    if (cell.Rule == "primary.percentile-tail") tail++;
                    continue;
                }
                checkedCells++;
                double p = Extremes[i] / 100, h = (n - 1) * p;
                long below = (long)Math.Floor(h), above = n - 1 - (long)Math.Ceiling(h);
                Assert.True(below >= threshold && above >= threshold,
                    $"group {key} (n = {n}): p{Extremes[i]} = {cell.Value} released from order statistics with {below} records below and {above} above (T = {threshold}); min {min}, max {max}");
                // Equal to the extreme only where at least T + 1 records share it (implied by the tail above).
                if (cell.Value == min || cell.Value == max)
                    Assert.True(below >= threshold && above >= threshold, $"group {key}: p{Extremes[i]} gives the extreme {cell.Value}");
            }
        }
        Assert.True(checkedCells > 0, "some percentiles were released: the attack had something to read");
        return tail;
    }

    [Fact]
    public async Task Tier_2_percentiles_of_villages_and_small_district_groups_do_not_give_the_youngest_or_oldest()
    {
        var truth = await Tier4TokenAsync();
        int tail = await AttackAsync(service.Regency3201.Token, 10, new Scope { Region = "3201", Breakdown = RegionLevel.Village }, [], truth);
        tail += await AttackAsync(service.Regency3201.Token, 10, new Scope { Region = "3201", Breakdown = RegionLevel.District }, ["sex", "age_broad"], truth);
        tail += await AttackAsync(service.Regency3201.Token, 10, new Scope { Region = "3201", Breakdown = RegionLevel.District }, ["urban_rural"], truth, viaAggregate: true);
        Assert.True(tail > 0, "no percentile was withheld by the tail rule: the attack tested nothing");
    }

    [Fact]
    public async Task Public_percentiles_by_province_age_and_sex_do_not_give_the_youngest_or_oldest()
    {
        int tail = await AttackAsync(null, 20, new Scope { Region = "", Breakdown = RegionLevel.Province }, ["age_group_5y", "sex"], service.Microdata.Token);
        tail += await AttackAsync(null, 20, new Scope { Region = "31" }, ["age_group_5y", "urban_rural", "sex"], service.Microdata.Token);
        tail += await AttackAsync(null, 20, new Scope { Region = "32" }, ["age_group_5y", "sex"], service.Microdata.Token, viaAggregate: true);
        Assert.True(tail > 0, "no percentile was withheld by the tail rule: the attack tested nothing");
    }
}
