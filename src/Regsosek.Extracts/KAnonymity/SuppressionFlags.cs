using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// Local suppression on the class table and the flags it leaves for the release: for every staged record, in the
/// stage's order, its position and how many quasi-identifiers suppression cleared in it.
/// </summary>
internal static class SuppressionFlags
{
    /// <summary>Name of the suppressed class table (original and current keys) in the extract's database.</summary>
    public const string Table = "classes_suppressed";

    /// <summary>
    /// Runs local suppression into <see cref="Table"/> and writes the flags of the <paramref name="staged"/> records
    /// into <paramref name="directory"/>.
    /// </summary>
    /// <returns>The read_parquet expression of the flags, in the stage's order.</returns>
    public static string Write(DuckDBConnection connection, string stage, QuasiIdentifierKey key, int k, long staged,
        string directory, ExtractOptions options, CancellationToken ct)
    {
        var batches = SuppressInBatches(connection, key, new Int64Parameter(k), options.SuppressionBatchCombinations, ct);
        return WriteFlags(connection, stage, key, batches, staged, directory, options.ParquetRowGroupsPerPart, ct);
    }

    /// <summary>
    /// Local suppression over the class table in batches of whole values of the last quasi-identifier, each of about
    /// <paramref name="batchCombinations"/> combinations, appended to <see cref="Table"/>: the same result as one pass
    /// (see <see cref="KAnonymitySql.Suppress"/>), while no statement's windows hold more than one batch of combinations.
    /// </summary>
    private static List<(long Low, long High)> SuppressInBatches(DuckDBConnection connection, QuasiIdentifierKey key, QueryParameter k,
        long batchCombinations, CancellationToken ct)
    {
        var batches = new List<(long Low, long High)>();
        long low = 0, high = 0, combinations = 0;
        bool open = false;
        using (var result = ChunkStream.Open(connection, KAnonymitySql.CombinationsByLastField(ClassTable.Name, key), null, ct))
        {
            while (result.Next())
            {
                int n = result.RowCount;
                var values = result.Column<long>(0);
                var counts = result.Column<long>(1);
                for (int i = 0; i < n; i++)
                {
                    if (open && combinations + counts[i] > batchCombinations)
                    {
                        batches.Add((low, high));
                        open = false;
                    }
                    if (!open)
                    {
                        (low, combinations, open) = (values[i], 0, true);
                    }
                    high = values[i];
                    combinations += counts[i];
                }
            }
        }
        if (open) batches.Add((low, high));
        if (batches.Count == 0) batches.Add((0, 0)); // no records: an empty table of the right shape
        for (int b = 0; b < batches.Count; b++)
            Run(connection, KAnonymitySql.Suppress(ClassTable.Name, key, Table, create: b == 0),
                [k, new Int64Parameter(batches[b].Low), new Int64Parameter(batches[b].High)], ct);
        return batches;
    }

    /// <summary>
    /// Writes the suppression flags, so the release reads them beside the stage by position (POSITIONAL JOIN)
    /// instead of joining the records with every changed combination, a hash table that grows with the extract.
    /// Each batch of <paramref name="batches"/> joins its records with its own changed combinations, sorts them by
    /// position and is written to a Parquet file of its own. The stage is in the dataset's partition order, so the
    /// records of a batch of regencies are one run of positions and the batches follow each other; if they do not
    /// (e.g. the last quasi-identifier is not the regency), one sort by position puts them in order. The release
    /// checks every record's position against the flags' own.
    /// </summary>
    private static string WriteFlags(DuckDBConnection connection, string stage, QuasiIdentifierKey key, List<(long Low, long High)> batches,
        long staged, string directory, int rowGroupsPerPart, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>(batches.Count);
        long appended = 0, previousEnd = -1;
        bool ordered = true;
        foreach (var (low, high) in batches)
        {
            var part = Path.Combine(directory, FileName(files.Count, ".parquet"));
            long rows = Run(connection, $"COPY ({KAnonymitySql.Flags(stage, Table, key, low, high)}) TO {Literal(part)} ({NarrowOptions})", [], ct);
            files.Add(part);
            if (rows > 0 && ordered)
            {
                // Positions are sorted inside the batch; the batches are in order if each starts after the last ended.
                var positions = Counts(connection, $"SELECT min({KAnonymitySql.Position}), max({KAnonymitySql.Position}) FROM {ReadParquet([part])}", 2, ct);
                long first = positions[0], last = positions[1];
                ordered = first > previousEnd;
                previousEnd = last;
            }
            appended += rows;
        }
        if (appended != staged)
            throw new InvalidOperationException($"suppression flags cover {appended} of {staged} staged records; the extract was not completed");
        if (ordered)
            return ReadParquet(files);
        var (_, sorted) = CopyToParts(connection, $"SELECT * FROM {ReadParquet(files)} ORDER BY {KAnonymitySql.Position}", [],
            Path.Combine(directory, "sorted"), NarrowOptions, rowGroupsPerPart, ct);
        foreach (var f in files) File.Delete(f);
        return ReadParquet(sorted);
    }
}
