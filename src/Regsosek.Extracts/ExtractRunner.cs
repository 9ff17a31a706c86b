using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Regsosek.Core;
using System.Data.Common;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts;

/// <summary>
/// Receives one chunk of the extract file (at most 1 MiB). The memory is only valid until the returned task
/// completes: copy it (e.g. into a protobuf ByteString) before returning.
/// </summary>
public delegate ValueTask ExtractChunkSink(ReadOnlyMemory<byte> chunk, CancellationToken ct);

/// <summary>
/// Runs an <see cref="ExtractPlan"/>: in a per-extract temp directory it opens its own DuckDB database, stages
/// the records, pseudonymises ids and applies k-anonymity (tier 3), has DuckDB write the Parquet or CSV file
/// (COPY … TO), then reads the file back in chunks of at most 1 MiB, hashing it with SHA-256 as it goes, and
/// hands each chunk to the sink. Memory stays flat whatever the extract's size: DuckDB runs single-threaded under
/// a small memory limit and spills to the temp directory, the tier-3 stage, pseudonyms and suppression flags are
/// Parquet files read side by side by position (no hash table of ids, no table of the records: DuckDB keeps
/// in-memory bookkeeping for every row group of a table), local suppression and the report work on the table of
/// quasi-identifier combinations rather than the records, the
/// tier-3 sort by pseudonym runs in bounded runs written to files of their own, Parquet is written in parts joined by
/// ParquetConcatenation, and one chunk buffer is reused (docs/extracts.md). The directory is
/// deleted on completion, failure and cancellation;
/// cancellation interrupts the running DuckDB query. Thread-safe: each call has its own database.
/// </summary>
public sealed class ExtractRunner
{
    private const string PseudonymChunk = "pseudonym_chunk";
    private const string Classes = "classes";
    private const string Suppressed = "classes_suppressed";
    private const string Part = "part";
    private const string SortPrefix = "__sort_prefix";

    /// <summary>The sort keys a part table carries: the family pseudonym's halves (keluarga), then the person pseudonym's (persons).</summary>
    private static readonly string[] SortFamily = Halves("__sort_family");
    private static readonly string[] SortPersons = [.. SortFamily, .. Halves("__sort_person")];

    /// <summary>Number of family-pseudonym prefixes (16 bits) that sort runs divide between them.</summary>
    private const int PrefixRange = 1 << 16;

    private readonly ExtractOptions _options;
    private readonly PseudonymKeyring _keyring;

    /// <summary>Creates a runner.</summary>
    /// <param name="keyring">The service master key, from configuration (pseudonym keys derive from it).</param>
    /// <param name="options">Temp root, chunk size and DuckDB limits.</param>
    public ExtractRunner(PseudonymKeyring keyring, ExtractOptions? options = null)
    {
        _keyring = keyring ?? throw new ArgumentNullException(nameof(keyring));
        _options = options ?? new ExtractOptions();
        if (_options.ChunkBytes is < 1 or > ExtractOptions.MaxChunkBytes)
            throw new ArgumentOutOfRangeException(nameof(options), _options.ChunkBytes, $"ChunkBytes must be 1 to {ExtractOptions.MaxChunkBytes}");
        AtLeastOne(_options.ParquetRowGroupSize, nameof(ExtractOptions.ParquetRowGroupSize));
        AtLeastOne(_options.ParquetRowGroupsPerPart, nameof(ExtractOptions.ParquetRowGroupsPerPart));
        AtLeastOne(_options.PseudonymFileRows, nameof(ExtractOptions.PseudonymFileRows));
        AtLeastOne(_options.SortRunRows, nameof(ExtractOptions.SortRunRows));
    }

    private static void AtLeastOne(long value, string option)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException("options", value, $"{option} must be at least 1");
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
            var file = Path.Combine(directory, "extract" + Extension(plan.Format));
            var (rows, report) = await Task.Run(() => WriteFile(plan, directory, file, ct), ct).ConfigureAwait(false);
            string? preHash = null;
            if (beforeFirstChunk is not null)
            {
                var (bytes, hash) = await HashFileAsync(file, ct).ConfigureAwait(false);
                preHash = hash;
                await beforeFirstChunk(Summary(plan, rows, bytes, hash, report), ct).ConfigureAwait(false);
            }
            var (sent, sha) = await StreamFileAsync(file, sink, ct).ConfigureAwait(false);
            if (preHash is not null && preHash != sha)
                throw new InvalidOperationException("the extract file changed between hashing and sending; the extract was not completed");
            return Summary(plan, rows, sent, sha, report);
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    private static ExtractSummary Summary(ExtractPlan plan, long rows, long bytes, string sha, KAnonymityReport? report) =>
        new(rows, bytes, sha, report, plan.Tier, plan.EffectiveRegion, plan.Format);

    private (long Rows, KAnonymityReport? Report) WriteFile(ExtractPlan plan, string directory, string file, CancellationToken ct)
    {
        var spill = Path.Combine(directory, "spill");
        Directory.CreateDirectory(spill);
        using var connection = DuckDbSettings.Open(Path.Combine(directory, "work.duckdb"), DatabaseOptions(spill));
        if (!plan.DeIdentify)
        {
            // Tier 4: one COPY straight from the dataset. Stored order unless the options give it up.
            SetPreserveOrder(connection, _options.Tier4StoredOrder, ct);
            var rows = Copy(connection, plan, plan.SelectSql, plan.Parameters, directory, file, ct);
            return (rows, null);
        }

        // The file is sorted by pseudonym, but the stage keeps the dataset's partition order: the records of a regency
        // are then one run of positions, which lets the suppression flags be built a batch of regencies at a time
        // (BuildFlags). From here on every scan sees the stage in its stored order: the pseudonym and flag files are
        // aligned with it by position. The stage, pseudonyms and flags are Parquet files, not tables: DuckDB keeps
        // bookkeeping for every row group and column segment of a table in memory, outside its limit, which grew
        // with the extract (~1.2 bytes a record); a Parquet scan holds the metadata of one file at a time.
        SetPreserveOrder(connection, true, ct);
        var (staged, stageFiles) = CopyToParts(connection,
            $"SELECT *, row_number() OVER () - 1 AS {KAnonymitySql.Position} FROM ({plan.SelectSql})", plan.Parameters,
            Path.Combine(directory, "stage"), StageOptions, _options.ParquetRowGroupsPerPart, ct);
        var stage = ReadParquet(stageFiles);
        // Joins build their hash table on the side written second (a batch's changed combinations), never on the
        // records: DuckDB's estimates would otherwise flip some LEFT JOINs into RIGHT JOINs built over the records.
        connection.Execute("SET disabled_optimizers = 'build_side_probe_side'", ct);
        string pseudonyms;
        using (var pseudonymizer = _keyring.ForGrant(plan.GrantId))
            pseudonyms = BuildPseudonyms(connection, pseudonymizer, plan.Persons, stage, staged, Path.Combine(directory, "pseudonyms"), ct);

        var options = plan.KAnonymity;
        var k = new Int64Parameter(options.K);
        QuasiIdentifierKey? key = null;
        string? released = null, flags = null;
        if (plan.QuasiIdentifiers.Count > 0)
        {
            key = PackedKey(connection, stage, plan.QuasiIdentifiers, ct);
            Run(connection, KAnonymitySql.Classes(stage, key, Classes), [], ct);
            if (options.LocalSuppression)
            {
                var batches = SuppressInBatches(connection, key, k, ct);
                flags = BuildFlags(connection, stage, key, batches, staged, Path.Combine(directory, "flags"), ct);
                released = Suppressed;
            }
        }
        var sources = new ReleaseSources(stage, pseudonyms, flags);
        long written;
        int runs = (int)Math.Clamp(CeilingDivide(staged, _options.SortRunRows), 1, PrefixRange);
        if (runs == 1)
            written = Copy(connection, plan, ReleaseSql(plan, sources, part: false), [], directory, file, ct);
        else
            written = SortInRuns(connection, plan, sources, runs, directory, file, ct);
        var report = Report(connection, plan, key, released, written, ct);
        return (written, report);
    }

    /// <summary>
    /// Local suppression over the class table in batches of whole values of the last quasi-identifier, each of about
    /// <see cref="ExtractOptions.SuppressionBatchCombinations"/> combinations, appended to <see cref="Suppressed"/>:
    /// the same result as one pass (see <see cref="KAnonymitySql.Suppress"/>), while no statement's windows hold more
    /// than one batch of combinations.
    /// </summary>
    private List<(long Low, long High)> SuppressInBatches(DuckDBConnection connection, QuasiIdentifierKey key, QueryParameter k, CancellationToken ct)
    {
        var batches = new List<(long Low, long High)>();
        long low = 0, high = 0, combinations = 0;
        bool open = false;
        using (var result = ChunkStream.Open(connection, KAnonymitySql.CombinationsByLastField(Classes, key), null, ct))
        {
            while (result.Next())
            {
                int n = result.RowCount;
                var values = result.Column<long>(0);
                var counts = result.Column<long>(1);
                for (int i = 0; i < n; i++)
                {
                    if (open && combinations + counts[i] > _options.SuppressionBatchCombinations)
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
            Run(connection, KAnonymitySql.Suppress(Classes, key, Suppressed, create: b == 0),
                [k, new Int64Parameter(batches[b].Low), new Int64Parameter(batches[b].High)], ct);
        return batches;
    }

    /// <summary>
    /// Writes the suppression flags: for every staged record, in the stage's order, its position and how many
    /// quasi-identifiers suppression cleared in it, so the release reads them beside the stage by position
    /// (POSITIONAL JOIN) instead of joining the records with every changed combination, a hash table that grows with
    /// the extract. Each batch of <paramref name="batches"/> joins its records with its own changed combinations,
    /// sorts them by position and is written to a Parquet file of its own. The stage is in the dataset's partition
    /// order, so the records of a batch of regencies are one run of positions and the batches follow each other; if
    /// they do not (e.g. the last quasi-identifier is not the regency), one sort by position puts them in order. The
    /// release checks every record's position against the flags' own.
    /// </summary>
    /// <returns>The read_parquet expression of the flags, in the stage's order.</returns>
    private string BuildFlags(DuckDBConnection connection, string stage, QuasiIdentifierKey key, List<(long Low, long High)> batches,
        long staged, string directory, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>(batches.Count);
        long appended = 0, previousEnd = -1;
        bool ordered = true;
        foreach (var (low, high) in batches)
        {
            var part = Path.Combine(directory, FileName(files.Count, ".parquet"));
            long rows = Run(connection, $"COPY ({KAnonymitySql.Flags(stage, Suppressed, key, low, high)}) TO {Literal(part)} ({NarrowOptions})", [], ct);
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
            Path.Combine(directory, "sorted"), NarrowOptions, _options.ParquetRowGroupsPerPart, ct);
        foreach (var f in files) File.Delete(f);
        return ReadParquet(sorted);
    }

    /// <summary>The packed key of the staged quasi-identifiers, over their value ranges in the stage.</summary>
    private static QuasiIdentifierKey PackedKey(DuckDBConnection connection, string stage, IReadOnlyList<string> qis, CancellationToken ct)
    {
        var ranges = new (long? Min, long? Max)[qis.Count];
        using var result = ChunkStream.Open(connection, QuasiIdentifierKey.RangesSql(stage, qis), null, ct);
        while (result.Next())
        {
            if (result.RowCount == 0) continue;
            for (int i = 0; i < qis.Count; i++)
                ranges[i] = (result.IsValid(2 * i, 0) ? result.Column<long>(2 * i)[0] : null, result.IsValid(2 * i + 1, 0) ? result.Column<long>(2 * i + 1)[0] : null);
        }
        return QuasiIdentifierKey.Create(qis, ranges);
    }

    /// <summary>The extract database's settings: memory limit, threads, spill directory and allocator behaviour.</summary>
    private DuckDbSettings DatabaseOptions(string spill)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["allocator_background_threads"] = _options.AllocatorBackgroundThreads ? "true" : "false",
            ["enable_external_file_cache"] = _options.ExternalFileCache ? "true" : "false",
        };
        if (_options.AllocatorFlushThreshold is { } flush)
        {
            settings["allocator_flush_threshold"] = flush;
            settings["allocator_bulk_deallocation_flush_threshold"] = flush;
        }
        return new DuckDbSettings
        {
            Threads = _options.Threads,
            MemoryLimit = _options.MemoryLimit,
            TempDirectory = spill,
            Settings = settings,
        };
    }

    /// <summary>
    /// Writes the released rows sorted by pseudonym to <paramref name="file"/> without any sort holding more than
    /// about <see cref="ExtractOptions.SortRunRows"/> records, in scans proportional to √runs × records rather than
    /// runs × records. The family pseudonyms' 16-bit prefixes are cut into about √runs / 2 contiguous ranges; each
    /// range's released rows (pseudonyms and suppression applied, with the sort keys) go to a part table in one scan
    /// of the stage; each part is cut again into runs of about SortRunRows records, and each run is sorted and
    /// written by DuckDB to a file of its own (CSV: the header in the first only). Ranges and runs are in prefix
    /// order, so the runs' files joined in order are the fully sorted file: CSV files byte by byte, Parquet files
    /// by <see cref="ParquetConcatenation"/>. No table of the whole sorted extract is built, and no writer holds
    /// more than one run. A part table is dropped once written, a run's file once joined.
    /// </summary>
    /// <returns>Records written.</returns>
    private long SortInRuns(DuckDBConnection connection, ExtractPlan plan, ReleaseSources sources, int runs,
        string directory, string file, CancellationToken ct)
    {
        // A part costs one scan of the staged Parquet files, a run one scan of its part table (about twice as fast per
        // record, measured): half √runs parts balance the two.
        int parts = (int)Math.Ceiling(Math.Sqrt(runs) / 2);
        var order = string.Join(", ", plan.Persons ? SortPersons : SortFamily);
        var keys = $"{order}, {SortPrefix}";
        var runDirectory = Path.Combine(directory, "runs");
        Directory.CreateDirectory(runDirectory);
        var files = new List<string>();
        long written = 0;
        using var arrowFile = plan.Format == ExtractFormat.ArrowStream ? new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16) : null;
        using var arrow = arrowFile is null ? null : new ArrowIpcWriter(arrowFile, ArrowMetadata(plan));
        for (int part = 0; part < parts; part++)
        {
            long low = (long)part * PrefixRange / parts, high = (long)(part + 1) * PrefixRange / parts;
            Run(connection, $"CREATE TABLE {Part} AS {ReleaseSql(plan, sources, part: true)}", [new Int64Parameter(low), new Int64Parameter(high)], ct);
            long rows = connection.Scalar<long>($"SELECT count(*) FROM {Part}", null, ct);
            int partRuns = (int)Math.Clamp(CeilingDivide(rows, _options.SortRunRows), 1, high - low);
            for (int r = 0; r < partRuns; r++)
            {
                var select = $"SELECT * EXCLUDE ({keys}) FROM {Part} WHERE {SortPrefix} >= $1 AND {SortPrefix} < $2 ORDER BY {order}";
                QueryParameter[] bounds = [new Int64Parameter(low + r * (high - low) / partRuns), new Int64Parameter(low + (r + 1) * (high - low) / partRuns)];
                if (arrow is not null)
                {
                    // The runs' record batches follow each other in the one stream: nothing to join afterwards.
                    written += arrow.Append(connection, select, bounds, ct);
                    continue;
                }
                var run = Path.Combine(runDirectory, FileName(files.Count, Extension(plan.Format)));
                written += Run(connection, $"COPY ({select}) TO {Literal(run)} ({CopyOptions(plan, header: files.Count == 0)})", bounds, ct);
                files.Add(run);
            }
            connection.Execute($"DROP TABLE {Part}", ct);
        }
        if (arrow is not null)
            arrow.Finish();
        else if (plan.Format == ExtractFormat.Csv)
            JoinFiles(files, file, ct);
        else
            JoinParquet(files, file, directory, written, ct);
        Directory.Delete(runDirectory, recursive: true);
        return written;
    }

    /// <summary>Joins Parquet <paramref name="files"/> into <paramref name="output"/>, which must then hold <paramref name="rows"/> rows.</summary>
    private static void JoinParquet(List<string> files, string output, string directory, long rows, CancellationToken ct)
    {
        long joined = ParquetConcatenation.Concatenate(files, output, Path.Combine(directory, "row-groups.scratch"), ct);
        if (joined != rows)
            throw new InvalidOperationException($"the joined Parquet file has {joined} rows, DuckDB wrote {rows}; the extract was not completed");
    }

    /// <summary>Appends <paramref name="files"/> to <paramref name="output"/> byte for byte, deleting each once copied.</summary>
    private static void JoinFiles(List<string> files, string output, CancellationToken ct)
    {
        using var target = new FileStream(output, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        foreach (var run in files)
        {
            ct.ThrowIfCancellationRequested();
            using (var source = new FileStream(run, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                source.CopyTo(target, 1 << 20);
            File.Delete(run);
        }
    }

    private static void SetPreserveOrder(DuckDBConnection connection, bool preserve, CancellationToken ct) =>
        connection.Execute($"SET preserve_insertion_order = {(preserve ? "true" : "false")}", ct);

    /// <summary>
    /// Where the release reads from, each a read_parquet expression over files aligned by position: the staged
    /// records (with their position), their pseudonyms, and the suppression flags (null when suppression did not run).
    /// </summary>
    private sealed record ReleaseSources(string Stage, string Pseudonyms, string? Flags);

    /// <summary>
    /// The released rows: data columns as staged (the first <see cref="KAnonymitySql.Suppressed"/> quasi-identifiers
    /// NULL where local suppression changed the record's combination, from the position-aligned flags), ids as
    /// pseudonyms from the position-aligned pseudonym files, ordered by pseudonym (so row order says nothing about the
    /// source order, e.g. villages). A misaligned pseudonym or flag row fails the statement and is never written. With
    /// <paramref name="part"/>, unsorted and only the records whose family-pseudonym prefix is in [$1, $2), with the
    /// sort keys as extra columns (see <see cref="SortInRuns"/>).
    /// </summary>
    private static string ReleaseSql(ExtractPlan plan, ReleaseSources sources, bool part)
    {
        var family = ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn);
        var person = ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn);
        var qis = plan.QuasiIdentifiers;
        bool flagged = sources.Flags is not null;
        var select = plan.Columns.Select(c =>
        {
            var name = ExtractPlanner.Quote(c.Name);
            if (c.Kind == OutputKind.Pseudonym)
                return c.IdKind == IdKind.Person
                    ? $"CASE WHEN p.id = r.{person} THEN {Hex("p.person")} ELSE error('pseudonym files misaligned') END AS {name}"
                    : $"CASE WHEN p.family_id = r.{family} THEN {Hex("p.family")} ELSE error('pseudonym files misaligned') END AS {name}";
            int qi = IndexOf(qis, c.Name);
            return flagged && qi >= 0
                ? $"CASE WHEN f.{KAnonymitySql.Position} IS DISTINCT FROM r.{KAnonymitySql.Position} THEN error('suppression flags misaligned') " +
                  $"WHEN f.{KAnonymitySql.Suppressed} > {qi.ToString(System.Globalization.CultureInfo.InvariantCulture)} THEN NULL ELSE r.{name} END AS {name}"
                : $"r.{name}";
        }).ToList();
        if (select.Count == 0) select.Add("NULL AS \"__empty\"");
        var sortKeys = plan.Persons ? [.. Halves("p.family"), .. Halves("p.person")] : Halves("p.family");
        if (part)
        {
            var names = plan.Persons ? SortPersons : SortFamily;
            for (int i = 0; i < names.Length; i++) select.Add($"{sortKeys[i]} AS {names[i]}");
            select.Add($"p.prefix AS {SortPrefix}");
        }
        var sql = new StringBuilder($"SELECT {string.Join(", ", select)} FROM {sources.Stage} AS r POSITIONAL JOIN {sources.Pseudonyms} AS p ");
        if (flagged)
            sql.Append($"POSITIONAL JOIN {sources.Flags} AS f ");
        sql.Append($"WHERE r.{family} IS NOT NULL");
        if (plan.Persons) sql.Append($" AND r.{person} IS NOT NULL");
        if (part) sql.Append(" AND p.prefix >= $1 AND p.prefix < $2");
        else sql.Append(" ORDER BY ").Append(string.Join(", ", sortKeys));
        return sql.ToString();
    }

    /// <summary>
    /// A pseudonym as released, from its two halves (<paramref name="prefix"/>_hi and _lo, UBIGINT, the AES block
    /// read big-endian): 32 lower-case hex digits.
    /// </summary>
    private static string Hex(string prefix)
    {
        var half = (GrantPseudonymizer.Length / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var halves = Halves(prefix);
        return $"lower(lpad(hex({halves[0]}), {half}, '0') || lpad(hex({halves[1]}), {half}, '0'))";
    }

    /// <summary>The names of a pseudonym's two UBIGINT halves: <paramref name="prefix"/>_hi, then _lo (numeric order is (hi, lo)).</summary>
    private static string[] Halves(string prefix) => [prefix + "_hi", prefix + "_lo"];

    /// <summary>read_parquet over <paramref name="files"/>, in their order.</summary>
    private static string ReadParquet(IReadOnlyList<string> files) => $"read_parquet([{string.Join(", ", files.Select(Literal))}])";

    /// <summary>A work file's name: its index, six digits, so names sort in index order.</summary>
    private static string FileName(int index, string extension) =>
        index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + extension;

    private static long CeilingDivide(long value, long divisor) => value / divisor + (value % divisor > 0 ? 1 : 0);

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }

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
    /// <returns>The read_parquet expression of the pseudonyms, in the stage's order.</returns>
    private string BuildPseudonyms(DuckDBConnection connection, GrantPseudonymizer pseudonymizer,
        bool persons, string stage, long staged, string directory, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var create = persons
            ? $"CREATE TABLE {PseudonymChunk} (family_id BIGINT, family_hi UBIGINT, family_lo UBIGINT, prefix INTEGER, id BIGINT, person_hi UBIGINT, person_lo UBIGINT)"
            : $"CREATE TABLE {PseudonymChunk} (family_id BIGINT, family_hi UBIGINT, family_lo UBIGINT, prefix INTEGER)";
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
                    appender = new ChunkAppender(writer, PseudonymChunk);
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
                if (chunkRows >= _options.PseudonymFileRows)
                {
                    written += FlushPseudonyms(writer, ref appender, directory, files, ct);
                    chunkRows = 0;
                }
            }
            if (appender is null) // no records: one empty file of the right shape
            {
                writer.Execute(create, ct);
                appender = new ChunkAppender(writer, PseudonymChunk);
            }
            written += FlushPseudonyms(writer, ref appender, directory, files, ct);
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
    private static long FlushPseudonyms(DuckDBConnection writer, ref ChunkAppender? appender, string directory, List<string> files, CancellationToken ct)
    {
        appender!.Close();
        appender = null;
        var file = Path.Combine(directory, FileName(files.Count, ".parquet"));
        long rows = Run(writer, $"COPY {PseudonymChunk} TO {Literal(file)} ({NarrowOptions})", [], ct);
        writer.Execute($"DROP TABLE {PseudonymChunk}", ct);
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

    /// <summary>
    /// The k-anonymity report, from the class table (<see cref="Classes"/>: original combinations by packed key, and
    /// their sizes) and, when suppression ran, the suppressed one (<paramref name="released"/>: the same with the
    /// current keys) — never from the records. <paramref name="key"/> is null when the output has no quasi-identifier.
    /// </summary>
    private static KAnonymityReport Report(DuckDBConnection connection, ExtractPlan plan, QuasiIdentifierKey? key, string? released, long records, CancellationToken ct)
    {
        var options = plan.KAnonymity;
        var qis = plan.QuasiIdentifiers;
        var k = new Int64Parameter(options.K);
        long beforeRecords, beforeClasses, afterRecords, afterClasses;
        var smallest = new List<RiskyCombination>();
        var suppressedValues = new Dictionary<string, long>(StringComparer.Ordinal);
        if (key is null)
        {
            // No quasi-identifier in the output: all records form one class.
            bool small = records > 0 && records < options.K;
            beforeRecords = afterRecords = small ? records : 0;
            beforeClasses = afterClasses = small ? 1 : 0;
            if (small && options.TopCombinations > 0) smallest.Add(new RiskyCombination([], records));
        }
        else
        {
            // Without suppression the file's classes are the original ones.
            var classes = KAnonymitySql.ReleasedClasses(released ?? Classes, suppressed: released is not null);
            (beforeRecords, beforeClasses) = Pair(connection, KAnonymitySql.BelowKBefore(Classes), k, ct);
            (afterRecords, afterClasses) = released is null ? (beforeRecords, beforeClasses) : Pair(connection, KAnonymitySql.BelowKAfter(classes), k, ct);
            if (options.TopCombinations > 0)
            {
                using var result = ChunkStream.Open(connection, KAnonymitySql.Smallest(classes, key), [k, new Int64Parameter(options.TopCombinations)], ct);
                while (result.Next())
                {
                    int n = result.RowCount;
                    for (int row = 0; row < n; row++)
                    {
                        var values = new long?[qis.Count];
                        for (int c = 0; c < qis.Count; c++)
                            values[c] = result.IsValid(c, row) ? result.Column<long>(c)[row] : null;
                        smallest.Add(new RiskyCombination(values, result.Column<long>(qis.Count)[row]));
                    }
                }
            }
            var before = Counts(connection, KAnonymitySql.NonNullCounts(Classes, KAnonymitySql.Key, key), qis.Count, ct);
            var after = released is null ? before : Counts(connection, KAnonymitySql.NonNullCounts(released, KAnonymitySql.CurrentKey, key), qis.Count, ct);
            for (int i = 0; i < qis.Count; i++) suppressedValues[qis[i]] = before[i] - after[i];
        }
        return new KAnonymityReport
        {
            K = options.K,
            AgeBands = options.AgeBands,
            LocalSuppression = options.LocalSuppression,
            QuasiIdentifiers = qis,
            Records = records,
            RecordsBelowKBefore = beforeRecords,
            ClassesBelowKBefore = beforeClasses,
            RecordsBelowK = afterRecords,
            ClassesBelowK = afterClasses,
            SmallestClasses = smallest,
            SuppressedValues = suppressedValues,
            SuppressionRounds = options.LocalSuppression ? qis.Count : 0,
        };
    }

    private static (long, long) Pair(DuckDBConnection connection, string sql, QueryParameter k, CancellationToken ct)
    {
        var v = Counts(connection, sql, 2, ct, k);
        return (v[0], v[1]);
    }

    private static long[] Counts(DuckDBConnection connection, string sql, int columns, CancellationToken ct, QueryParameter? k = null)
    {
        using var result = ChunkStream.Open(connection, sql, k is null ? null : [k], ct);
        var values = new long[columns];
        while (result.Next())
        {
            if (result.RowCount == 0) continue;
            for (int c = 0; c < columns; c++)
                values[c] = result.IsValid(c, 0) ? result.Column<long>(c)[0] : 0;
        }
        return values;
    }

    private static long Run(DuckDBConnection connection, string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct)
    {
        return connection.Execute(sql, parameters, ct);
    }

    /// <summary>
    /// Has DuckDB write <paramref name="select"/> to <paramref name="file"/>. CSV is one COPY. Parquet is written as
    /// parts of <see cref="ExtractOptions.ParquetRowGroupsPerPart"/> row groups each (<see cref="CopyToParts"/>)
    /// joined into one file by <see cref="ParquetConcatenation"/>, because a Parquet writer holds every row group's
    /// metadata until the footer: memory that grows with the file (docs/extracts.md).
    /// </summary>
    private long Copy(DuckDBConnection connection, ExtractPlan plan, string select, IReadOnlyList<QueryParameter> parameters,
        string directory, string file, CancellationToken ct)
    {
        if (plan.Format == ExtractFormat.Csv)
            return Run(connection, $"COPY ({select}) TO {Literal(file)} ({CopyOptions(plan)})", parameters, ct);
        if (plan.Format == ExtractFormat.ArrowStream)
        {
            using var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            return ArrowIpcWriter.Write(connection, select, parameters, ArrowMetadata(plan), output, ct);
        }
        var parts = Path.Combine(directory, "parts");
        var (rows, files) = CopyToParts(connection, select, parameters, parts, CopyOptions(plan), _options.ParquetRowGroupsPerPart, ct);
        if (files.Count == 1)
            File.Move(files[0], file);
        else
            JoinParquet(files, file, directory, rows, ct);
        Directory.Delete(parts, recursive: true);
        return rows;
    }

    /// <summary>
    /// Has DuckDB write <paramref name="select"/> as Parquet files of at most <paramref name="rowGroupsPerFile"/> row
    /// groups each into the new directory <paramref name="directory"/> (one COPY, ROW_GROUPS_PER_FILE), so no writer
    /// holds more than one file's footer. With no rows, one file with the schema and no rows.
    /// </summary>
    /// <returns>Rows written, and the files in the order of the rows.</returns>
    private static (long Rows, List<string> Files) CopyToParts(DuckDBConnection connection, string select, IReadOnlyList<QueryParameter> parameters,
        string directory, string options, int rowGroupsPerFile, CancellationToken ct)
    {
        long rows = Run(connection, $"COPY ({select}) TO {Literal(directory)} ({options}, " +
                                    $"ROW_GROUPS_PER_FILE {rowGroupsPerFile.ToString(System.Globalization.CultureInfo.InvariantCulture)})", parameters, ct);
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.parquet").OrderBy(PartIndex).ToList()
            : [];
        if (files.Count == 0)
        {
            Directory.CreateDirectory(directory);
            var empty = Path.Combine(directory, "data_0.parquet");
            Run(connection, $"COPY ({select}) TO {Literal(empty)} ({options})", parameters, ct);
            files.Add(empty);
        }
        return (rows, files);
    }

    /// <summary>The index i of DuckDB's part file "data_i.parquet" (parts are joined in this order).</summary>
    private static long PartIndex(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        int underscore = name.LastIndexOf('_');
        return underscore >= 0 && long.TryParse(name.AsSpan(underscore + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long index)
            ? index
            : throw new InvalidOperationException($"unexpected Parquet part file name {name}");
    }

    /// <summary>The file name extension of <paramref name="format"/>.</summary>
    private static string Extension(ExtractFormat format) => format switch
    {
        ExtractFormat.Csv => ".csv",
        ExtractFormat.ArrowStream => ".arrows",
        _ => ".parquet",
    };

    /// <summary>The Arrow schema metadata of an extract: its licence and attribution (as the Parquet key-value metadata).</summary>
    private static Dictionary<string, string> ArrowMetadata(ExtractPlan plan) => new(StringComparer.Ordinal)
    {
        [ArrowIpcWriter.LicenceKey] = Licences.ForExtract(plan.Tier),
        [ArrowIpcWriter.AttributionKey] = Licences.Attribution,
    };

    private string CopyOptions(ExtractPlan plan, bool header = true) => plan.Format switch
    {
        ExtractFormat.Csv => $"FORMAT csv, HEADER {(header ? "true" : "false")}, DELIMITER ','",
        _ => $"FORMAT parquet, COMPRESSION zstd, WRITE_BLOOM_FILTER false, ROW_GROUP_SIZE {_options.ParquetRowGroupSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}, " +
             $"KV_METADATA {{licence: {Literal(Licences.ForExtract(plan.Tier))}, attribution: {Literal(Licences.Attribution)}}}",
    };

    /// <summary>
    /// Parquet options of the stage: snappy (the stage is read √runs times, and snappy decodes faster than zstd),
    /// row groups of <see cref="ExtractOptions.ParquetRowGroupSize"/> rows like the extract's, which bounds the
    /// writer's and the readers' buffers.
    /// </summary>
    private string StageOptions =>
        $"FORMAT parquet, COMPRESSION snappy, WRITE_BLOOM_FILTER false, ROW_GROUP_SIZE {_options.ParquetRowGroupSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Parquet options of the narrow work files (pseudonyms, flags): a few columns, DuckDB's row groups.</summary>
    private const string NarrowOptions = "FORMAT parquet, COMPRESSION snappy, WRITE_BLOOM_FILTER false";

    private static string Literal(string s) => "'" + s.Replace("'", "''") + "'";

    private static async Task<(long Bytes, string Sha256)> HashFileAsync(string file, CancellationToken ct)
    {
        await using var stream = OpenRead(file);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ExtractOptions.MaxChunkBytes);
        try
        {
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(0, ExtractOptions.MaxChunkBytes), ct).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }
            return (total, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<(long Bytes, string Sha256)> StreamFileAsync(string file, ExtractChunkSink sink, CancellationToken ct)
    {
        await using var stream = OpenRead(file);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int size = _options.ChunkBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            long total = 0;
            while (true)
            {
                // Fill the chunk completely (a short read is not the end of the file) so every chunk but the last is full.
                int filled = 0;
                int n;
                while (filled < size && (n = await stream.ReadAsync(buffer.AsMemory(filled, size - filled), ct).ConfigureAwait(false)) > 0)
                    filled += n;
                if (filled == 0) break;
                sha.AppendData(buffer, 0, filled);
                total += filled;
                ct.ThrowIfCancellationRequested();
                await sink(buffer.AsMemory(0, filled), ct).ConfigureAwait(false);
                if (filled < size) break;
            }
            return (total, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static FileStream OpenRead(string file) =>
        new(file, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });

    private static void DeleteDirectory(string directory)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(20 * (attempt + 1));
            }
            catch (UnauthorizedAccessException) when (attempt < 5)
            {
                Thread.Sleep(20 * (attempt + 1));
            }
        }
    }
}
