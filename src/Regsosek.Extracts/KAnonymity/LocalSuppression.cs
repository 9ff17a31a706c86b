using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// Local suppression on the class table (<see cref="KAnonymitySql.Suppress"/>), in batches, into <see cref="Table"/>:
/// for every original combination its current key and how many quasi-identifiers suppression cleared in it. The
/// release joins the records with the changed combinations (<see cref="ReleaseQuery"/>).
/// </summary>
internal static class LocalSuppression
{
    /// <summary>Name of the suppressed class table (original and current keys) in the extract's database.</summary>
    public const string Table = "classes_suppressed";

    /// <summary>Runs local suppression over <see cref="ClassTable.Name"/> into <see cref="Table"/>.</summary>
    public static void Run(DuckDBConnection connection, QuasiIdentifierKey key, int k, ExtractOptions options, CancellationToken ct) =>
        SuppressInBatches(connection, key, new Int64Parameter(k), options.SuppressionBatchCombinations, ct);
    /// <summary>
    /// Local suppression over the class table in batches of whole values of the last quasi-identifier, each of about
    /// <paramref name="batchCombinations"/> combinations, appended to <see cref="Table"/>: the same result as one pass
    /// (see <see cref="KAnonymitySql.Suppress"/>), while no statement's windows hold more than one batch of combinations.
    /// </summary>
    private static void SuppressInBatches(DuckDBConnection connection, QuasiIdentifierKey key, QueryParameter k,
        long batchCombinations, CancellationToken ct)
    {
        var batches = Batches(connection, KAnonymitySql.CombinationsByLastField(ClassTable.Name, key), batchCombinations, ct);
        for (int b = 0; b < batches.Count; b++)
            WorkSql.Run(connection, KAnonymitySql.Suppress(ClassTable.Name, key, Table, create: b == 0),
                [k, new Int64Parameter(batches[b].Low), new Int64Parameter(batches[b].High)], ct);
    }

    /// <summary>
    /// Ranges of the last quasi-identifier's field whose combinations local suppression changed number at most
    /// <paramref name="batchCombinations"/> each (a value with more is a range of its own), in order, covering every
    /// field value of the extract: the release joins the records of one range at a time with that range's changed
    /// combinations, so the join's hash table stays as small as a batch (<see cref="ReleaseQuery"/>).
    /// </summary>
    public static List<(long Low, long High)> ReleaseBatches(DuckDBConnection connection, QuasiIdentifierKey key, long batchCombinations, CancellationToken ct) =>
        Batches(connection, KAnonymitySql.ChangedByLastField(Table, key), batchCombinations, ct);

    /// <summary>
    /// Cuts the (value, count) rows of <paramref name="countsByValue"/>, in value order, into ranges of whole values of
    /// at most <paramref name="limit"/> in count each; one (0, 0) range when there are none.
    /// </summary>
    private static List<(long Low, long High)> Batches(DuckDBConnection connection, string countsByValue, long limit, CancellationToken ct)
    {
        var batches = new List<(long Low, long High)>();
        long low = 0, high = 0, combinations = 0;
        bool open = false;
        using (var result = ChunkStream.Open(connection, countsByValue, null, ct))
        {
            while (result.Next())
            {
                int n = result.RowCount;
                var values = result.Column<long>(0);
                var counts = result.Column<long>(1);
                for (int i = 0; i < n; i++)
                {
                    if (open && combinations + counts[i] > limit)
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
        return batches;
    }
}
