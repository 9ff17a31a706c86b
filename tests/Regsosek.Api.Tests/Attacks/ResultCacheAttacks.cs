using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Host;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 15: the engine keeps exact tables in a result cache shared by every caller, and answers counts from prepared
/// summaries. The attacker tries to use that: a wide, high-tier caller (or the attacker holding such a token once)
/// asks first, so that the exact tables sit in the cache; then narrower and lower-tier callers ask the same and
/// neighbouring questions, hoping to get the wider caller's answer, an exact value, or a cell another server withholds.
/// Every answer must be byte-for-byte what a server without a cache gives the same caller, and every refusal the same.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class ResultCacheAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);

    /// <summary>The answer without its metadata (request id, time): dimensions, measures, rows — or the refusal.</summary>
    private static string Released(Answer answer) => answer.Reply is { } reply
        ? $"{reply.Dimensions}\n{reply.Measures}\n{reply.Rows}"
        : $"{answer.Error!.StatusCode}: {answer.Error.Status.Detail}";

    [Fact]
    public async Task A_cache_filled_by_wider_and_higher_tier_callers_changes_no_answer_and_no_refusal()
    {
        await using var uncached = service.BuildSecondServer(o => o.EngineResultCacheCells = 0);
        await uncached.StartAsync();
        var plain = new AggregateService.AggregateServiceClient(ApiClient.Channel(
            $"127.0.0.1:{uncached.Services.GetRequiredService<Endpoints>().Grpc!.Port}"));

        var questions = new[]
        {
            Attacker.Request("population", "32", RegionLevel.Regency),
            Attacker.Request("population", "3201", RegionLevel.District),
            Attacker.Request("jkn_coverage", "3201", RegionLevel.District, ["sex"]),
            Attacker.Request("population", "", RegionLevel.Province, ["sex", "age_group_5y"]),
            Attacker.Request("safe_drinking_water", "", RegionLevel.Province),
            Attacker.Request("population", "3201", groupBy: ["desil"]),
        };
        // Widest and highest tier first, so that what a lower caller asks is already cached from them.
        var callers = new[] { service.Microdata.Token, service.Province32.Token, service.Regency3201.Token, null };
        foreach (var question in questions)
        {
            foreach (var token in callers)
            {
                var cached = await _attacker.AggregateAsync(question, token);
                var fresh = await Answer.Of(plain.AggregateAsync(question, Attacker.Options(token)));
                Assert.Equal(Released(fresh), Released(cached));
            }
        }
        // The attack was not vacuous: a narrower caller was refused a question a wider one had answered from the cache,
        // and the public got perturbed or withheld cells where tier 3 got exact ones.
        var refused = await _attacker.AggregateAsync(questions[0], service.Regency3201.Token);
        Assert.Equal(StatusCode.PermissionDenied, refused.Error?.StatusCode);
        var exact = await _attacker.AggregateAsync(questions[4], service.Microdata.Token);
        var open = await _attacker.AggregateAsync(questions[4], null);
        Assert.NotEqual(Released(exact), Released(open));
    }
}
