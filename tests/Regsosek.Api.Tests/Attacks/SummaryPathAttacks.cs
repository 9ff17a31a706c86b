using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 15, from the attacker's side: the same cell can be asked through a request the prepared distributions answer
/// (a province broken down by regency) and through one that reads the records (the regency broken down by district,
/// whose total is that cell). If the two paths gave the cell different exact values, its cell-key noise would differ
/// too, and the attacker could average the two releases — or subtract them — to narrow the true value. Every cell the
/// two answers share must be released identically.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class SummaryPathAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);

    private static PercentilesRequest Ask(string region, RegionLevel breakdown) => new()
    {
        Variable = "age",
        Percentiles = { 25, 50, 75 },
        Scope = new Scope { Region = region, Breakdown = breakdown },
    };

    [Fact]
    public async Task A_cell_asked_through_a_distribution_and_through_the_records_is_released_the_same()
    {
        // Not vacuous: the service plans the first request from a distribution and the second from the records.
        var planner = service.Services.GetRequiredService<Catalogue.QueryPlanner>();
        var dataset = service.Services.GetRequiredService<DatasetInfo>();
        Catalogue.QueryPlan Plan(string region, Core.RegionLevel breakdown)
        {
            var scope = Core.RegionCode.Parse(region);
            return planner.PlanAggregate(Catalogue.AggregateRequest.Percentiles("age", [0.25, 0.5, 0.75], scope, breakdown, [], []),
                scope, dataset.Partitions, dataset.Summaries);
        }
        Assert.StartsWith("values__age", Plan("32", Core.RegionLevel.Regency).Summary);
        Assert.Null(Plan("3201", Core.RegionLevel.District).Summary);

        var byRegency = await _attacker.PercentilesAsync(Ask("32", RegionLevel.Regency), service.Province32.Token);
        var byDistrict = await _attacker.PercentilesAsync(Ask("3201", RegionLevel.District), service.Province32.Token);
        Assert.NotNull(byRegency.Reply);
        Assert.NotNull(byDistrict.Reply);
        var viaDistribution = Assert.Single(byRegency.Reply!.Rows, r => r.Keys[0].HasCode && r.Keys[0].Code == 3201);
        var viaRecords = Assert.Single(byDistrict.Reply!.Rows, r => !r.Keys[0].HasCode);
        Assert.Equal(viaRecords.Cells.ToString(), viaDistribution.Cells.ToString());
        Assert.Contains(viaDistribution.Cells, c => c.ToString().Contains("value", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("mean_family_size")] // the dashboard's tile: open to the public
    [InlineData("age:mean")]
    [InlineData("age:sum")]
    public async Task A_mean_or_sum_asked_through_a_distribution_and_through_the_records_is_released_the_same(string measure)
    {
        // Means carry magnitude noise scaled by the largest value and the dominance check on the two largest: a
        // distribution must give all of them as the records do, or the two releases of one cell would differ.
        var planner = service.Services.GetRequiredService<Catalogue.QueryPlanner>();
        var dataset = service.Services.GetRequiredService<DatasetInfo>();
        string? Summary(string region, Core.RegionLevel breakdown)
        {
            var scope = Core.RegionCode.Parse(region);
            return planner.PlanAggregate(new Catalogue.AggregateRequest([measure], scope, breakdown, [], []), scope, dataset.Partitions, dataset.Summaries).Summary;
        }
        Assert.StartsWith("values__", Summary("32", Core.RegionLevel.Regency));
        Assert.Null(Summary("3201", Core.RegionLevel.District));

        var byRegency = await _attacker.ReplyAsync(Attacker.Request(measure, "32", RegionLevel.Regency), service.Province32.Token);
        var byDistrict = await _attacker.ReplyAsync(Attacker.Request(measure, "3201", RegionLevel.District), service.Province32.Token);
        var viaDistribution = Assert.Single(byRegency.Rows, r => r.Keys[0].HasCode && r.Keys[0].Code == 3201);
        var viaRecords = Assert.Single(byDistrict.Rows, r => !r.Keys[0].HasCode);
        Assert.Equal(viaRecords.Cells.ToString(), viaDistribution.Cells.ToString());
        Assert.Contains(viaDistribution.Cells, c => c.ToString().Contains("value", StringComparison.OrdinalIgnoreCase));
    }
}
