using System.Data.Common;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Extracts.Pseudonyms;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// Receives one chunk of the extract file (at most 1 MiB). The memory is only valid until the returned task
/// completes: copy it (e.g. into a protobuf ByteString) before returning.
/// </summary>
public delegate ValueTask ExtractChunkSink(ReadOnlyMemory<byte> chunk, CancellationToken ct);

/// <summary>
/// Runs an <see cref="ExtractPlan"/>: in a per-extract temp directory it opens its own DuckDB database
/// (<see cref="ExtractDatabase"/>); at tier 4 the <see cref="ReleaseWriter"/> of the format writes the file straight
/// from the dataset; at tier 3 it builds the class table and applies local suppression
/// (<see cref="KAnonymity.ClassTable"/>, <see cref="KAnonymity.LocalSuppression"/>), then writes the released rows,
/// pseudonymised in SQL (<see cref="PseudonymFunctions"/>) and sorted by pseudonym, in one statement
/// (<see cref="ReleaseQuery"/>), and makes the k-anonymity report (<see cref="KAnonymity.KAnonymityReporter"/>). The file is then hashed before any byte leaves
/// and read back in chunks of at most 1 MiB handed to the sink (<see cref="ExtractFile"/>). Memory stays flat
/// whatever the extract's size (docs/extracts.md). The directory is deleted on completion, failure and cancellation;
/// cancellation interrupts the running DuckDB query. Thread-safe: each call has its own database.
/// </summary>
public sealed class ExtractRunner
{
    private readonly ExtractOptions _options;
    private readonly PseudonymKeyring _keyring;

    /// <summary>Creates a runner.</summary>
    /// <param name="keyring">The service master key, from configuration (pseudonym keys derive from it).</param>
    /// <param name="options">Temp root, chunk size and DuckDB limits.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (<see cref="ExtractOptions.Validate"/>).</exception>
    public ExtractRunner(PseudonymKeyring keyring, ExtractOptions? options = null)
    {
        _keyring = keyring ?? throw new ArgumentNullException(nameof(keyring));
        _options = options ?? new ExtractOptions();
        _options.Validate();
    }

    /// <summary>
    /// Produces the extract and streams it to <paramref name="sink"/>.
    /// </summary>
    /// <param name="plan">The plan from <see cref="ExtractPlanner"/>.</param>
    /// <param name="sink">Receives the chunks, in order.</param>
    /// <param name="beforeFirstChunk">Optional: called once the file is written and hashed, before any byte leaves,
    /// with the summary it will end with (rows, bytes, SHA-256, report) — where the audit record is written. If it
    /// throws, nothing is sent. The chunks are hashed again while sent and must agree.</param>
    /// <param name="ct">Cancels the extract: interrupts DuckDB, stops streaming, and removes the temp files.</param>
    /// <returns>The summary: rows, bytes, SHA-256 of the concatenated chunks, the k-anonymity report (tier 3).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    /// <exception cref="DbException">DuckDB failed (e.g. a corrupt dataset file).</exception>
    public async Task<ExtractSummary> RunAsync(ExtractPlan plan, ExtractChunkSink sink,
        Func<ExtractSummary, CancellationToken, ValueTask>? beforeFirstChunk = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sink);
        ct.ThrowIfCancellationRequested();
        var directory = Path.Combine(_options.TempRoot, "regsosek-extract-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var file = Path.Combine(directory, "extract" + ReleaseWriter.Extension(plan.Format));
            var (rows, report) = await Task.Run(() => WriteFile(plan, directory, file, ct), ct).ConfigureAwait(false);
            string? preHash = null;
            if (beforeFirstChunk is not null)
            {
                var (bytes, hash) = await ExtractFile.HashAsync(file, ct).ConfigureAwait(false);
                preHash = hash;
                await beforeFirstChunk(Summary(plan, rows, bytes, hash, report), ct).ConfigureAwait(false);
            }
            var (sent, sha) = await ExtractFile.StreamAsync(file, _options.ChunkBytes, sink, ct).ConfigureAwait(false);
            if (preHash is not null && preHash != sha)
                throw new InvalidOperationException("the extract file changed between hashing and sending; the extract was not completed");
            return Summary(plan, rows, sent, sha, report);
        }
        finally
        {
            ExtractFile.DeleteDirectory(directory);
        }
    }

    private static ExtractSummary Summary(ExtractPlan plan, long rows, long bytes, string sha, KAnonymityReport? report) =>
        new(rows, bytes, sha, report, plan.Tier, plan.EffectiveRegion, plan.Format);

    private (long Rows, KAnonymityReport? Report) WriteFile(ExtractPlan plan, string directory, string file, CancellationToken ct)
    {
        using var connection = ExtractDatabase.Open(directory, _options.For(plan));
        using var writer = ReleaseWriter.Create(connection, plan, _options, directory, file);
        if (!plan.DeIdentify)
        {
            // Tier 4: one COPY straight from the dataset. Stored order unless the options give it up.
            SetPreserveOrder(connection, _options.Tier4StoredOrder, ct);
            return (writer.Write(plan.SelectSql, plan.Parameters, ct), null);
        }

        // Tier 3: the class table and local suppression from two narrow scans of the records (quasi-identifiers only),
        // then one statement that reads the records again, joins the changed combinations, pseudonymises the ids (SQL
        // functions over the grant's AES key) and sorts by pseudonym; DuckDB's sort spills under the memory limit.
        SetPreserveOrder(connection, true, ct);
        // Joins build their hash table on the side written second (the changed combinations), never on the records:
        // DuckDB's estimates would otherwise flip some LEFT JOINs into RIGHT JOINs built over the records.
        connection.Execute("SET disabled_optimizers = 'build_side_probe_side'", ct);
        using var pseudonymizer = _keyring.ForGrant(plan.GrantId);
        PseudonymFunctions.Register(connection, pseudonymizer);
        QuasiIdentifierKey? key = null;
        string? released = null;
        if (plan.QuasiIdentifiers.Count > 0)
        {
            key = ClassTable.Create(connection, $"({plan.SelectSql})", plan.Parameters, plan.QuasiIdentifiers, ct);
            if (plan.KAnonymity.LocalSuppression)
            {
                LocalSuppression.Run(connection, key, plan.KAnonymity.K, _options, ct);
                released = LocalSuppression.Table;
            }
        }
        long written = Release(connection, plan, key, released, writer, Path.Combine(directory, "released"), ct);
        return (written, KAnonymityReporter.Report(connection, plan, key, released, written, ct));
    }

    /// <summary>
    /// Writes the released rows sorted by pseudonym. When the changed combinations fit one release batch
    /// (<see cref="ExtractOptions.ReleaseJoinCombinations"/>), in one statement; otherwise the records of each batch
    /// of regencies (last quasi-identifier values) are joined with that batch's changed combinations only and written
    /// unsorted to Parquet files in <paramref name="directory"/>, which one sort then reads: the join's hash table
    /// never holds more than a batch, and DuckDB's sort spills within its limit.
    /// </summary>
    private long Release(DuckDBConnection connection, ExtractPlan plan, QuasiIdentifierKey? key, string? released,
        ReleaseWriter writer, string directory, CancellationToken ct)
    {
        var batches = key is not null && released is not null
            ? LocalSuppression.ReleaseBatches(connection, key, _options.ReleaseJoinCombinations, ct)
            : [];
        if (batches.Count <= 1)
            return writer.Write(ReleaseQuery.Sql(plan, key, released), plan.Parameters, ct);
        var files = new List<string>();
        Directory.CreateDirectory(directory);
        for (int b = 0; b < batches.Count; b++)
        {
            var (_, parts) = CopyToParts(connection, ReleaseQuery.Rows(plan, key, released, batches[b]), plan.Parameters,
                Path.Combine(directory, FileName(b, "")),
                $"{NarrowOptions}, ROW_GROUP_SIZE {_options.ParquetRowGroupSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                _options.ParquetRowGroupsPerPart, ct);
            files.AddRange(parts);
        }
        return writer.Write(ReleaseQuery.Sorted(plan, ReadParquet(files)), [], ct);
    }
}
