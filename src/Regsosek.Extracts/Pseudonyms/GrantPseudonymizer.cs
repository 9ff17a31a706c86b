using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Regsosek.Extracts.Pseudonyms;

/// <summary>
/// The pseudonyms of one grant. Persons (and, before 2026-12-07, families): a keyed pseudorandom permutation (AES-256
/// under the grant key) of one 128-bit block, 8 bytes of a fixed tag naming the id kind followed by the 64-bit id
/// (big-endian), written as 32 lower-case hex digits (a UUID in Parquet). Families since 2026-12-07: a keyed
/// pseudorandom permutation of 64 bits (<see cref="FamilyPseudonyms"/>), a UBIGINT in the extract. Deterministic (same id
/// ⇒ same pseudonym in every extract of the grant), different under every other grant's key, not invertible without
/// the key, and never shared by two ids (permutations). Decrypting with the right key gives the tag back (what
/// <see cref="LeakTracer"/> checks); with any other key the tag matches with probability 2^-64 (128-bit) or 2^-17
/// (64-bit family pseudonyms: a file is attributed only when many of its values open, see <see cref="LeakTracer"/>).
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

    // ------------------------------------------------------------------ 64-bit family pseudonyms (since 2026-12-07)

    /// <summary>Bits of the family id inside the 64-bit family pseudonym's plaintext: ids must lie in [0, 2^47).</summary>
    public const int FamilyIdBits = 47;

    /// <summary>The first family id the 64-bit family pseudonym cannot hold (2^47).</summary>
    public const long FamilyIdLimit = 1L << FamilyIdBits;

    /// <summary>Rounds of the Feistel network of the 64-bit family pseudonym.</summary>
    public const int FamilyRounds = 4;

    /// <summary>Bits of the fixed tag above the family id (64 − 47): another grant's key reveals it with probability 2^-17.</summary>
    public const int FamilyTagBits = 64 - FamilyIdBits;

    /// <summary>The 17-bit tag in the high bits of the plaintext ("rs" 0x7273 in its low 15 bits, its top bit set).</summary>
    private const ulong Family64Tag = 0x1_7273;

    /// <summary>
    /// The first 11 bytes of every round-function block: a domain of its own, distinct from the 128-bit pseudonyms'
    /// "rsk:pers" and "rsk:fam:" (their first 8 bytes differ), so no round block is ever the plaintext of a released UUID.
    /// </summary>
    private static ReadOnlySpan<byte> RoundDomain => "rsk:fam64/r"u8;

    /// <summary>Ids whose blocks one AES-ECB call encrypts (DuckDB's vector size).</summary>
    private const int Batch = 2048;

    private byte[]? _roundBlocks;
    private uint[]? _left;
    private uint[]? _right;

    /// <summary>
    /// The 64-bit family pseudonyms of <paramref name="familyIds"/> into <paramref name="pseudonyms"/>: a keyed
    /// pseudorandom permutation of 64 bits — a balanced Feistel network of <see cref="FamilyRounds"/> rounds on two 32-bit
    /// halves of (17-bit tag ‖ 47-bit family id), whose round function is the first 4 bytes of AES-256 under the grant key
    /// of (domain ‖ round ‖ half). A permutation, so two families never share a pseudonym; the grant key inverts it
    /// (<see cref="TryRevealFamily"/>). One AES-ECB call per round per 2,048 runs of equal ids (a run enciphered once), into
    /// buffers the instance reuses.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, 2^47): nothing is written (fail closed, never wrap).</exception>
    public void FamilyPseudonyms(ReadOnlySpan<long> familyIds, Span<ulong> pseudonyms)
    {
        if (pseudonyms.Length < familyIds.Length)
            throw new ArgumentException($"{familyIds.Length} ids need {familyIds.Length} pseudonyms", nameof(pseudonyms));
        foreach (var id in familyIds)
            if ((ulong)id >= FamilyIdLimit)
                throw new ArgumentOutOfRangeException(nameof(familyIds), id,
                    $"family id {id} is outside [0, 2^{FamilyIdBits}) = [0, {FamilyIdLimit}): the 64-bit family pseudonym holds 47 bits of id " +
                    "(regency code × 10^10 + sequence); no pseudonym was made");
        // A family's records are stored together, so ids come in runs (about 3.3 persons a family): each run's id is
        // enciphered once. The runs' ids go to the front of the output, then are spread back from the end (a run's
        // place is never before its id's, so nothing is overwritten before it is read).
        int runs = 0;
        for (int i = 0; i < familyIds.Length; i++)
            if (i == 0 || familyIds[i] != familyIds[i - 1])
                pseudonyms[runs++] = (Family64Tag << FamilyIdBits) | (ulong)familyIds[i];
        for (int start = 0; start < runs; start += Batch)
            Feistel(pseudonyms.Slice(start, Math.Min(Batch, runs - start)), decrypt: false);
        for (int i = familyIds.Length - 1, run = runs - 1; i >= 0; i--)
        {
            pseudonyms[i] = pseudonyms[run];
            if (i > 0 && familyIds[i] != familyIds[i - 1]) run--;
        }
    }

    /// <summary>The 64-bit family pseudonym of one id (see <see cref="FamilyPseudonyms"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, 2^47).</exception>
    public ulong FamilyPseudonym(long familyId)
    {
        Span<ulong> one = stackalloc ulong[1];
        FamilyPseudonyms([familyId], one);
        return one[0];
    }

    /// <summary>
    /// Inverts <see cref="FamilyPseudonyms"/> in place: each value becomes its plaintext under this grant's key. A value
    /// is this grant's family pseudonym when the plaintext's top 17 bits are the tag (<see cref="IsFamilyPlaintext"/>).
    /// </summary>
    public void DecryptFamilies(Span<ulong> values)
    {
        for (int start = 0; start < values.Length; start += Batch)
            Feistel(values.Slice(start, Math.Min(Batch, values.Length - start)), decrypt: true);
    }

    /// <summary>
    /// True, with the family id, when <paramref name="plaintext"/> (from <see cref="DecryptFamilies"/>) carries the tag
    /// and a plausible family id (regency code 1101–9999 × 10^10 + sequence); another grant's pseudonym or any other
    /// integer passes with probability below 2^-17.
    /// </summary>
    public static bool IsFamilyPlaintext(ulong plaintext, out long familyId)
    {
        familyId = (long)(plaintext & (FamilyIdLimit - 1));
        long regency = familyId / 10_000_000_000L;
        return plaintext >> FamilyIdBits == Family64Tag && regency is >= 1101 and <= 9999;
    }

    /// <summary>Opens one 64-bit family pseudonym: true, with the id, when this grant's key made it.</summary>
    public bool TryRevealFamily(ulong pseudonym, out long familyId)
    {
        Span<ulong> one = [pseudonym];
        DecryptFamilies(one);
        return IsFamilyPlaintext(one[0], out familyId);
    }

    /// <summary>
    /// Runs the Feistel network over <paramref name="values"/> (at most <see cref="Batch"/>) in place. Encryption: round r
    /// maps (L, R) to (R, L ⊕ F_r(R)); decryption undoes the rounds in reverse, (L, R) to (R ⊕ F_r(L), L).
    /// </summary>
    private void Feistel(Span<ulong> values, bool decrypt)
    {
        _roundBlocks ??= new byte[Batch * BlockBytes];
        _left ??= new uint[Batch];
        _right ??= new uint[Batch];
        int n = values.Length;
        var left = _left.AsSpan(0, n);
        var right = _right.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            left[i] = (uint)(values[i] >> 32);
            right[i] = (uint)values[i];
        }
        var blocks = _roundBlocks.AsSpan(0, n * BlockBytes);
        for (int step = 0; step < FamilyRounds; step++)
        {
            int round = decrypt ? FamilyRounds - 1 - step : step;
            // Encrypting, F takes R; decrypting, F takes L (which holds the R of that round).
            var input = decrypt ? left : right;
            for (int i = 0; i < n; i++)
            {
                var block = blocks.Slice(i * BlockBytes, BlockBytes);
                RoundDomain.CopyTo(block);
                block[11] = (byte)round;
                BinaryPrimitives.WriteUInt32BigEndian(block[12..], input[i]);
            }
            _aes.EncryptEcb(blocks, blocks, PaddingMode.None);
            for (int i = 0; i < n; i++)
            {
                uint f = BinaryPrimitives.ReadUInt32BigEndian(blocks.Slice(i * BlockBytes, 4));
                if (decrypt)
                    (left[i], right[i]) = (right[i] ^ f, left[i]);
                else
                    (left[i], right[i]) = (right[i], left[i] ^ f);
            }
        }
        for (int i = 0; i < n; i++)
            values[i] = ((ulong)left[i] << 32) | right[i];
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
