using Regsosek.Core;

namespace Regsosek.Stores.Audit;

/// <summary>Whether a call was served.</summary>
public enum AuditDecision
{
    /// <summary>The call was allowed (data may leave once the record is written).</summary>
    Allowed = 1,
    /// <summary>The call was refused; <see cref="AuditEntry.Rule"/> names the rule.</summary>
    Denied = 2,
    /// <summary>
    /// The call was allowed but did not finish: cut off by its deadline, cancelled by the client, or aborted at
    /// shutdown (<see cref="AuditEntry.Rule"/> says which: <see cref="AuditRules.DeadlineExceeded"/>,
    /// <see cref="AuditRules.Cancelled"/>, <see cref="AuditRules.AbortedAtShutdown"/>). <see cref="AuditEntry.Rows"/>,
    /// <see cref="AuditEntry.Cells"/> and <see cref="AuditEntry.Bytes"/> are what was actually sent before it stopped.
    /// A streaming call that had committed (an <see cref="Allowed"/> record with what it was going to send) gets this
    /// second record with the same <see cref="AuditEntry.RequestId"/>; a call cut off before anything left gets only this one.
    /// </summary>
    Interrupted = 3,
}

/// <summary>Rule ids of records written by the call pipeline itself (not by the access policy).</summary>
public static class AuditRules
{
    /// <summary>The call's deadline passed before it finished (gRPC DEADLINE_EXCEEDED, 4).</summary>
    public const string DeadlineExceeded = "call.deadline-exceeded";
    /// <summary>The client cancelled the call or went away (gRPC CANCELLED, 1).</summary>
    public const string Cancelled = "call.cancelled";
    /// <summary>The service shut down before the call finished within the grace period (gRPC UNAVAILABLE, 14).</summary>
    public const string AbortedAtShutdown = "call.aborted-at-shutdown";
    /// <summary>The call failed inside the service (gRPC INTERNAL, 13).</summary>
    public const string Failed = "call.failed";

    /// <summary>The rule and gRPC status code of an interruption.</summary>
    public static (string Rule, int StatusCode) Of(CallInterruption why) => why switch
    {
        CallInterruption.DeadlineExceeded => (DeadlineExceeded, 4),
        CallInterruption.Cancelled => (Cancelled, 1),
        CallInterruption.AbortedAtShutdown => (AbortedAtShutdown, 14),
        CallInterruption.Failed => (Failed, 13),
        _ => throw new ArgumentOutOfRangeException(nameof(why), why, null),
    };
}

/// <summary>Why an allowed call stopped before it finished (<see cref="AuditDecision.Interrupted"/>).</summary>
public enum CallInterruption
{
    /// <summary>Its deadline passed: <see cref="AuditRules.DeadlineExceeded"/>, DEADLINE_EXCEEDED.</summary>
    DeadlineExceeded = 1,
    /// <summary>The client cancelled or went away: <see cref="AuditRules.Cancelled"/>, CANCELLED.</summary>
    Cancelled = 2,
    /// <summary>The service shut down and the grace period ran out: <see cref="AuditRules.AbortedAtShutdown"/>, UNAVAILABLE.</summary>
    AbortedAtShutdown = 3,
    /// <summary>The service failed while sending: <see cref="AuditRules.Failed"/>, INTERNAL.</summary>
    Failed = 4,
}

/// <summary>
/// What the service records about one call, before any data leaves. The log adds the sequence number,
/// the time and the hash chain (<see cref="AuditRecord"/>).
/// </summary>
public sealed record AuditEntry
{
    /// <summary>The caller's grant; null for a public (tier 1, no token) caller.</summary>
    public string? GrantId { get; init; }
    /// <summary>The grant's organisation; null for a public caller.</summary>
    public string? Organisation { get; init; }
    /// <summary>The grant's unit; null for a public caller.</summary>
    public string? Unit { get; init; }
    /// <summary>The gRPC method, e.g. "/regsosek.v1.AggregateService/Aggregate".</summary>
    public required string Method { get; init; }
    /// <summary>
    /// The normalised request as canonical JSON (the caller canonicalises). The log stores at most
    /// <see cref="AuditRequest.MaxStoredBytes"/> UTF-8 bytes of it: a longer request is clipped (see
    /// <see cref="AuditRequest.Clip"/>); <see cref="RequestSha256"/> identifies the whole request.
    /// </summary>
    public required string Request { get; init; }
    /// <summary>
    /// SHA-256 of the whole request as received, 64 hex digits (see <see cref="AuditRequest.From(ReadOnlySpan{byte}, string)"/>).
    /// When null, the log hashes the UTF-8 of <see cref="Request"/> before clipping it. Null in records written before
    /// audit schema version 2.
    /// </summary>
    public string? RequestSha256 { get; init; }
    /// <summary>
    /// The call's request id (1–64 characters of A–Z a–z 0–9 . _ : -), the same in the response and in every record of
    /// the call (<see cref="AuditRequest.NewRequestId"/>). When null, the log assigns one. Null in records written
    /// before audit schema version 2.
    /// </summary>
    public string? RequestId { get; init; }
    /// <summary>The effective scope of the call: the region the answer covers (national for the whole country).</summary>
    public required RegionCode Scope { get; init; }
    /// <summary>Allowed, denied or interrupted.</summary>
    public required AuditDecision Decision { get; init; }
    /// <summary>The rule that decided, e.g. "scope.outside_grant"; required for a denial and an interruption (<see cref="AuditRules"/>).</summary>
    public string? Rule { get; init; }
    /// <summary>Aggregate cells returned.</summary>
    public long Cells { get; init; }
    /// <summary>Records returned (extracts).</summary>
    public long Rows { get; init; }
    /// <summary>Response bytes.</summary>
    public long Bytes { get; init; }
    /// <summary>SHA-256 of an extract file, 64 lower-case hex digits; null when the call produced none.</summary>
    public string? ExtractSha256 { get; init; }
    /// <summary>Time spent serving the call so far (stored in whole microseconds).</summary>
    public TimeSpan Latency { get; init; }
    /// <summary>The gRPC status code of the response (0 = OK, 7 = PERMISSION_DENIED, …).</summary>
    public int StatusCode { get; init; }

    /// <summary>
    /// This call's record as interrupted: decision <see cref="AuditDecision.Interrupted"/>, the rule and status of
    /// <paramref name="why"/>, and what was actually sent (replacing what the entry said would be sent). Keeps the
    /// request, its hash and its request id, so the record pairs with the call's committed record.
    /// </summary>
    public AuditEntry AsInterrupted(CallInterruption why, long cellsSent, long rowsSent, long bytesSent, TimeSpan latency)
    {
        var (rule, status) = AuditRules.Of(why);
        return this with
        {
            Decision = AuditDecision.Interrupted, Rule = rule, StatusCode = status,
            Cells = cellsSent, Rows = rowsSent, Bytes = bytesSent, Latency = latency,
        };
    }
}

/// <summary>A record of the audit trail: an <see cref="AuditEntry"/> sealed into the hash chain.</summary>
public sealed record AuditRecord
{
    /// <summary>1, 2, 3, … without gaps.</summary>
    public required long Sequence { get; init; }
    /// <summary>When the record was written (UTC, whole microseconds).</summary>
    public required DateTimeOffset Time { get; init; }
    /// <summary>The call's details.</summary>
    public required AuditEntry Entry { get; init; }
    /// <summary>The previous record's hash, 64 hex digits (all zeros for the first record).</summary>
    public required string PrevHash { get; init; }
    /// <summary>This record's hash, 64 hex digits (see <see cref="AuditHash"/>).</summary>
    public required string Hash { get; init; }
}
