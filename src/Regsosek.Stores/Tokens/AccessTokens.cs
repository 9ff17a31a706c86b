using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Regsosek.Stores.Tokens;

/// <summary>
/// Opaque bearer tokens: "rgs_" followed by the base64url encoding (no padding, 43 characters) of
/// 32 random bytes (256 bits) from the OS's cryptographic generator. Stores keep only
/// SHA-256(UTF-8 bytes of the whole token string), look tokens up by that hash, and compare hashes
/// in constant time.
/// </summary>
public static class AccessTokens
{
    /// <summary>The prefix that marks our opaque tokens (and lets secret scanners find leaked ones).</summary>
    public const string Prefix = "rgs_";

    /// <summary>Random bytes in a token.</summary>
    public const int SecretBytes = 32;

    /// <summary>Characters after the prefix: base64url of 32 bytes without padding.</summary>
    public const int EncodedLength = 43;

    /// <summary>Length of the whole token string.</summary>
    public const int TokenLength = 47;

    /// <summary>A new random token.</summary>
    public static string Generate()
    {
        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        var token = Prefix + Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);
        return token;
    }

    /// <summary>True when <paramref name="token"/> has the exact shape of one of our opaque tokens.</summary>
    public static bool IsWellFormed(string? token)
    {
        if (token is null || token.Length != TokenLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        for (int i = Prefix.Length; i < token.Length; i++)
        {
            char c = token[i];
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_')) return false;
        }
        // 43 characters carry 258 bits: the last character must leave the 2 spare bits zero (canonical form).
        return "AEIMQUYcgkosw048".Contains(token[^1], StringComparison.Ordinal);
    }

    /// <summary>SHA-256 of the token string's UTF-8 bytes: what the stores keep and look up.</summary>
    public static byte[] Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>Constant-time comparison of two token hashes.</summary>
    public static bool HashEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);
}
