using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Regsosek.Api.V1;
using Tier = Regsosek.Core.Tier;
using Regsosek.ScaleOut.Cluster;
using Regsosek.Stores.Audit;
using Xunit.Abstractions;

namespace Regsosek.ScaleOut.Tests;

/// <summary>The one cluster of this run: three replicas, PostgreSQL, HAProxy (see <see cref="ScaleOutCluster"/>).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public ScaleOutCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ScaleOutCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

/// <summary>
/// Issue 16: N replicas behind a load balancer answer as one server, keep one audit chain, honour a revocation
/// everywhere, survive a killed replica, drain without failing a call, fail closed while PostgreSQL is down and
/// recover by themselves. Each case leaves the cluster as it found it (three replicas up).
/// </summary>
public sealed class ScaleOutTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const int Callers = 32;
    private ScaleOutCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Every_replica_and_the_balancer_answer_every_call_as_one_server_would()
    {
        var token = Cluster.Regency3201.Token;
        var calls = new (string Name, Func<CallInvoker, Task<IMessage>> Call)[]
        {
            ("regency by district", i => Aggregate(i, token, "3201", RegionLevel.District, "family_count")),
            ("public national by province", i => Aggregate(i, null, "", RegionLevel.Province, "family_count", "electrification")),
            ("desil of the regency", async i => await new AggregateService.AggregateServiceClient(i).DesilDistributionAsync(
                new DesilDistributionRequest { Scope = new Scope { Region = "3201", Breakdown = RegionLevel.District } }, Bearer(token))),
            ("out of scope: PERMISSION_DENIED", i => Aggregate(i, token, "3273", RegionLevel.District, "family_count")),
            ("unknown indicator: INVALID_ARGUMENT", i => Aggregate(i, token, "3201", RegionLevel.District, "no_such_indicator")),
            ("unknown token: UNAUTHENTICATED", i => Aggregate(i, "rgs_" + new string('A', 43), "3201", RegionLevel.District, "family_count")),
            ("who am I", async i => await new CatalogService.CatalogServiceClient(i).WhoAmIAsync(new WhoAmIRequest(), Bearer(token))),
            ("regions of the province", async i => await new CatalogService.CatalogServiceClient(i).ListRegionsAsync(new ListRegionsRequest { Parent = "32" })),
        };
        var targets = Enumerable.Range(0, Cluster.ReplicaCount).Select(Cluster.ReplicaAddress)
            .Concat(Enumerable.Repeat(Cluster.BalancerAddress, 6)) // the balancer several times: each replica answers some
            .ToList();
        foreach (var (name, call) in calls)
        {
            var answers = new List<string>();
            foreach (var target in targets)
            {
                using var channel = ScaleOutCluster.Channel(target);
                answers.Add(await OutcomeAsync(() => call(channel.CreateCallInvoker())));
            }
            output.WriteLine($"{name}: {answers[0][..Math.Min(120, answers[0].Length)]}");
            Assert.All(answers, a => Assert.Equal(answers[0], a));
        }
    }

    [Fact]
    public async Task Thirty_two_callers_spread_over_the_replicas_leave_one_unbroken_audit_chain()
    {
        var head = await HeadAsync();
        var before = AggregateLogLines();
        using var channel = ScaleOutCluster.Channel(Cluster.BalancerAddress);
        var load = await Load.RunForAsync(channel, Load.Mix(Cluster.Regency3201.Token), Callers, TimeSpan.FromSeconds(8));
        output.WriteLine(load.ToString());

        Assert.Empty(load.Failures);
        Assert.True(load.Ok > Callers, $"the load made too few calls to mean anything: {load}");
        var after = AggregateLogLines();
        for (int i = 0; i < Cluster.ReplicaCount; i++)
            Assert.True(after[i] > before[i], $"replica {i + 1} answered none of the calls through the balancer");
        var records = await RecordsAfterAsync(head);
        Assert.Equal(load.Ok, records.Count);
        Assert.Equal(Enumerable.Range(1, records.Count).Select(k => head + k), records.Select(r => r.Sequence));
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task A_grant_revoked_through_one_replica_is_refused_by_every_replica_on_its_next_call()
    {
        var grant = await Cluster.IssueAsync("Pemerintah Kabupaten Bogor", Tier.Disaggregated, "3201");
        for (int i = 0; i < Cluster.ReplicaCount; i++)
        {
            using var channel = ScaleOutCluster.Channel(Cluster.ReplicaAddress(i));
            await WhoAmI(channel.CreateCallInvoker(), grant.Token); // accepted everywhere before
        }

        using (var second = ScaleOutCluster.Channel(Cluster.ReplicaAddress(1)))
            await new AdminService.AdminServiceClient(second).RevokeGrantAsync(
                new RevokeGrantRequest { GrantId = grant.Grant.Id, Reason = "PKS ended (scale-out test)" }, Bearer(Cluster.Operator.Token));

        foreach (var target in Enumerable.Range(0, Cluster.ReplicaCount).Select(Cluster.ReplicaAddress).Append(Cluster.BalancerAddress))
        {
            using var channel = ScaleOutCluster.Channel(target);
            var e = await Assert.ThrowsAsync<RpcException>(() => Aggregate(channel.CreateCallInvoker(), grant.Token, "3201",
                RegionLevel.District, "family_count"));
            Assert.True(e.StatusCode == StatusCode.PermissionDenied && e.Status.Detail.Contains("closed by the data owner", StringComparison.Ordinal),
                $"{target}: {e.StatusCode} {e.Status.Detail}");
        }
    }

    [Fact]
    public async Task A_replica_killed_under_load_fails_at_most_the_calls_in_flight_and_a_retry_succeeds()
    {
        var head = await HeadAsync();
        using var underway = StartLoad(retry: true);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Cluster.KillReplicaAsync(2);
        await Cluster.WaitForBalancerAsync([2], up: false, TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var load = await underway.StopAsync();
        output.WriteLine(load.ToString());
        foreach (var line in Cluster.Logs(int.MaxValue).Split('\n').Where(l => l.Contains("could not be written")).TakeLast(3))
            output.WriteLine(line[..Math.Min(line.Length, 700)]);
        try
        {
            // At most the calls in flight at the kill fail (each caller has one call in flight), with UNAVAILABLE,
            // and the retry of each through the balancer succeeds.
            Assert.InRange(load.Failures.Count, 0, Callers);
            Assert.All(load.Failures, s => Assert.Equal(StatusCode.Unavailable, s));
            Assert.Empty(load.FailedRetries);
            Assert.Equal(load.Failures.Count, load.RetriedOk);
            // No record lost or half-written: every answered call has its record, and the chain verifies.
            var allowed = (await RecordsAfterAsync(head)).Count(r => r.Entry.Decision == AuditDecision.Allowed);
            Assert.True(allowed >= load.Ok + load.RetriedOk, $"{allowed} allowed records for {load.Ok + load.RetriedOk} answered calls");
            await AssertChainVerifiesAsync();
        }
        finally
        {
            await RestoreReplicaAsync(2);
        }
    }

    [Fact]
    public async Task A_replica_drained_with_SIGTERM_finishes_its_calls_and_no_call_fails()
    {
        var head = await HeadAsync();
        using var underway = StartLoad(retry: false);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var replica = Cluster.Replica(1)!;
        replica.Terminate();
        try
        {
            await Cluster.WaitForBalancerAsync([1], up: false, TimeSpan.FromSeconds(15));
            var exit = await replica.WaitForExitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(1));
            var load = await underway.StopAsync();
            output.WriteLine(load.ToString());
            Assert.True(exit is 0 or 143, $"exit code {exit}"); // 143: .NET's exit code after a SIGTERM it handled
            Assert.Empty(load.Failures);
            Assert.Equal(load.Ok, (await RecordsAfterAsync(head)).Count);
            Assert.Contains("Application is shutting down", replica.Output, StringComparison.Ordinal); // an orderly stop
            await AssertChainVerifiesAsync();
        }
        finally
        {
            await underway.StopAsync();
            await RestoreReplicaAsync(1);
        }
    }

    [Fact]
    public async Task While_PostgreSQL_is_down_calls_fail_closed_and_afterwards_the_replicas_recover_by_themselves()
    {
        var head = await HeadAsync();
        using var underway = StartLoad(retry: false);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await Cluster.HaltPostgresAsync();
        try
        {
            // The replicas' health follows the store: the balancer takes them all out.
            await Cluster.WaitForBalancerAsync([0, 1, 2], up: false, TimeSpan.FromSeconds(20));
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await Cluster.RestartPostgresAsync();
        }
        await Cluster.WaitForBalancerAsync([0, 1, 2], up: true, TimeSpan.FromSeconds(30));
        var outage = await underway.StopAsync();
        output.WriteLine("during the outage: " + outage);
        Assert.NotEmpty(outage.Failures);
        Assert.All(outage.Failures, s => Assert.Equal(StatusCode.Unavailable, s));
        // Fail closed: every answered call has its audit record (none answered without one).
        var allowed = (await RecordsAfterAsync(head)).Count(r => r.Entry.Decision == AuditDecision.Allowed);
        Assert.True(allowed >= outage.Ok, $"{allowed} allowed records for {outage.Ok} answered calls");

        using var channel = ScaleOutCluster.Channel(Cluster.BalancerAddress);
        var after = await Load.RunForAsync(channel, Load.Mix(Cluster.Regency3201.Token), Callers, TimeSpan.FromSeconds(4));
        output.WriteLine("after it came back: " + after);
        Assert.Empty(after.Failures);
        Assert.True(after.Ok > 0);
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task Each_replica_reports_its_health_over_grpc_and_the_balancer_follows_it()
    {
        for (int i = 0; i < Cluster.ReplicaCount; i++)
        {
            using var channel = ScaleOutCluster.Channel(Cluster.ReplicaAddress(i));
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        }
        Assert.All(await Cluster.BalancerStatusAsync(), s => Assert.Equal("UP", s));
        // The dataset check: a replica whose dataset is gone says NOT_SERVING, and the balancer takes it out.
        // (The store's and shutdown's part are exercised by the PostgreSQL and drain cases.)
        var manifest = Path.Combine(Cluster.Dataset, "manifest.json");
        var moved = manifest + ".away";
        File.Move(manifest, moved);
        try
        {
            using var channel = ScaleOutCluster.Channel(Cluster.ReplicaAddress(0));
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
            await Cluster.WaitForBalancerAsync([0, 1, 2], up: false, TimeSpan.FromSeconds(15));
        }
        finally
        {
            File.Move(moved, manifest);
        }
        await Cluster.WaitForBalancerAsync([0, 1, 2], up: true, TimeSpan.FromSeconds(15));
    }

    /// <summary>The load of 32 callers through the balancer, running until stopped.</summary>
    private Underway StartLoad(bool retry)
    {
        var channel = ScaleOutCluster.Channel(Cluster.BalancerAddress);
        var stop = new CancellationTokenSource();
        return new Underway(channel, stop, Load.RunAsync(channel, Load.Mix(Cluster.Regency3201.Token), Callers, stop.Token, retry));
    }

    private sealed class Underway(Grpc.Net.Client.GrpcChannel channel, CancellationTokenSource stop, Task<LoadResult> running) : IDisposable
    {
        public Task<LoadResult> StopAsync()
        {
            stop.Cancel();
            return running;
        }

        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
            channel.Dispose();
        }
    }

    /// <summary>Starts replica <paramref name="i"/> again and waits until the balancer has it back.</summary>
    private async Task RestoreReplicaAsync(int i)
    {
        await Cluster.StartReplicaAsync(i);
        await Cluster.WaitForBalancerAsync([i], up: true, TimeSpan.FromSeconds(30));
    }

    private static Metadata Bearer(string? token) => token is null ? [] : new Metadata { { "authorization", "Bearer " + token } };

    private static async Task<IMessage> Aggregate(CallInvoker invoker, string? token, string region, RegionLevel breakdown, params string[] indicators)
    {
        var request = new AggregateRequest { Scope = new Scope { Region = region, Breakdown = breakdown } };
        request.Indicators.AddRange(indicators);
        return await new AggregateService.AggregateServiceClient(invoker).AggregateAsync(request, Bearer(token));
    }

    private static async Task<IMessage> WhoAmI(CallInvoker invoker, string token) =>
        await new CatalogService.CatalogServiceClient(invoker).WhoAmIAsync(new WhoAmIRequest(), Bearer(token));

    /// <summary>"OK" and the reply (its request id blanked: the one field that differs between calls), or the status and detail.</summary>
    private static async Task<string> OutcomeAsync(Func<Task<IMessage>> call)
    {
        try
        {
            var reply = await call();
            if (reply is AggregateResponse { Metadata: { } metadata }) metadata.RequestId = "";
            return "OK " + JsonFormatter.Default.Format(reply);
        }
        catch (RpcException e)
        {
            return $"{e.StatusCode}: {e.Status.Detail}";
        }
    }

    /// <summary>Per replica, how many Aggregate calls its request log shows answered OK.</summary>
    private int[] AggregateLogLines() => Enumerable.Range(0, Cluster.ReplicaCount)
        .Select(i => Cluster.Replica(i)!.Output.Split('\n').Count(l => l.Contains("/regsosek.v1.AggregateService/Aggregate OK", StringComparison.Ordinal)))
        .ToArray();

    private async Task<long> HeadAsync() => (await Cluster.Audit.GetHeadAsync())?.Sequence ?? 0;

    private async Task<List<AuditRecord>> RecordsAfterAsync(long head)
    {
        var records = new List<AuditRecord>();
        await foreach (var r in Cluster.Audit.ReadAsync(AuditQuery.All))
            if (r.Sequence > head) records.Add(r);
        return records;
    }

    /// <summary>The chain verifies, through the store and through the operator's command `regsosek audit verify`.</summary>
    private async Task AssertChainVerifiesAsync()
    {
        var verification = await Cluster.Audit.VerifyAsync();
        Assert.True(verification.IsIntact, verification.ToString());
        var (exit, text) = await ScaleOutCluster.RunCliAsync("audit", "verify", "--postgres", Cluster.Postgres, "--home", Path.Combine(Cluster.Root, "cli"));
        Assert.True(exit == 0, $"audit verify: exit {exit}\n{text}");
    }
}
