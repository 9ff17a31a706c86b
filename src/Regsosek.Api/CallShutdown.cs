using Microsoft.Extensions.Hosting;

namespace Regsosek.Api;

/// <summary>
/// How calls end when the service stops (issue 11, class 7; the drain of issue 16). From the moment the host starts
/// stopping, the health service says NOT_SERVING. For <see cref="Drain"/> (0 by default) the service still takes new
/// calls, so that a load balancer has time to see the health and send elsewhere; then new calls are refused with
/// UNAVAILABLE and calls already running get <see cref="Grace"/> to finish. When the grace runs out,
/// <see cref="Aborted"/> fires: each running call stops and is recorded in the audit trail as
/// <c>call.aborted-at-shutdown</c> before the host goes on stopping (its shutdown timeout is set above the drain and
/// the grace, see <see cref="HostShutdownTimeout"/>). <see cref="ShutdownDrain"/> holds the server open during the drain.
/// </summary>
public sealed class CallShutdown : IDisposable
{
    private readonly CancellationTokenSource _refusing = new();
    private readonly CancellationTokenSource _aborted = new();
    private readonly CancellationToken _stopping;
    private int _running;

    /// <summary>Watches <paramref name="lifetime"/>: stopping starts the drain, then the grace period.</summary>
    public CallShutdown(IHostApplicationLifetime lifetime, TimeSpan grace, TimeSpan drain = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(drain, TimeSpan.Zero);
        Grace = grace;
        Drain = drain;
        _stopping = lifetime.ApplicationStopping;
        _stopping.Register(() =>
        {
            if (drain == TimeSpan.Zero) _refusing.Cancel();
            else _refusing.CancelAfter(drain);
            _aborted.CancelAfter(drain + grace);
        });
    }

    /// <summary>How long running calls may go on once new calls are refused.</summary>
    public TimeSpan Grace { get; }

    /// <summary>How long after the host starts stopping new calls are still taken (while the health says NOT_SERVING).</summary>
    public TimeSpan Drain { get; }

    /// <summary>What the host's shutdown timeout must be at least: the drain, the grace, and time to write the records
    /// of the calls it aborts.</summary>
    public static TimeSpan HostShutdownTimeout(TimeSpan grace, TimeSpan drain = default) => drain + grace + TimeSpan.FromSeconds(5);

    /// <summary>True once the drain is over: new calls are refused.</summary>
    public bool IsStopping => _refusing.IsCancellationRequested;

    /// <summary>Fires when the drain is over and new calls are refused.</summary>
    public CancellationToken Refusing => _refusing.Token;

    /// <summary>Fires when the grace period after the drain has run out.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Calls running now.</summary>
    public int Running => Volatile.Read(ref _running);

    internal void Enter() => Interlocked.Increment(ref _running);

    internal void Exit() => Interlocked.Decrement(ref _running);

    public void Dispose()
    {
        _refusing.Dispose();
        _aborted.Dispose();
    }
}

/// <summary>
/// Keeps the server listening through <see cref="CallShutdown.Drain"/> when the host stops: its StoppingAsync runs
/// before any hosted service (Kestrel included) stops, marks the application as stopping (the health service turns
/// NOT_SERVING; on SIGTERM that has happened already) and waits until the drain is over.
/// </summary>
public sealed class ShutdownDrain(IHostApplicationLifetime lifetime, CallShutdown shutdown) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        lifetime.StopApplication();
        if (shutdown.Drain == TimeSpan.Zero) return;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Refusing);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the drain is over (or the host's shutdown timeout ran out)
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
