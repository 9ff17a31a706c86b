using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Regsosek.Api.V1;

namespace Regsosek.ScaleOut.Cluster;

/// <summary>A call the load makes: one unary call on <see cref="CallInvoker"/>; throws <see cref="RpcException"/> when it fails.</summary>
public delegate Task LoadCall(CallInvoker invoker, CancellationToken ct);

/// <summary>How a load run went: every call's first outcome, and what the retry of each failed call got.</summary>
public sealed class LoadResult
{
    private readonly ConcurrentQueue<StatusCode> _failures = new();
    private readonly ConcurrentQueue<StatusCode> _failedRetries = new();
    private long _ok;
    private long _retriedOk;

    public long Ok => Interlocked.Read(ref _ok);
    /// <summary>Status of each call that failed the first time.</summary>
    public IReadOnlyCollection<StatusCode> Failures => _failures;
    /// <summary>Failed calls whose one retry succeeded.</summary>
    public long RetriedOk => Interlocked.Read(ref _retriedOk);
    /// <summary>Status of each retry that failed too.</summary>
    public IReadOnlyCollection<StatusCode> FailedRetries => _failedRetries;
    public long Calls => Ok + Failures.Count;
    public TimeSpan Elapsed { get; internal set; }
    /// <summary>Successful first attempts per second.</summary>
    public double PerSecond => Ok / Elapsed.TotalSeconds;

    internal void Succeeded() => Interlocked.Increment(ref _ok);
    internal void Failed(RpcException e)
    {
        _failures.Enqueue(e.StatusCode);
        if (_examples.Count < 10 && !_examples.Any(x => x.StartsWith(e.StatusCode + ":", StringComparison.Ordinal)))
            _examples.Enqueue($"{e.StatusCode}: {e.Status.Detail} {e.Status.DebugException?.Message}");
    }

    private readonly ConcurrentQueue<string> _examples = new();

    /// <summary>One failure of each status, with its detail.</summary>
    public IReadOnlyCollection<string> Examples => _examples;
    internal void RetrySucceeded() => Interlocked.Increment(ref _retriedOk);
    internal void RetryFailed(StatusCode status) => _failedRetries.Enqueue(status);

    public override string ToString() =>
        $"{Calls} calls in {Elapsed.TotalSeconds:0.0} s: {Ok} ok, {Failures.Count} failed " +
        $"({string.Join(", ", Failures.GroupBy(s => s).Select(g => $"{g.Key} x{g.Count()}"))}); retries: {RetriedOk} ok, " +
        $"{FailedRetries.Count} failed ({string.Join(", ", FailedRetries.GroupBy(s => s).Select(g => $"{g.Key} x{g.Count()}"))})" +
        string.Concat(Examples.Select(e => "\n  e.g. " + e));
}

/// <summary>Concurrent callers through one channel, each calling in a loop until told to stop.</summary>
public static class Load
{
    /// <summary>
    /// Runs <paramref name="callers"/> callers, caller k making calls[k % n], then calls[(k+1) % n], ..., until
    /// <paramref name="stop"/> fires. A call that fails is retried once (when <paramref name="retry"/>) after a
    /// short pause, as a client of the balancer would. Each call has a 30 s deadline.
    /// </summary>
    public static async Task<LoadResult> RunAsync(GrpcChannel channel, IReadOnlyList<LoadCall> calls, int callers,
        CancellationToken stop, bool retry = true)
    {
        var result = new LoadResult();
        var invoker = channel.CreateCallInvoker();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(k => Task.Run(async () =>
        {
            for (int n = k; !stop.IsCancellationRequested; n++)
            {
                var call = calls[n % calls.Count];
                var failure = await TryAsync(call, invoker);
                if (failure is null)
                {
                    result.Succeeded();
                    continue;
                }
                result.Failed(failure);
                if (!retry) continue;
                await Task.Delay(200, CancellationToken.None);
                var again = await TryAsync(call, invoker);
                if (again is null) result.RetrySucceeded();
                else result.RetryFailed(again.StatusCode);
            }
        }, CancellationToken.None)));
        result.Elapsed = clock.Elapsed;
        return result;
    }

    /// <summary>Runs for <paramref name="duration"/>.</summary>
    public static async Task<LoadResult> RunForAsync(GrpcChannel channel, IReadOnlyList<LoadCall> calls, int callers, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        return await RunAsync(channel, calls, callers, stop.Token);
    }

    /// <summary>Null when the call succeeded, else its failure.</summary>
    private static async Task<RpcException?> TryAsync(LoadCall call, CallInvoker invoker)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await call(invoker, deadline.Token);
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    /// <summary>The calls of the load: aggregates under a tier-2 regency grant and the public, and a catalogue read.</summary>
    public static IReadOnlyList<LoadCall> Mix(string regencyToken)
    {
        Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
        var byDistrict = new AggregateRequest { Scope = new Scope { Region = "3201", Breakdown = RegionLevel.District } };
        byDistrict.Indicators.Add("family_count");
        var national = new AggregateRequest { Scope = new Scope { Region = "", Breakdown = RegionLevel.Province } };
        national.Indicators.AddRange(["family_count", "safe_drinking_water", "electrification"]);
        return
        [
            async (invoker, ct) => await new AggregateService.AggregateServiceClient(invoker)
                .AggregateAsync(byDistrict, Bearer(regencyToken), cancellationToken: ct),
            async (invoker, ct) => await new AggregateService.AggregateServiceClient(invoker)
                .AggregateAsync(national, cancellationToken: ct),
            async (invoker, ct) => await new CatalogService.CatalogServiceClient(invoker)
                .WhoAmIAsync(new WhoAmIRequest(), Bearer(regencyToken), cancellationToken: ct),
        ];
    }
}
