using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// Writes the released rows of a tier-3 extract sorted by pseudonym without any sort holding more than about
/// <see cref="ExtractOptions.SortRunRows"/> records, in scans proportional to √runs × records rather than
/// runs × records. The family pseudonyms' 16-bit prefixes are cut into about √runs / 2 contiguous ranges; each
/// range's released rows (pseudonyms and suppression applied, with the sort keys) go to a part table in one scan
/// of the stage; each part is cut again into runs of about SortRunRows records, and each run is sorted and handed
/// to the <see cref="ReleaseWriter"/>. Ranges and runs are in prefix order, so the runs in order are the fully
/// sorted file. No table of the whole sorted extract is built, and no writer holds more than one run. A part table
/// is dropped once written.
/// </summary>
internal static class SortedRelease
{
    /// <summary>Number of family-pseudonym prefixes (16 bits) that sort runs divide between them.</summary>
    public const int PrefixRange = 1 << 16;

    private const string Part = "part";

    /// <summary>The number of sort runs for <paramref name="records"/> records: 1 means one sort of the whole extract.</summary>
    public static int Runs(long records, long runRows) => (int)Math.Clamp(CeilingDivide(records, runRows), 1, PrefixRange);

    /// <summary>Writes the release in about <paramref name="runs"/> sorted runs through <paramref name="writer"/>.</summary>
    /// <returns>Records written.</returns>
    public static long Write(DuckDBConnection connection, ExtractPlan plan, ReleaseSources sources, int runs, long runRows,
        ReleaseWriter writer, CancellationToken ct)
    {
        // A part costs one scan of the staged Parquet files, a run one scan of its part table (about twice as fast per
        // record, measured): half √runs parts balance the two.
        int parts = (int)Math.Ceiling(Math.Sqrt(runs) / 2);
        var order = string.Join(", ", ReleaseQuery.SortKeys(plan));
        var keys = $"{order}, {ReleaseQuery.SortPrefix}";
        long written = 0;
        writer.BeginRuns();
        for (int part = 0; part < parts; part++)
        {
            long low = (long)part * PrefixRange / parts, high = (long)(part + 1) * PrefixRange / parts;
            Run(connection, $"CREATE TABLE {Part} AS {ReleaseQuery.Sql(plan, sources, part: true)}", [new Int64Parameter(low), new Int64Parameter(high)], ct);
            long rows = connection.Scalar<long>($"SELECT count(*) FROM {Part}", null, ct);
            int partRuns = (int)Math.Clamp(CeilingDivide(rows, runRows), 1, high - low);
            for (int r = 0; r < partRuns; r++)
            {
                var select = $"SELECT * EXCLUDE ({keys}) FROM {Part} WHERE {ReleaseQuery.SortPrefix} >= $1 AND {ReleaseQuery.SortPrefix} < $2 ORDER BY {order}";
                QueryParameter[] bounds = [new Int64Parameter(low + r * (high - low) / partRuns), new Int64Parameter(low + (r + 1) * (high - low) / partRuns)];
                written += writer.AppendRun(select, bounds, ct);
            }
            connection.Execute($"DROP TABLE {Part}", ct);
        }
        writer.EndRuns(written, ct);
        return written;
    }
}
