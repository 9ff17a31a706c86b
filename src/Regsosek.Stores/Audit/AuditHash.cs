using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Regsosek.Stores.Audit;

/// <summary>One audit_log row with its values exactly as stored (strings not parsed), for hashing and verifying.</summary>
internal sealed record AuditRow
{
    public required long Sequence { get; init; }
    public required long TimeMicros { get; init; }
    public string? GrantId { get; init; }
    public string? Organisation { get; init; }
    public string? Unit { get; init; }
    public required string Method { get; init; }
    public required string Request { get; init; }
    public required string Scope { get; init; }
    public required string Decision { get; init; }
    public string? Rule { get; init; }
    public long Cells { get; init; }
    public long Rows { get; init; }
    public long Bytes { get; init; }
    public string? ExtractSha256 { get; init; }
    public long LatencyMicros { get; init; }
    public long StatusCode { get; init; }
    public string? RequestSha256 { get; init; }
    public string? RequestId { get; init; }
    /// <summary>The hash encoding the record was sealed with: 1 (before audit schema 2) or 2.</summary>
    public int HashVersion { get; init; } = AuditHash.CurrentVersion;
    public required byte[] PrevHash { get; init; }
    public required byte[] Hash { get; init; }
}

/// <summary>
/// The hash of an audit record. Records written since audit schema version 2 use encoding version 2:
/// <code>
/// hash = SHA-256( F("regsosek-audit-v2") ‖ I(seq) ‖ I(time_us) ‖ F(grant_id) ‖ F(organisation) ‖ F(unit)
///               ‖ F(method) ‖ F(request) ‖ F(scope) ‖ F(decision) ‖ F(rule) ‖ I(cells) ‖ I(rows) ‖ I(bytes)
///               ‖ F(extract_sha256) ‖ I(latency_us) ‖ I(status_code) ‖ F(request_sha256) ‖ F(request_id) ‖ F(prev_hash) )
/// </code>
/// (decision is "allowed", "denied" or "interrupted"; request_sha256 is 64 lower-case hex digits). Records written
/// before (hash_version 1) keep encoding version 1 and are verified with it:
/// <code>
/// hash = SHA-256( F("regsosek-audit-v1") ‖ I(seq) ‖ I(time_us) ‖ F(grant_id) ‖ F(organisation) ‖ F(unit)
///               ‖ F(method) ‖ F(request) ‖ F(scope) ‖ F(decision) ‖ F(rule) ‖ I(cells) ‖ I(rows) ‖ I(bytes)
///               ‖ F(extract_sha256) ‖ I(latency_us) ‖ I(status_code) ‖ F(prev_hash) )
/// </code>
/// Every field is length-prefixed, so no field boundary is ambiguous: a NULL field is the single byte
/// 0x00; a present field is 0x01, its length n as 4 bytes big-endian, then its n bytes. Text is UTF-8
/// (scope is the region's digits, "" for national; decision is "allowed" or "denied"); I(x) is the 8-byte
/// big-endian two's-complement integer (time_us: microseconds since the Unix epoch, UTC); prev_hash is
/// the previous record's 32 raw hash bytes, 32 zero bytes for the first record.
/// </summary>
public static class AuditHash
{
    /// <summary>The domain tag that starts the current encoding (bumped when the encoding changes).</summary>
    public const string Version = "regsosek-audit-v2";

    /// <summary>The domain tag of encoding version 1 (records written before audit schema version 2).</summary>
    public const string Version1 = "regsosek-audit-v1";

    /// <summary>The encoding version new records are sealed with.</summary>
    public const int CurrentVersion = 2;

    /// <summary>The prev_hash of the first record: 32 zero bytes.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[32];

    internal static byte[] Compute(AuditRow r) => Compute(r, r.Sequence);

    /// <summary>The hash <paramref name="r"/> would have if it had been written as record <paramref name="sequence"/>.</summary>
    internal static byte[] Compute(AuditRow r, long sequence)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Text(h, r.HashVersion switch
        {
            1 => Version1,
            2 => Version,
            // No genuine record has another version: a tag no writer uses, so the hash never matches (verify reports it).
            var v => $"regsosek-audit-unknown-{v}",
        });
        Int(h, sequence);
        Int(h, r.TimeMicros);
        Text(h, r.GrantId);
        Text(h, r.Organisation);
        Text(h, r.Unit);
        Text(h, r.Method);
        Text(h, r.Request);
        Text(h, r.Scope);
        Text(h, r.Decision);
        Text(h, r.Rule);
        Int(h, r.Cells);
        Int(h, r.Rows);
        Int(h, r.Bytes);
        Text(h, r.ExtractSha256);
        Int(h, r.LatencyMicros);
        Int(h, r.StatusCode);
        if (r.HashVersion >= 2)
        {
            Text(h, r.RequestSha256);
            Text(h, r.RequestId);
        }
        Bytes(h, r.PrevHash);
        return h.GetHashAndReset();
    }

    private static void Text(IncrementalHash h, string? s)
    {
        if (s is null)
        {
            h.AppendData([0]);
            return;
        }
        Bytes(h, Encoding.UTF8.GetBytes(s));
    }

    private static void Int(IncrementalHash h, long v)
    {
        Span<byte> buf = stackalloc byte[13];
        buf[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(buf[1..], 8);
        BinaryPrimitives.WriteInt64BigEndian(buf[5..], v);
        h.AppendData(buf);
    }

    private static void Bytes(IncrementalHash h, ReadOnlySpan<byte> b)
    {
        Span<byte> head = stackalloc byte[5];
        head[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(head[1..], (uint)b.Length);
        h.AppendData(head);
        h.AppendData(b);
    }
}
