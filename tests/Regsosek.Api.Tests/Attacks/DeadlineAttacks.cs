using System.Diagnostics;
using Grpc.Core;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 6, from the attacker's side: tie up the server with a table too large to protect (a national table by
/// village), or with work that outlives the client's deadline. The first is refused up front with RESOURCE_EXHAUSTED
/// naming the limit and how to narrow; the second ends DEADLINE_EXCEEDED, is recorded as such, and the server stops.
/// Time bounds here are generous upper bounds only.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class DeadlineAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);

    [Fact]
    public async Task A_national_table_by_village_is_refused_up_front_naming_the_limit_and_how_to_narrow()
    {
        var attempts = new (string What, Func<Task<Answer>> Call)[]
        {
            ("national population by village (tier 3)", () => _attacker.AggregateAsync(
                Attacker.Request("population", "", RegionLevel.Village), service.Microdata.Token)),
            ("national desil by village (tier 3)", () => _attacker.DesilAsync(
                new DesilDistributionRequest { Scope = new Scope { Region = "", Breakdown = RegionLevel.Village } }, service.Microdata.Token)),
            ("province 32 by village × age × sex (tier 2)", () => _attacker.AggregateAsync(
                Attacker.Request("population", "32", RegionLevel.Village, ["age_group_5y", "sex"]), service.Province32.Token)),
        };
        foreach (var (what, call) in attempts)
        {
            var head = await service.AuditHeadAsync();
            var clock = Stopwatch.StartNew();
            var answer = await call();
            clock.Stop();

            Assert.True(answer.Code == StatusCode.ResourceExhausted, $"{what}: {answer}");
            Assert.Contains(answer.QuotaViolations, v => v.Subject == "disclosure.max-cells");
            var message = answer.Error!.Status.Detail;
            Assert.Contains("50", message);             // the limit (50,000 cells) is named
            Assert.Contains("narrow", message);         // and what to do about it
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{what}: refused up front, not after the work ({clock.Elapsed})");
            var record = (await service.AuditRecordsAfterAsync(head)).Single();
            Assert.Equal(AuditDecision.Denied, record.Entry.Decision);
            Assert.Equal((int)StatusCode.ResourceExhausted, record.Entry.StatusCode);
            Assert.Equal(0, record.Entry.Cells);
        }
    }

    [Theory]
    [InlineData("DesilDistribution")]
    [InlineData("Percentiles")]
    [InlineData("Aggregate")]
    public async Task Work_that_outlives_the_clients_deadline_ends_DEADLINE_EXCEEDED_and_is_recorded_so(string method)
    {
        var head = await service.AuditHeadAsync();
        var token = service.Regency3201.Token;
        using var gate = service.Regions.Arm("3201");
        var options = Attacker.Options(token, TimeSpan.FromSeconds(2));
        var scope = new Scope { Region = "3201", Breakdown = RegionLevel.Village };
        Task<Answer> call = method switch
        {
            "DesilDistribution" => Answer.Of(_attacker.Aggregates.DesilDistributionAsync(new DesilDistributionRequest { Unit = "persons", Scope = scope }, options)),
            "Percentiles" => Answer.Of(_attacker.Aggregates.PercentilesAsync(new PercentilesRequest { Variable = "age", Percentiles = { 25, 50, 75 }, Scope = scope }, options)),
            _ => Answer.Of(_attacker.Aggregates.AggregateAsync(Attacker.Request("population", "3201", RegionLevel.Village, ["age_group_5y", "sex"]), options)),
        };
        var entered = await Task.WhenAny(gate.Entered, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(entered == gate.Entered, "the call never reached the server");

        var answer = await call; // the client gives up at its deadline while the server is held
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the server's own deadline (from arrival) passes too
        gate.Release();
        Assert.Equal(StatusCode.DeadlineExceeded, answer.Code);

        // The server stops the call once it can (generous bound) and records it as cut off, with nothing sent.
        AuditRecord? record = null;
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(30) && record is null; await Task.Delay(50))
            record = (await service.AuditRecordsAfterAsync(head)).FirstOrDefault(r => r.Entry.Method == $"/regsosek.v1.AggregateService/{method}");
        Assert.NotNull(record);
        Assert.Equal(AuditDecision.Interrupted, record.Entry.Decision);
        Assert.Equal(AuditRules.DeadlineExceeded, record.Entry.Rule);
        Assert.Equal((int)StatusCode.DeadlineExceeded, record.Entry.StatusCode);
        Assert.Equal(0, record.Entry.Rows);
        Assert.Equal(0, record.Entry.Cells);
        Assert.Single(await service.AuditRecordsAfterAsync(head), r => r.Entry.Method == record.Entry.Method); // no later "OK" record

        Assert.True((await _attacker.AggregateAsync(Attacker.Request("population"))).Ok, "the server goes on serving");
    }
}
