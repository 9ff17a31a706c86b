using System.Buffers.Binary;
using DuckDB.NET.Data;

namespace Regsosek.Extracts.Pseudonyms;

/// <summary>
/// One grant's pseudonyms as DuckDB scalar functions of the extract's connection, so that the release query computes
/// them where it reads the records: <c>regsosek_pseudonym_person(BIGINT) → UUID</c> and
/// <c>regsosek_pseudonym_family(BIGINT) → UUID</c> (NULL for NULL), and the first 64 bits of the family's
/// (<c>regsosek_pseudonym_family_prefix(BIGINT) → UBIGINT</c>, the sort key: DuckDB sorts a 64-bit key about twice as
/// fast as a UUID). The UUID's 16 bytes are the AES block of
/// <see cref="GrantPseudonymizer"/> in order, so its text without dashes is the 32-hex pseudonym, and DuckDB orders
/// UUIDs as that text. DuckDB calls a function with a vector of up to 2,048 ids; they are encrypted in one AES-ECB
/// call into a reused buffer. Calls are serialised (the pseudonymiser is not thread-safe; an extract runs one
/// DuckDB thread by default).
/// </summary>
internal static class PseudonymFunctions
{
    /// <summary>The SQL function of the person pseudonym.</summary>
    public const string Person = "regsosek_pseudonym_person";

    /// <summary>The SQL function of the family pseudonym.</summary>
    public const string Family = "regsosek_pseudonym_family";

    /// <summary>The SQL function of <paramref name="kind"/>'s pseudonym.</summary>
    public static string Of(IdKind kind) => kind == IdKind.Person ? Person : Family;

    /// <summary>The SQL function of the first 64 bits of the family pseudonym (UBIGINT), the sort key.</summary>
    public const string FamilyPrefix = "regsosek_pseudonym_family_prefix";

    /// <summary>
    /// Registers the three functions on <paramref name="connection"/>, over <paramref name="pseudonymizer"/> (which must
    /// outlive their use).
    /// </summary>
    public static void Register(DuckDBConnection connection, GrantPseudonymizer pseudonymizer)
    {
        var gate = new object();
        var ids = new long[Chunk];
        var blocks = new byte[Chunk * GrantPseudonymizer.BlockBytes];
        // Encrypts the ids of one vector, a chunk of at most 2,048 at a time, and hands each valid row's block to write.
        void Encrypt(IdKind kind, DuckDB.NET.Data.DataChunk.Reader.IDuckDBDataReader input, DuckDB.NET.Data.DataChunk.Writer.IDuckDBDataWriter writer,
            ulong rows, Action<ReadOnlySpan<byte>, ulong> write)
        {
            lock (gate)
            {
                for (ulong start = 0; start < rows; start += Chunk)
                {
                    int n = (int)Math.Min(Chunk, rows - start);
                    for (int i = 0; i < n; i++)
                        ids[i] = input.IsValid(start + (ulong)i) ? input.GetValue<long>(start + (ulong)i) : 0;
                    pseudonymizer.Encrypt(kind, ids.AsSpan(0, n), blocks);
                    for (int i = 0; i < n; i++)
                    {
                        ulong row = start + (ulong)i;
                        if (input.IsValid(row))
                            write(blocks.AsSpan(i * GrantPseudonymizer.BlockBytes, GrantPseudonymizer.BlockBytes), row);
                        else
                            writer.WriteNull(row);
                    }
                }
            }
        }
        var options = new ScalarFunctionOptions { IsPureFunction = true, HandlesNulls = true };
        foreach (var kind in new[] { IdKind.Person, IdKind.Family })
        {
            var k = kind;
            connection.RegisterScalarFunction<long, Guid>(Of(kind), (readers, writer, rows) =>
                Encrypt(k, readers[0], writer, rows, (block, row) => writer.WriteValue(new Guid(block, bigEndian: true), row)), options);
        }
        connection.RegisterScalarFunction<long, ulong>(FamilyPrefix, (readers, writer, rows) =>
            Encrypt(IdKind.Family, readers[0], writer, rows, (block, row) => writer.WriteValue(BinaryPrimitives.ReadUInt64BigEndian(block), row)), options);
    }

    /// <summary>DuckDB's vector size: the most ids one call hands over.</summary>
    private const int Chunk = 2048;
}
