using System.Diagnostics;
using System.Globalization;
using Regsosek.Core;
using Regsosek.ScaleOut.Cluster;
using Regsosek.Stores;
using Regsosek.Stores.Audit;

// Scale-out benchmark (benchmarks/SCALE-OUT.md). Usage:
//   dotnet run -c Release --project benchmarks/Regsosek.ScaleOutBenchmark -- [persons] [seconds per step] [callers]
// Starts the scale-out cluster (3 replicas, HAProxy, PostgreSQL with fsync and synchronous commit on), measures the
// calls per second through the balancer with 3, then 2, then 1 replica (killing one between steps), then the audit
// append rate PostgreSQL sustains with three log instances (as three replicas) appending at once, and verifies the chain.
var persons = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var callers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
var inv = CultureInfo.InvariantCulture;

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
Console.WriteLine($"dataset: {persons:N0} persons in 3 regencies; {callers} callers; {seconds} s per step");
var clock = Stopwatch.StartNew();
await using var cluster = await ScaleOutCluster.StartAsync(new ClusterOptions { Persons = persons, DurablePostgres = true });
Console.WriteLine($"cluster up in {clock.Elapsed.TotalSeconds:0} s");

using (var channel = ScaleOutCluster.Channel(cluster.BalancerAddress))
{
    var mix = Load.Mix(cluster.Regency3201.Token);
    await Load.RunForAsync(channel, mix, callers, TimeSpan.FromSeconds(5)); // warm-up: DuckDB metadata, JIT, connections
    Console.WriteLine("| replicas | calls | calls/s | failed |");
    Console.WriteLine("|---:|---:|---:|---:|");
    for (int replicas = cluster.ReplicaCount; replicas >= 1; replicas--)
    {
        var head = (await cluster.Audit.GetHeadAsync())?.Sequence ?? 0;
        var load = await Load.RunForAsync(channel, mix, callers, TimeSpan.FromSeconds(seconds));
        var after = (await cluster.Audit.GetHeadAsync())?.Sequence ?? 0;
        Console.WriteLine($"| {replicas} | {load.Calls} | {load.PerSecond.ToString("0", inv)} | {load.Failures.Count} |");
        if (after - head < load.Ok) Console.WriteLine($"  WARNING: {after - head} audit records for {load.Ok} answered calls");
        foreach (var example in load.Examples) Console.WriteLine($"  failed, e.g. {example}");
        if (replicas > 1)
        {
            await cluster.KillReplicaAsync(replicas - 1);
            await cluster.WaitForBalancerAsync([replicas - 1], up: false, TimeSpan.FromSeconds(15));
        }
    }
}

// The store alone: three audit log instances (three replicas' worth of group commit) appending as fast as they can.
var settings = new StoreSettings { PostgresConnectionString = cluster.Postgres };
var logs = Enumerable.Range(0, 3).Select(_ => StoreFactory.CreateAuditLog(settings)).ToArray();
try
{
    foreach (var appenders in new[] { 3, 24, 96 })
    {
        var before = (await logs[0].GetHeadAsync())?.Sequence ?? 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long appended = 0, failed = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, appenders).Select(k => Task.Run(async () =>
        {
            var log = logs[k % logs.Length];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await log.AppendAsync(new AuditEntry
                    {
                        Method = "/regsosek.v1.AggregateService/Aggregate", Request = """{"indicators":["family_count"]}""",
                        Scope = RegionCode.Parse("3201"), Decision = AuditDecision.Allowed, Cells = 40, Rows = 40, Bytes = 2048,
                        Latency = TimeSpan.FromMilliseconds(12),
                    });
                    Interlocked.Increment(ref appended);
                }
                catch (AuditUnavailableException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        var elapsed = watch.Elapsed;
        var verifyWatch = Stopwatch.StartNew();
        var verification = await logs[0].VerifyAsync();
        var head = (await logs[0].GetHeadAsync())?.Sequence ?? 0;
        Console.WriteLine($"appends: {appenders} appenders over 3 log instances: {appended} in {elapsed.TotalSeconds:0.0} s = " +
            $"{(appended / elapsed.TotalSeconds).ToString("0", inv)}/s, {failed} failed, head moved {head - before}; " +
            $"chain of {verification.RecordsChecked} records {(verification.IsIntact ? "verified" : "BROKEN: " + verification)} in {verifyWatch.Elapsed.TotalSeconds:0.0} s");
    }
}
finally
{
    foreach (var log in logs) await log.DisposeAsync();
}
