using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Regsosek.Grpc.Health;

/// <summary>
/// The serving status of each service, as the host sets it, for grpc.health.v1.Health.
/// The empty name "" is the server as a whole and starts as SERVING. Thread-safe.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly object _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [""] = ServingStatus.Serving };
    private readonly List<Watcher> _watchers = [];

    /// <summary>Sets a service's status (SERVING or NOT_SERVING) and notifies its watchers.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (status is not (ServingStatus.Serving or ServingStatus.NotServing))
            throw new ArgumentException($"Set a service to SERVING or NOT_SERVING, not {status}.", nameof(status));
        lock (_lock)
        {
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND, watchers get SERVICE_UNKNOWN.</summary>
    public void Remove(string service)
    {
        lock (_lock)
        {
            if (_statuses.Remove(service))
                Notify(service, ServingStatus.ServiceUnknown);
        }
    }

    /// <summary>Sets every known service to NOT_SERVING, e.g. when the server starts shutting down.</summary>
    public void SetAllNotServing()
    {
        lock (_lock)
        {
            foreach (var service in _statuses.Keys.ToList())
            {
                _statuses[service] = ServingStatus.NotServing;
                Notify(service, ServingStatus.NotServing);
            }
        }
    }

    /// <summary>The status of a service, or false when it is not registered.</summary>
    public bool TryGetStatus(string service, out ServingStatus status)
    {
        lock (_lock)
            return _statuses.TryGetValue(service, out status);
    }

    /// <summary>
    /// Watches one service: the current status first (SERVICE_UNKNOWN when not registered),
    /// then each change, until the token fires. Only the latest status is kept for a slow
    /// reader, so memory stays bounded.
    /// </summary>
    public async IAsyncEnumerable<ServingStatus> WatchAsync(string service, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        var watcher = new Watcher(service, channel.Writer);
        lock (_lock)
        {
            _watchers.Add(watcher);
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
        }
        try
        {
            ServingStatus? last = null;
            while (true)
            {
                var status = await channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (status == last)
                    continue;
                last = status;
                yield return status;
            }
        }
        finally
        {
            lock (_lock)
                _watchers.Remove(watcher);
        }
    }

    private void Notify(string service, ServingStatus status)
    {
        foreach (var w in _watchers)
            if (w.Service == service)
                w.Writer.TryWrite(status);
    }

    private sealed record Watcher(string Service, ChannelWriter<ServingStatus> Writer);
}
