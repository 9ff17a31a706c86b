using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Regsosek.Extracts.Pseudonyms;

/// <summary>
/// The pseudonyms of one grant: a keyed pseudorandom permutation (AES-256 under the grant key) of one 128-bit
/// block, 8 bytes of a fixed tag naming the id kind followed by the 64-bit id (big-endian), written as 32
/// lower-case hex digits. Deterministic (same id ⇒ same pseudonym in every extract of the grant), different
/// under every other grant's key, and not invertible without the key. Decrypting with the right key gives the
/// tag back (what <see cref="LeakTracer"/> checks); with any other key the tag matches with probability 2^-64.
/// Not thread-safe: one instance per extract.
/// </summary>
public sealed class GrantPseudonymizer : IDisposable
{
    /// <summary>Length of a pseudonym in characters (hex of one 16-byte block).</summary>
    public const int Length = 32;

    /// <summary>Size of a block in bytes.</summary>
    public const int BlockBytes = 16;

    private static readonly ulong PersonTag = BinaryPrimitives.ReadUInt64BigEndian("rsk:pers"u8);
    private static readonly ulong FamilyTag = BinaryPrimitives.ReadUInt64BigEndian("rsk:fam:"u8);

    private readonly Aes _aes;

    internal GrantPseudonymizer(string grantId, byte[] key)
    {
        GrantId = grantId;
        _aes = Aes.Create();
        _aes.Key = key;
    }

    /// <summary>The grant whose key this is.</summary>
    public string GrantId { get; }

    /// <summary>The pseudonym of one id (allocates; use <see cref="Encrypt"/> in bulk).</summary>
    public string Pseudonym(IdKind kind, long id)
    {
        Span<byte> block = stackalloc byte[BlockBytes];
        Span<long> one = [id];
        Encrypt(kind, one, block);
        Span<byte> hex = stackalloc byte[Length];
        WriteHex(block, hex);
        return System.Text.Encoding.ASCII.GetString(hex);
    }

    /// <summary>
    /// Encrypts <paramref name="ids"/> into <paramref name="blocks"/> (16 bytes per id) in one AES-ECB call:
    /// each block is encrypted on its own, which is exactly the per-id permutation wanted here.
    /// </summary>
    public void Encrypt(IdKind kind, ReadOnlySpan<long> ids, Span<byte> blocks)
    {
        if (blocks.Length < ids.Length * BlockBytes)
            throw new ArgumentException($"{ids.Length} ids need {ids.Length * BlockBytes} bytes of blocks", nameof(blocks));
        var tag = TagOf(kind);
        for (int i = 0; i < ids.Length; i++)
        {
            var block = blocks.Slice(i * BlockBytes, BlockBytes);
            BinaryPrimitives.WriteUInt64BigEndian(block, tag);
            BinaryPrimitives.WriteInt64BigEndian(block[8..], ids[i]);
        }
        var span = blocks[..(ids.Length * BlockBytes)];
        _aes.EncryptEcb(span, span, PaddingMode.None);
    }

    /// <summary>
    /// Decrypts a pseudonym (32 hex digits, any case). True, with the kind and id, when it was made under this
    /// grant's key; false for a pseudonym of another grant, random hex, or anything malformed.
    /// </summary>
    public bool TryReveal(ReadOnlySpan<char> pseudonym, out IdKind kind, out long id)
    {
        kind = default;
        id = 0;
        if (pseudonym.Length != Length) return false;
        Span<byte> block = stackalloc byte[BlockBytes];
        if (Convert.FromHexString(pseudonym, block, out _, out int written) != System.Buffers.OperationStatus.Done || written != BlockBytes)
            return false;
        _aes.DecryptEcb(block, block, PaddingMode.None);
        var tag = BinaryPrimitives.ReadUInt64BigEndian(block);
        if (tag == PersonTag) kind = IdKind.Person;
        else if (tag == FamilyTag) kind = IdKind.Family;
        else return false;
        id = BinaryPrimitives.ReadInt64BigEndian(block[8..]);
        return true;
    }

    /// <summary>Writes a 16-byte block as 32 lower-case hex digits (ASCII).</summary>
    public static void WriteHex(ReadOnlySpan<byte> block, Span<byte> hex)
    {
        for (int i = 0; i < BlockBytes; i++)
        {
            hex[2 * i] = Digit(block[i] >> 4);
            hex[2 * i + 1] = Digit(block[i] & 0xF);
        }
    }

    /// <summary>Destroys the key schedule.</summary>
    public void Dispose() => _aes.Dispose();

    private static byte Digit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);

    private static ulong TagOf(IdKind kind) => kind switch
    {
        IdKind.Person => PersonTag,
        IdKind.Family => FamilyTag,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
