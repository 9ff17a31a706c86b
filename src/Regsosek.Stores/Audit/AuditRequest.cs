using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Regsosek.Stores.Audit;

/// <summary>A request as the audit trail stores it: clipped text and the SHA-256 of the whole request.</summary>
/// <param name="Text">The request's JSON, at most <see cref="AuditRequest.MaxStoredBytes"/> UTF-8 bytes.</param>
/// <param name="Sha256">SHA-256 of the whole request, 64 lower-case hex digits.</param>
/// <param name="Length">Length of the whole request in bytes (what was hashed).</param>
/// <param name="Clipped">True when <paramref name="Text"/> is a clipped prefix rather than the whole JSON.</param>
public readonly record struct AuditRequestText(string Text, string Sha256, long Length, bool Clipped);

/// <summary>
/// Builds the request part of an audit record. The trail keeps a request's JSON only up to
/// <see cref="MaxStoredBytes"/> bytes, so that a caller sending megabytes of junk grows the trail by at most that
/// much per call; the SHA-256 of the whole request still identifies it (a copy kept by the caller or a proxy can be
/// matched against it).
/// </summary>
public static class AuditRequest
{
    /// <summary>
    /// The most UTF-8 bytes of a request's JSON the trail stores (4 KiB). Normal requests are far below it
    /// (a large Aggregate request with many filters is under 1 KiB).
    /// </summary>
    public const int MaxStoredBytes = 4096;

    /// <summary>
    /// The request part of a record from the request's bytes as received (for gRPC: the protobuf message bytes,
    /// <c>request.ToByteArray()</c>) and its JSON rendering. Hashes <paramref name="requestBytes"/>, clips <paramref name="json"/>.
    /// </summary>
    public static AuditRequestText From(ReadOnlySpan<byte> requestBytes, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var sha = Convert.ToHexStringLower(SHA256.HashData(requestBytes));
        var (text, clipped) = ClipCore(json, MaxStoredBytes);
        return new AuditRequestText(text, sha, requestBytes.Length, clipped);
    }

    /// <summary>The request part of a record from its JSON alone: hashes the JSON's UTF-8 bytes and clips it.</summary>
    public static AuditRequestText FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = Encoding.UTF8.GetBytes(json);
        return From(bytes, json);
    }

    /// <summary>
    /// <paramref name="text"/> as stored: unchanged when its UTF-8 form fits in <paramref name="maxBytes"/>; otherwise
    /// the longest prefix (never splitting a character) followed by " …[clipped: N bytes]" that fits, N being the
    /// length of the whole text in UTF-8 (as <see cref="Encoding.UTF8"/> encodes it). NUL characters and lone surrogates (which the stores cannot hold) become U+FFFD.
    /// </summary>
    public static string Clip(string text, int maxBytes = MaxStoredBytes) => ClipCore(text, maxBytes).Text;

    /// <summary>A new request id: 32 lower-case hex digits of a version-7 UUID (time-ordered, 74 random bits).</summary>
    public static string NewRequestId() => Guid.CreateVersion7().ToString("N");

    /// <summary>True when <paramref name="id"/> can be stored as a request id: 1–64 characters of A–Z a–z 0–9 . _ : -.</summary>
    public static bool IsValidRequestId(string? id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    private static (string Text, bool Clipped) ClipCore(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        const int markerRoom = 64;
        if (maxBytes < markerRoom) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"keep at least {markerRoom} bytes");
        // Fast path: short and clean (every char at most 3 UTF-8 bytes, so length * 3 bounds the size).
        if (text.Length * 3 <= maxBytes && IsClean(text)) return (text, false);

        long total = 0;    // UTF-8 bytes of the text as stored (NUL and lone surrogates replaced)
        long original = 0; // UTF-8 bytes of the text as Encoding.UTF8 encodes it (the length the marker names)
        int cut = -1;      // chars of the prefix that fits beside the marker
        int budget = maxBytes - markerRoom;
        var sb = new StringBuilder();
        for (int i = 0; i < text.Length;)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int used);
            used = Math.Max(used, 1);
            bool valid = status == System.Buffers.OperationStatus.Done;
            original += valid ? rune.Utf8SequenceLength : 3;
            bool replace = !valid || rune.Value == 0;
            int n = replace ? 3 : rune.Utf8SequenceLength; // U+FFFD is 3 bytes in UTF-8
            if (cut < 0 && total + n > budget) cut = sb.Length;
            total += n;
            if (cut < 0 || total <= maxBytes)
            {
                if (replace) sb.Append('\uFFFD');
                else sb.Append(text, i, used);
            }
            i += used;
        }
        if (total <= maxBytes) return (sb.ToString(), false);
        var marker = string.Create(CultureInfo.InvariantCulture, $" …[clipped: {original} bytes]");
        return (sb.ToString(0, cut) + marker, true);
    }

    private static bool IsClean(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\0') return false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c)) return false;
        }
        return true;
    }
}
