namespace Regsosek.Stores.Audit;

/// <summary>
/// A decorator for tests of fail-closed behaviour: passes everything to the inner log until
/// <see cref="FailAppends"/> is set, then every append throws <see cref="AuditUnavailableException"/>
/// (as a full disk or an unreachable database would) without writing anything.
/// </summary>
public sealed class FaultInjectingAuditLog(IAuditLog inner) : IAuditLog
{
    private volatile bool _fail;
    private int _refused;

    /// <summary>While true, appends fail.</summary>
    public bool FailAppends
    {
        get => _fail;
        set => _fail = value;
    }

    /// <summary>How many appends were refused so far.</summary>
    public int RefusedAppends => Volatile.Read(ref _refused);

    /// <inheritdoc/>
    public Task<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken ct = default)
    {
        if (!_fail) return inner.AppendAsync(entry, ct);
        Interlocked.Increment(ref _refused);
        return Task.FromException<AuditRecord>(new AuditUnavailableException(
            "could not write the audit record: fault injected by FaultInjectingAuditLog", new IOException("No space left on device (injected)")));
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditRecord> ReadAsync(AuditQuery query, CancellationToken ct = default) => inner.ReadAsync(query, ct);

    /// <inheritdoc/>
    public Task<AuditAnchor?> GetHeadAsync(CancellationToken ct = default) => inner.GetHeadAsync(ct);

    /// <inheritdoc/>
    public Task<AuditVerification> VerifyAsync(AuditAnchor? anchor = null, CancellationToken ct = default) => inner.VerifyAsync(anchor, ct);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
