using Regsosek.Schema;
using DuckDB.NET.Data;
using System.Numerics;
using System.Runtime.InteropServices;
using Regsosek.DataAccess;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// Local suppression on the class table (<see cref="SuppressionRounds"/>), in batches, into <see cref="Table"/>:
/// for every original combination its current key and how many quasi-identifiers suppression cleared in it. The
/// release joins the records with the changed combinations (<see cref="ReleaseQuery"/>).
/// </summary>
internal static class LocalSuppression
{
    /// <summary>Name of the suppressed class table (original and current keys) in the extract's database.</summary>
    public const string Table = "classes_suppressed";

    /// <summary>
    /// Local suppression over the class table (<see cref="ClassTable.Name"/>) in batches of whole values of the last
    /// quasi-identifier, each of about <see cref="ExtractOptions.SuppressionBatchCombinations"/> combinations,
    /// appended to <see cref="Table"/>: the same result as one pass, while memory holds one batch of combinations. The
    /// same as one pass because no class ever mixes two values of the last field: before the last round every current
    /// key still holds its original last field, and the last round clears it only in classes whose other fields are
    /// all cleared already, deciding on one value's combinations. Only after the last round do those merge, into the
    /// all-NULL class (current key 0), which <see cref="KAnonymitySql.ReleasedClasses"/> adds up across batches.
    /// </summary>
    public static void Run(DuckDBConnection connection, QuasiIdentifierKey key, int k, ExtractOptions options, CancellationToken ct)
    {
        var batches = Batches(connection, KAnonymitySql.CombinationsByLastField(ClassTable.Name, key), options.SuppressionBatchCombinations, ct);
        Run(connection, key, k, batches, ct);
    }

    /// <summary>Local suppression over the class table in the given batches of the last field's codes ([low, high], covering them all).</summary>
    internal static void Run(DuckDBConnection connection, QuasiIdentifierKey key, long k, IReadOnlyList<(long Low, long High)> batches, CancellationToken ct)
    {
        WorkSql.Run(connection, KAnonymitySql.CreateSuppressed(Table, key), [], ct);
        using var appender = new ChunkAppender(connection, Table);
        if (key.SqlType == "BIGINT") Suppress<long>(connection, key, k, batches, appender, ct);
        else Suppress<Int128>(connection, key, k, batches, appender, ct);
        appender.Close();
    }

    /// <summary>
    /// The batches one after another: each batch's combinations read into memory, the rounds run, the outcome
    /// appended. The lists and the rounds' working memory are reused from batch to batch.
    /// </summary>
    private static void Suppress<TKey>(DuckDBConnection connection, QuasiIdentifierKey key, long k, IReadOnlyList<(long Low, long High)> batches,
        ChunkAppender appender, CancellationToken ct) where TKey : unmanaged, IBinaryInteger<TKey>
    {
        var keys = new List<TKey>();
        var sizes = new List<long>();
        var workspace = new SuppressionRounds.Workspace<TKey>();
        var masks = Enumerable.Range(0, key.Columns.Count).Select(key.FieldMask<TKey>).ToArray();
        foreach (var (low, high) in batches)
        {
            ct.ThrowIfCancellationRequested();
            keys.Clear();
            sizes.Clear();
            SuppressBatch(connection, key, k, low, high, keys, sizes, masks, workspace, appender, ct);
        }
    }

    /// <summary>One batch: its combinations read into <paramref name="keys"/> and <paramref name="sizes"/>, the rounds run, the outcome appended.</summary>
    private static void SuppressBatch<TKey>(DuckDBConnection connection, QuasiIdentifierKey key, long k, long low, long high,
        List<TKey> keys, List<long> sizes, TKey[] masks, SuppressionRounds.Workspace<TKey> workspace, ChunkAppender appender, CancellationToken ct)
        where TKey : unmanaged, IBinaryInteger<TKey>
    {
        using (var result = ChunkStream.Open(connection, KAnonymitySql.Batch(ClassTable.Name, key, low, high), null, ct))
        {
            while (result.Next())
            {
                keys.AddRange(result.Column<TKey>(0));
                sizes.AddRange(result.Column<long>(1));
            }
        }
        var outcome = SuppressionRounds.Run<TKey>(CollectionsMarshal.AsSpan(keys), CollectionsMarshal.AsSpan(sizes), masks, k, workspace);
        for (int start = 0; start < keys.Count; start += Chunks.Capacity)
        {
            int rows = Math.Min(Chunks.Capacity, keys.Count - start);
            CollectionsMarshal.AsSpan(keys).Slice(start, rows).CopyTo(appender.Column<TKey>(0));
            outcome.Current.AsSpan(start, rows).CopyTo(appender.Column<TKey>(1));
            CollectionsMarshal.AsSpan(sizes).Slice(start, rows).CopyTo(appender.Column<long>(2));
            outcome.Suppressed.AsSpan(start, rows).CopyTo(appender.Column<sbyte>(3));
            outcome.ClassSize.AsSpan(start, rows).CopyTo(appender.Column<long>(4));
            outcome.FirstOfClass.AsSpan(start, rows).CopyTo(appender.Column<bool>(5));
            appender.Append(rows);
        }
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
