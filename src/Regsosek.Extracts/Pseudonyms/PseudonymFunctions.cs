using DuckDB.NET.Data;

namespace Regsosek.Extracts.Pseudonyms;

/// <summary>
/// One grant's pseudonyms as DuckDB scalar functions of the extract's connection, so that the release query computes
/// them where it reads the records: <c>regsosek_pseudonym_person(BIGINT) → UUID</c>, the 128-bit person pseudonym (its
/// 16 bytes are the AES block of <see cref="GrantPseudonymizer"/> in order, so its text without dashes is the 32-hex
/// pseudonym), and <c>regsosek_pseudonym_family(BIGINT) → UBIGINT</c>, the 64-bit family pseudonym
/// (<see cref="GrantPseudonymizer.FamilyPseudonyms"/>), which is also the sort key; NULL for NULL. DuckDB calls a
/// function with a vector of up to 2,048 ids; they are encrypted in one AES-ECB call (one per Feistel round for
/// families) into reused buffers. A family id outside [0, 2^47) fails the statement, and with it the extract. Calls are
/// serialised (the pseudonymiser is not thread-safe; an extract runs one DuckDB thread by default).
/// </summary>
internal static class PseudonymFunctions
{
    /// <summary>The SQL function of the person pseudonym (UUID).</summary>
    public const string Person = "regsosek_pseudonym_person";

    /// <summary>The SQL function of the family pseudonym (UBIGINT).</summary>
    public const string Family = "regsosek_pseudonym_family";

    /// <summary>The SQL function of <paramref name="kind"/>'s pseudonym.</summary>
    public static string Of(IdKind kind) => kind == IdKind.Person ? Person : Family;

    /// <summary>
    /// Registers the two functions on <paramref name="connection"/>, over <paramref name="pseudonymizer"/> (which must
    /// outlive their use).
    /// </summary>
    public static void Register(DuckDBConnection connection, GrantPseudonymizer pseudonymizer)
    {
        var gate = new object();
        var ids = new long[Chunk];
        var blocks = new byte[Chunk * GrantPseudonymizer.BlockBytes];
        var families = new ulong[Chunk];
        // Reads the ids of one chunk of at most 2,048 rows (0 for NULL), then writes each valid row or NULL.
        void Each(DuckDB.NET.Data.DataChunk.Reader.IDuckDBDataReader input, DuckDB.NET.Data.DataChunk.Writer.IDuckDBDataWriter writer,
            ulong rows, Action<int> encrypt, Action<int, ulong> write)
        {
            lock (gate)
            {
                for (ulong start = 0; start < rows; start += Chunk)
                {
                    int n = (int)Math.Min(Chunk, rows - start);
                    for (int i = 0; i < n; i++)
                        ids[i] = input.IsValid(start + (ulong)i) ? input.GetValue<long>(start + (ulong)i) : 0;
                    encrypt(n);
                    for (int i = 0; i < n; i++)
                    {
                        ulong row = start + (ulong)i;
                        if (input.IsValid(row)) write(i, row);
                        else writer.WriteNull(row);
                    }
                }
            }
        }
        var options = new ScalarFunctionOptions { IsPureFunction = true, HandlesNulls = true };
        connection.RegisterScalarFunction<long, Guid>(Person, (readers, writer, rows) =>
            Each(readers[0], writer, rows, n => pseudonymizer.Encrypt(IdKind.Person, ids.AsSpan(0, n), blocks),
                (i, row) => writer.WriteValue(new Guid(blocks.AsSpan(i * GrantPseudonymizer.BlockBytes, GrantPseudonymizer.BlockBytes), bigEndian: true), row)), options);
        connection.RegisterScalarFunction<long, ulong>(Family, (readers, writer, rows) =>
            Each(readers[0], writer, rows, n => pseudonymizer.FamilyPseudonyms(ids.AsSpan(0, n), families),
                (i, row) => writer.WriteValue(families[i], row)), options);
    }

    /// <summary>DuckDB's vector size: the most ids one call hands over.</summary>
    private const int Chunk = 2048;
}
