using System.Buffers.Binary;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts.Pseudonyms;

/// <summary>
/// Streams the staged raw ids, in the stage's stored order, through AES (2,048 rows at a time, one ECB call per
/// kind) into Parquet files aligned with the stage by position: family id and pseudonym and, for persons, person
/// id and pseudonym (NULL for a NULL id), each pseudonym as two UBIGINT halves (<c>_hi</c>, <c>_lo</c>: Parquet
/// has no 128-bit integer), with the first 16 bits of the family pseudonym. The release joins them with
/// POSITIONAL JOIN — no hash table of ids, so memory does not grow with the extract. The ids are read on one
/// connection and appended on a second (a connection holds one streaming result at a time) to a table of at most
/// <see cref="ExtractOptions.PseudonymFileRows"/> rows (rounded up to whole chunks), copied to the next file and
/// dropped; one reused chunk, no allocation per row.
/// </summary>
internal static class PseudonymFiles
{
    private const string Chunk = "pseudonym_chunk";

    /// <summary>Writes the pseudonyms of the <paramref name="staged"/> records of <paramref name="stage"/> into <paramref name="directory"/>.</summary>
    /// <returns>The read_parquet expression of the pseudonyms, in the stage's order.</returns>
    /// <exception cref="InvalidOperationException">The files do not cover every staged record.</exception>
    public static string Write(DuckDBConnection connection, GrantPseudonymizer pseudonymizer,
        bool persons, string stage, long staged, string directory, int fileRows, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var create = persons
            ? $"CREATE TABLE {Chunk} (family_id BIGINT, family_hi UBIGINT, family_lo UBIGINT, prefix INTEGER, id BIGINT, person_hi UBIGINT, person_lo UBIGINT)"
            : $"CREATE TABLE {Chunk} (family_id BIGINT, family_hi UBIGINT, family_lo UBIGINT, prefix INTEGER)";
        var blocks = new byte[Chunks.Capacity * GrantPseudonymizer.BlockBytes];
        var files = new List<string>();
        long written = 0;
        using var writer = DuckDbSettings.Connect(connection);
        var keys = persons
            ? $"{ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn)}, {ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn)}"
            : ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn);
        ChunkAppender? appender = null;
        long chunkRows = 0;
        try
        {
            using var reader = ChunkStream.Open(connection, $"SELECT {keys} FROM {stage}", null, ct);
            while (reader.Next())
            {
                int n = reader.RowCount;
                if (appender is null)
                {
                    writer.Execute(create, ct);
                    appender = new ChunkAppender(writer, Chunk);
                }
                Encode(pseudonymizer, IdKind.Family, reader, 0, appender, 0, n, blocks);
                // The first 16 bits of the family pseudonym (its first 4 hex digits): sort runs are ranges of it.
                var prefix = appender.Column<int>(3);
                for (int i = 0; i < n; i++)
                    prefix[i] = (blocks[i * GrantPseudonymizer.BlockBytes] << 8) | blocks[i * GrantPseudonymizer.BlockBytes + 1];
                if (persons)
                    Encode(pseudonymizer, IdKind.Person, reader, 1, appender, 4, n, blocks);
                appender.Append(n);
                chunkRows += n;
                if (chunkRows >= fileRows)
                {
                    written += Flush(writer, ref appender, directory, files, ct);
                    chunkRows = 0;
                }
            }
            if (appender is null) // no records: one empty file of the right shape
            {
                writer.Execute(create, ct);
                appender = new ChunkAppender(writer, Chunk);
            }
            written += Flush(writer, ref appender, directory, files, ct);
        }
        finally
        {
            appender?.Dispose();
        }
        if (written != staged)
            throw new InvalidOperationException($"pseudonyms cover {written} of {staged} staged records; the extract was not completed");
        return ReadParquet(files);
    }

    /// <summary>Closes the appender, copies the chunk table to the next pseudonym file and drops it.</summary>
    /// <returns>Rows written.</returns>
    private static long Flush(DuckDBConnection writer, ref ChunkAppender? appender, string directory, List<string> files, CancellationToken ct)
    {
        appender!.Close();
        appender = null;
        var file = Path.Combine(directory, FileName(files.Count, ".parquet"));
        long rows = Run(writer, $"COPY {Chunk} TO {Literal(file)} ({NarrowOptions})", [], ct);
        writer.Execute($"DROP TABLE {Chunk}", ct);
        files.Add(file);
        return rows;
    }

    /// <summary>
    /// Copies the <paramref name="n"/> ids of column <paramref name="source"/> of the reader's chunk into column
    /// <paramref name="target"/> of the appender's and writes their pseudonyms, the AES block read big-endian, as two
    /// UBIGINT halves into the two columns after it (NULL stays NULL): fixed bytes instead of a 32-character string,
    /// and the numeric order of (high, low) is the order of the hex text released.
    /// </summary>
    private static void Encode(GrantPseudonymizer pseudonymizer, IdKind kind, ChunkStream reader, int source,
        ChunkAppender appender, int target, int n, byte[] blocks)
    {
        var values = reader.Column<long>(source);
        values.CopyTo(appender.Column<long>(target));
        pseudonymizer.Encrypt(kind, values, blocks);
        var highs = appender.Column<ulong>(target + 1);
        var lows = appender.Column<ulong>(target + 2);
        bool allValid = reader.AllValid(source);
        for (int i = 0; i < n; i++)
        {
            if (!allValid && !reader.IsValid(source, i))
            {
                appender.SetNull(target, i);
                appender.SetNull(target + 1, i);
                appender.SetNull(target + 2, i);
                continue;
            }
            var block = blocks.AsSpan(i * GrantPseudonymizer.BlockBytes, GrantPseudonymizer.BlockBytes);
            highs[i] = BinaryPrimitives.ReadUInt64BigEndian(block);
            lows[i] = BinaryPrimitives.ReadUInt64BigEndian(block[8..]);
        }
    }
}
