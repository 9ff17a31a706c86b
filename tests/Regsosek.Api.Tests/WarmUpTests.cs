using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Catalogue;
using Regsosek.Engine;
using Regsosek.Host;

namespace Regsosek.Api.Tests;

/// <summary>
/// What `regsosek start` does once serving so that the dashboard's first visitor does not wait (issue 13: the page loads
/// in under 2 s, the first page after a start included): the page's national questions that summaries or distributions
/// answer are asked into the result cache — the families' mean-size tile among them, a mean of whole numbers that a
/// distribution gives exactly — and the page's files and HTTP routes are called once over loopback, audited like any call.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class WarmUpTests(ServiceFixture service)
{
    private HttpClient Http() => new() { BaseAddress = new Uri($"http://{service.HttpAddress}") };

    [Fact]
    public async Task The_warm_up_puts_the_dashboards_national_tile_questions_in_the_cache_the_mean_family_size_tile_included()
    {
        var engine = service.Services.GetRequiredService<AggregateEngine>();
        int asked = await StartCommand.WarmUpAsync(service.Services, CancellationToken.None);
        // The families' and persons' counts and percentages, the pyramid, the breakdown by province, the open median tile,
        // the mean family size, and the percentile view.
        Assert.True(asked >= 7, $"asked {asked}");

        // Asked as the page asks them (web/app.js: one request per unit's counts and percentages, one for a unit's other
        // statistics), each is now answered from the cache: no query runs.
        var catalogue = service.Services.GetRequiredService<IndicatorCatalogue>();
        var familyCounts = catalogue.Indicators.Where(i => i.Visibility.Open && i.Unit == Unit.Families
            && i.Statistic is Core.Aggregates.StatisticKind.Count or Core.Aggregates.StatisticKind.Percentage).Select(i => i.Id).ToArray();
        using var http = Http();
        foreach (var indicators in new[] { familyCounts, ["mean_family_size"] })
        {
            long hits = engine.CacheHits, misses = engine.CacheMisses;
            using var reply = await http.PostAsJsonAsync("/v1/aggregate", new { indicators, scope = new { } });
            Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
            Assert.Equal((hits + 1, misses), (engine.CacheHits, engine.CacheMisses));
        }

        // A question the summaries cannot answer (a mean of a ratio reads the records) was left for its caller.
        long missesBefore = engine.CacheMisses;
        using var ratio = await http.PostAsJsonAsync("/v1/aggregate", new { indicators = new[] { "floor_area_per_capita:mean" }, scope = new { } });
        Assert.True(ratio.IsSuccessStatusCode, await ratio.Content.ReadAsStringAsync());
        Assert.Equal(missesBefore + 1, engine.CacheMisses);
    }

    [Fact]
    public async Task The_route_warm_up_calls_the_page_and_its_routes_once_each_and_every_call_is_audited_as_a_public_call()
    {
        var head = await service.AuditHeadAsync();
        var endpoints = service.Services.GetRequiredService<Endpoints>();
        int called = await RouteWarmUp.RunAsync(endpoints, service.Options, service.Services.GetRequiredService<IndicatorCatalogue>(), CancellationToken.None);

        int files = Directory.EnumerateFiles(Dashboard.Folder).Count();
        Assert.True(files >= 5, $"{files} files in {Dashboard.Folder}");
        Assert.Equal(1 + files + 6, called); // "/", each file, four catalogue routes, one aggregate, one percentiles: all succeeded

        var records = await service.AuditRecordsAfterAsync(head);
        Assert.Equal(
            ["ListIndicators", "ListDimensions", "ListNumerics", "ListRegions", "Aggregate", "Percentiles"],
            records.Select(r => r.Entry.Method[(r.Entry.Method.LastIndexOf('/') + 1)..]).ToArray());
        Assert.All(records, r => Assert.Null(r.Entry.GrantId));
        // Told apart from visitors' calls by their request id (what usage reports and an auditor see).
        Assert.All(records, r => Assert.StartsWith(RouteWarmUp.RequestIdPrefix + "-", r.Entry.RequestId));
        Assert.All(records, r => Assert.Equal(Stores.Audit.AuditDecision.Allowed, r.Entry.Decision));
    }

    [Fact]
    public async Task Without_a_cleartext_HTTP_port_the_route_warm_up_calls_nothing()
    {
        var head = await service.AuditHeadAsync();
        var endpoints = service.Services.GetRequiredService<Endpoints>();
        var withTls = new ServiceOptions { CertificatePath = "/nonexistent.pfx" };
        Assert.Equal(0, await RouteWarmUp.RunAsync(endpoints, withTls, service.Services.GetRequiredService<IndicatorCatalogue>(), CancellationToken.None));
        Assert.Equal(head, await service.AuditHeadAsync());
    }
}
