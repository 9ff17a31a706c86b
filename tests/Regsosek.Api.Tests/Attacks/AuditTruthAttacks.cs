using Microsoft.Extensions.Configuration;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Host;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 7, from the attacker's side: flood the audit trail with megabytes of junk, make a call's record
/// disagree with the response (no request id, "OK" for a call that was cut off), or have calls vanish from the trail at
/// shutdown. Each attack reads the records back and fails when the trail does not tell the truth.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class AuditTruthAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);

    private long TrailBytes() => Directory.GetFiles(service.Home, "regsosek.db*").Sum(f => new FileInfo(f).Length);

    [Fact]
    public async Task Megabytes_of_junk_from_an_anonymous_caller_grow_the_trail_by_at_most_a_clipped_request_per_call()
    {
        var junkIndicator = Attacker.Request(new string('x', 1_000_000));
        var manyFilters = Attacker.Request("population", "32",
            filters: Enumerable.Range(0, 60_000).Select(i => Attacker.FilterOf("sex", 1, 2, i)));
        var junkGroupBy = Attacker.Request("population", "32", groupBy: Enumerable.Range(0, 40_000).Select(i => "dimension_" + i));
        var multiByte = Attacker.Request(string.Concat(Enumerable.Repeat("ü€😀", 120_000)));
        AggregateRequest[] requests = [junkIndicator, manyFilters, junkGroupBy, multiByte];
        Assert.All(requests, r => Assert.True(r.CalculateSize() > 500_000, "each request carries about a megabyte"));

        var head = await service.AuditHeadAsync();
        var sizeBefore = TrailBytes();
        foreach (var request in requests)
        {
            var answer = await _attacker.AggregateAsync(request);
            Assert.False(answer.Ok, "junk is refused");
        }
        var records = await service.AuditRecordsAfterAsync(head);

        Assert.Equal(requests.Length, records.Count);
        for (int i = 0; i < requests.Length; i++)
        {
            var entry = records[i].Entry;
            Assert.True(Encoding.UTF8.GetByteCount(entry.Request) <= AuditRequest.MaxStoredBytes,
                $"record {i} stores {Encoding.UTF8.GetByteCount(entry.Request)} bytes of request");
            Assert.Contains("clipped", entry.Request);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(requests[i].ToByteArray())), entry.RequestSha256);
            Assert.Null(entry.GrantId);
        }
        var grown = TrailBytes() - sizeBefore;
        Assert.True(grown < requests.Length * 64 * 1024, $"the trail grew by {grown} bytes for {requests.Length} junk calls of ~1 MB each");
        Assert.True((await service.Audit.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_and_its_audit_record_carries_the_same()
    {
        var mine = "attack-" + Guid.NewGuid().ToString("N")[..12];
        var calls = new (string? RequestId, string? Token, Func<CallOptions, AsyncUnaryCall<AggregateResponse>> Call)[]
        {
            (mine, null, o => _attacker.Aggregates.AggregateAsync(Attacker.Request("population", "32"), o)),
            (null, null, o => _attacker.Aggregates.AggregateAsync(Attacker.Request("population", "3201"), o)),       // refused: tier 1
            ("bad id with spaces and far too long " + new string('z', 80), null, o => _attacker.Aggregates.AggregateAsync(Attacker.Request("population"), o)),
            (null, service.Regency3201.Token, o => _attacker.Aggregates.DesilDistributionAsync(new DesilDistributionRequest { Scope = new Scope { Region = "3201" } }, o)),
            (mine + "-2", null, o => _attacker.Aggregates.PercentilesAsync(new PercentilesRequest { Variable = "no_such_variable", Percentiles = { 50 } }, o)),
            (null, "rgs_forged_token", o => _attacker.Aggregates.AggregateAsync(Attacker.Request("population"), o)), // unauthenticated
        };
        var head = await service.AuditHeadAsync();
        var seen = new List<string>();
        foreach (var (requestId, token, call) in calls)
        {
            var headers = Attacker.Auth(token);
            if (requestId is not null) headers.Add("x-request-id", requestId);
            var answer = await Answer.Of(call(new CallOptions(headers, DateTime.UtcNow.AddSeconds(60))));
            var id = answer.Headers?.GetValue("x-request-id");
            Assert.False(string.IsNullOrEmpty(id), $"no x-request-id on {answer}");
            if (requestId is not null && AuditRequest.IsValidRequestId(requestId)) Assert.Equal(requestId, id);
            if (requestId is not null && !AuditRequest.IsValidRequestId(requestId)) Assert.NotEqual(requestId, id);
            if (answer.Ok) Assert.Equal(id, answer.Reply!.Metadata.RequestId);
            seen.Add(id!);
        }
        var records = await service.AuditRecordsAfterAsync(head);
        Assert.Equal(seen, records.Select(r => r.Entry.RequestId));
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task A_call_cut_off_by_a_cancel_is_recorded_as_interrupted_with_what_was_sent()
    {
        // An aggregate held on the server and cancelled: nothing was sent.
        var head = await service.AuditHeadAsync();
        using (var gate = service.Regions.Arm("3201"))
        {
            using var cancel = new CancellationTokenSource();
            var call = Answer.Of(_attacker.Aggregates.AggregateAsync(Attacker.Request("population", "3201", RegionLevel.District),
                Attacker.Options(service.Regency3201.Token, cancel: cancel.Token)));
            Assert.Same(gate.Entered, await Task.WhenAny(gate.Entered, Task.Delay(TimeSpan.FromSeconds(60))));
            await cancel.CancelAsync();
            Assert.Equal(StatusCode.Cancelled, (await call).Code);
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the client's reset reaches the server before the handler goes on
            gate.Release();
            var record = await WaitForRecordAsync(head, "/regsosek.v1.AggregateService/Aggregate");
            Assert.Equal(AuditDecision.Interrupted, record.Entry.Decision);
            Assert.Equal(AuditRules.Cancelled, record.Entry.Rule);
            Assert.Equal(0, record.Entry.Rows);
        }

        // An extract cancelled after its first chunk: recorded as allowed (before the first byte), then as interrupted
        // with the bytes actually sent — at least what the attacker received, less than the whole file.
        head = await service.AuditHeadAsync();
        long received = 0;
        using (var cancel = new CancellationTokenSource())
        {
            using var stream = _attacker.Extracts.Extract(new ExtractRequest
            {
                Table = ExtractTable.Individu, Region = "3201", Format = ExtractFormat.Csv,
            }, Attacker.Options(service.Microdata.Token, cancel: cancel.Token));
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(ExtractChunk.PayloadOneofCase.Data, stream.ResponseStream.Current.PayloadCase);
            received = stream.ResponseStream.Current.Data.Length;
            await cancel.CancelAsync();
            var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await stream.ResponseStream.MoveNext(CancellationToken.None)) { } });
            Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        }
        var interrupted = await WaitForRecordAsync(head, "/regsosek.v1.ExtractService/Extract", AuditDecision.Interrupted);
        var committed = (await service.AuditRecordsAfterAsync(head)).Single(r => r.Entry.Method == interrupted.Entry.Method && r.Entry.Decision == AuditDecision.Allowed);
        Assert.Equal(AuditRules.Cancelled, interrupted.Entry.Rule);
        Assert.Equal(committed.Entry.RequestId, interrupted.Entry.RequestId);
        Assert.InRange(interrupted.Entry.Bytes, received, committed.Entry.Bytes - 1);
    }

    [Fact]
    public async Task A_call_still_running_when_the_grace_runs_out_at_shutdown_is_recorded_as_aborted()
    {
        var regions = new GatedRegionNames(new RegionDirectoryNames(Regsosek.Engine.RegionDirectory.Load(service.Dataset)));
        var app = service.BuildSecondServer(configure: services => services.AddSingleton<IRegionNames>(regions),
            configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Regsosek:Limits:ShutdownGraceSeconds"] = "0.5" }).Build());
        await using (app)
        {
            await app.StartAsync();
            var address = $"127.0.0.1:{app.Services.GetRequiredService<Endpoints>().Grpc!.Port}";
            var client = new AggregateService.AggregateServiceClient(ApiClient.Channel(address));
            var head = await service.AuditHeadAsync();

            using var gate = regions.Arm("3201");
            var call = Answer.Of(client.AggregateAsync(Attacker.Request("population", "3201", RegionLevel.District), Attacker.Options(service.Regency3201.Token)));
            Assert.Same(gate.Entered, await Task.WhenAny(gate.Entered, Task.Delay(TimeSpan.FromSeconds(60))));

            var clock = Stopwatch.StartNew();
            var stopping = app.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // past the 0.5 s grace
            gate.Release();                              // the call goes on, finds its token cancelled
            var stopped = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.True(stopped == stopping, "the server stops within the grace plus its shutdown timeout");
            await stopping;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));

            var answer = await call;
            Assert.False(answer.Ok, $"a call aborted at shutdown returns no data: {answer}");
            var record = (await service.AuditRecordsAfterAsync(head)).Single(r => r.Entry.Method == "/regsosek.v1.AggregateService/Aggregate");
            Assert.Equal(AuditDecision.Interrupted, record.Entry.Decision);
            Assert.Equal(AuditRules.AbortedAtShutdown, record.Entry.Rule);
            Assert.Equal(0, record.Entry.Rows);
            Assert.Equal(service.Regency3201.Grant.Id, record.Entry.GrantId);
        }
        Assert.True((await service.Audit.VerifyAsync()).IsIntact);
    }

    private async Task<AuditRecord> WaitForRecordAsync(long head, string method, AuditDecision? decision = null)
    {
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(50))
        {
            var record = (await service.AuditRecordsAfterAsync(head))
                .FirstOrDefault(r => r.Entry.Method == method && (decision is null || r.Entry.Decision == decision));
            if (record is not null) return record;
        }
        Assert.Fail($"no audit record of {method} after #{head} within 30 s");
        return null!;
    }
}
