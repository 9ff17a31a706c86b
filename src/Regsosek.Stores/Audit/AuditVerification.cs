namespace Regsosek.Stores.Audit;

/// <summary>What is wrong with the audit chain at a record.</summary>
public enum AuditProblemKind
{
    /// <summary>A field of the record was edited: it no longer matches its hash.</summary>
    Altered,
    /// <summary>One or more records are missing before this sequence number.</summary>
    Deleted,
    /// <summary>A record that was never appended by the log sits in the chain here.</summary>
    Inserted,
    /// <summary>The record was written at another position: records were reordered.</summary>
    Reordered,
    /// <summary>The chain ends before a checkpoint (<see cref="AuditAnchor"/>) recorded earlier: records were deleted from the end.</summary>
    Truncated,
    /// <summary>The record at a checkpoint has another hash than the checkpoint: the chain was recomputed.</summary>
    Rewritten,
}

/// <summary>The first problem found in the chain.</summary>
/// <param name="Sequence">The sequence number where the chain stops being trustworthy.</param>
/// <param name="Kind">What kind of tampering it looks like.</param>
/// <param name="Message">A sentence for the operator: what was found and what was expected.</param>
public sealed record AuditProblem(long Sequence, AuditProblemKind Kind, string Message);

/// <summary>The result of <see cref="IAuditLog.VerifyAsync"/>.</summary>
public sealed record AuditVerification
{
    /// <summary>Records read before the first problem (all of them when intact).</summary>
    public required long RecordsChecked { get; init; }
    /// <summary>The last record's sequence and hash, when the log is not empty.</summary>
    public AuditAnchor? Head { get; init; }
    /// <summary>The first problem; null when the chain is intact.</summary>
    public AuditProblem? Problem { get; init; }
    /// <summary>True when every record is in place and unaltered.</summary>
    public bool IsIntact => Problem is null;

    /// <inheritdoc/>
    public override string ToString() => Problem is { } p
        ? $"audit chain BROKEN at record #{p.Sequence} ({p.Kind}): {p.Message}"
        : $"audit chain intact: {RecordsChecked} records" + (Head is { } h ? $", head #{h.Sequence} {h.Hash}" : "");
}
