using System.Security.Cryptography;
using System.Text;

namespace Regsosek.Extracts.Pseudonyms;

/// <summary>Which record id a pseudonym stands for. Each kind has its own tag, so the two never collide.</summary>
public enum IdKind
{
    /// <summary>person_id (individu).</summary>
    Person,
    /// <summary>family_id (keluarga, and the family of a person).</summary>
    Family,
}

/// <summary>
/// The service master key from which every grant's pseudonym key is derived:
/// K_grant = HMAC-SHA256(master key, "regsosek/extract-pseudonym/v1/" + grant id). Nothing per grant is stored;
/// the master key comes from configuration and must stay secret (whoever holds it can reverse every pseudonym).
/// </summary>
public sealed class PseudonymKeyring
{
    /// <summary>Shortest accepted master key, in bytes.</summary>
    public const int MinimumKeyBytes = 32;

    private const string Label = "regsosek/extract-pseudonym/v1/";
    private readonly byte[] _master;

    /// <summary>Creates the keyring over <paramref name="masterKey"/> (at least 32 bytes, copied).</summary>
    /// <exception cref="ArgumentException">The key is shorter than 32 bytes.</exception>
    public PseudonymKeyring(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length < MinimumKeyBytes)
            throw new ArgumentException(
                $"the extract pseudonym master key has {masterKey.Length} bytes; it needs at least {MinimumKeyBytes} random bytes " +
                "(e.g. `openssl rand -base64 32`)", nameof(masterKey));
        _master = masterKey.ToArray();
    }

    /// <summary>
    /// Parses a master key from configuration: base64, or hex prefixed with "hex:".
    /// </summary>
    /// <exception cref="ArgumentException">The text is not base64/hex, or decodes to fewer than 32 bytes.</exception>
    public static PseudonymKeyring FromConfiguration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException(
                "no extract pseudonym master key is configured: set it to at least 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
                nameof(text));
        text = text.Trim();
        byte[] bytes;
        try
        {
            bytes = text.StartsWith("hex:", StringComparison.OrdinalIgnoreCase)
                ? Convert.FromHexString(text.AsSpan(4))
                : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ArgumentException("the extract pseudonym master key must be base64, or hex prefixed with \"hex:\"", nameof(text));
        }
        try
        {
            return new PseudonymKeyring(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>The 256-bit pseudonym key of grant <paramref name="grantId"/>.</summary>
    public byte[] GrantKey(string grantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        return HMACSHA256.HashData(_master, Encoding.UTF8.GetBytes(Label + grantId));
    }

    /// <summary>The pseudonymiser of grant <paramref name="grantId"/>; dispose it when done.</summary>
    public GrantPseudonymizer ForGrant(string grantId)
    {
        var key = GrantKey(grantId);
        try
        {
            return new GrantPseudonymizer(grantId, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
