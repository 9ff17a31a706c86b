using Regsosek.Stores.Storage;

namespace Regsosek.Stores.Audit;

/// <summary>
/// The append-only, hash-chained audit trail. The service appends one record per call, allowed or
/// refused, before any data leaves; if <see cref="AppendAsync"/> throws, the call must fail (fail closed).
/// </summary>
public interface IAuditLog : IAsyncDisposable
{
    /// <summary>
    /// Seals <paramref name="entry"/> into the chain (next sequence number, current time, prev_hash, hash)
    /// and writes it durably. Appends are serialised.
    /// </summary>
    /// <exception cref="AuditUnavailableException">The record could not be written; serve nothing.</exception>
    /// <exception cref="ArgumentException">The entry is malformed (a bug in the caller).</exception>
    Task<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken ct = default);

    /// <summary>The records matching <paramref name="query"/>, in sequence order.</summary>
    IAsyncEnumerable<AuditRecord> ReadAsync(AuditQuery query, CancellationToken ct = default);

    /// <summary>The last record's sequence number and hash (a checkpoint to keep elsewhere); null when empty.</summary>
    Task<AuditAnchor?> GetHeadAsync(CancellationToken ct = default);

    /// <summary>
    /// Walks the whole chain and reports the first altered, deleted, inserted or reordered record.
    /// With <paramref name="anchor"/> (a head recorded earlier) it also detects a truncated or rewritten chain.
    /// </summary>
    Task<AuditVerification> VerifyAsync(AuditAnchor? anchor = null, CancellationToken ct = default);
}

/// <summary>Which records <see cref="IAuditLog.ReadAsync"/> returns; criteria combine with AND.</summary>
public sealed record AuditQuery
{
    /// <summary>Only this grant's records.</summary>
    public string? GrantId { get; init; }
    /// <summary>Only the records of this call (its request id).</summary>
    public string? RequestId { get; init; }
    /// <summary>Records written at or after this time.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>Records written before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Every record.</summary>
    public static AuditQuery All { get; } = new();
}

/// <summary>A point of the chain (sequence number and hash) kept outside the store, to detect truncation or rewriting.</summary>
public sealed record AuditAnchor(long Sequence, string Hash);

/// <summary>The audit record could not be written: the call must be refused and no data may leave.</summary>
public sealed class AuditUnavailableException : StoreUnavailableException
{
    /// <summary>Creates the exception with a user-facing message and the underlying failure.</summary>
    public AuditUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
