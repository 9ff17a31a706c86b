using System.Security.Cryptography;

namespace Regsosek.Stores.Grants;

/// <summary>
/// Grant ids: "g_" and a ULID (48-bit millisecond time, 80 random bits, Crockford base32, 26 characters),
/// so ids sort by issue time and never collide in practice.
/// </summary>
public static class GrantIds
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new id for a grant issued at <paramref name="at"/>.</summary>
    public static string New(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        ulong ms = (ulong)at.ToUnixTimeMilliseconds();
        for (int i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (8 * (5 - i)));
        RandomNumberGenerator.Fill(bytes[6..]);
        UInt128 value = 0;
        foreach (var b in bytes) value = (value << 8) | b;
        Span<char> chars = stackalloc char[28];
        chars[0] = 'g';
        chars[1] = '_';
        for (int i = 27; i >= 2; i--)
        {
            chars[i] = Crockford[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    /// <summary>True when <paramref name="id"/> has the shape of a grant id (for early, precise errors).</summary>
    public static bool IsWellFormed(string? id)
    {
        if (id is null || id.Length != 28 || !id.StartsWith("g_", StringComparison.Ordinal)) return false;
        if (id[2] > '7') return false; // 26 base32 digits hold 130 bits; the first carries only 3
        for (int i = 2; i < id.Length; i++)
            if (Crockford.IndexOf(id[i]) < 0) return false;
        return true;
    }
}
