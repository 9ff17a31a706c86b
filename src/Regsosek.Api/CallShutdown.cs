using Microsoft.Extensions.Hosting;

namespace Regsosek.Api;

/// <summary>
/// How calls end when the service stops (issue 11, class 7). From the moment the host starts stopping, new calls
/// are refused with UNAVAILABLE (and the health service says NOT_SERVING); calls already running get
/// <see cref="Grace"/> to finish. When the grace runs out, <see cref="Aborted"/> fires: each running call stops
/// and is recorded in the audit trail as <c>call.aborted-at-shutdown</c> before the host goes on stopping
/// (its shutdown timeout is set above the grace, see <see cref="HostShutdownTimeout"/>).
/// </summary>
public sealed class CallShutdown : IDisposable
{
    private readonly CancellationTokenSource _aborted = new();
    private readonly CancellationToken _stopping;
    private int _running;

    /// <summary>Watches <paramref name="lifetime"/>: stopping starts the grace period.</summary>
    public CallShutdown(IHostApplicationLifetime lifetime, TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        Grace = grace;
        _stopping = lifetime.ApplicationStopping;
        _stopping.Register(() => _aborted.CancelAfter(grace));
    }

    /// <summary>How long running calls may go on after the host starts stopping.</summary>
    public TimeSpan Grace { get; }

    /// <summary>What the host's shutdown timeout must be at least: the grace, and time to write the records of the
    /// calls it aborts.</summary>
    public static TimeSpan HostShutdownTimeout(TimeSpan grace) => grace + TimeSpan.FromSeconds(5);

    /// <summary>True once the host has started stopping: new calls are refused.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Fires when the grace period after the start of stopping has run out.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Calls running now.</summary>
    public int Running => Volatile.Read(ref _running);

    internal void Enter() => Interlocked.Increment(ref _running);

    internal void Exit() => Interlocked.Decrement(ref _running);

    public void Dispose() => _aborted.Dispose();
}
