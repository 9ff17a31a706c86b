using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Regsosek.Core;
using Regsosek.DuckDb;
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
/// hands each chunk to the sink. Memory stays bounded whatever the extract's size (DuckDB spills to the temp
/// directory; one chunk buffer). The directory is deleted on completion, failure and cancellation;
/// cancellation interrupts the running DuckDB query. Thread-safe: each call has its own database.
/// </summary>
public sealed class ExtractRunner
{
    private const string Stage = "stage";
    private const string Final = "final";
    private const string FamilyMap = "pseudonym_family";
    private const string PersonMap = "pseudonym_person";

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
    /// <exception cref="DuckDbException">DuckDB failed (e.g. a corrupt dataset file).</exception>
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
            var file = Path.Combine(directory, plan.Format == ExtractFormat.Csv ? "extract.csv" : "extract.parquet");
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
        using var database = DuckDbDatabase.Open(Path.Combine(directory, "work.duckdb"), new DuckDbOptions
        {
            Threads = _options.Threads,
            MemoryLimit = _options.MemoryLimit,
            TempDirectory = spill,
        });
        using var connection = database.Connect();
        if (!plan.DeIdentify)
        {
            var rows = Run(connection, $"COPY ({plan.SelectSql}) TO {Literal(file)} ({CopyOptions(plan)})", plan.Parameters, ct);
            return (rows, null);
        }

        Run(connection, $"CREATE TABLE {Stage} AS {plan.SelectSql}", plan.Parameters, ct);
        using (var pseudonymizer = _keyring.ForGrant(plan.GrantId))
        {
            BuildPseudonymMap(database, connection, pseudonymizer, IdKind.Family, ExtractPlan.FamilyKeyColumn, FamilyMap, distinct: plan.Persons, ct);
            if (plan.Persons)
                BuildPseudonymMap(database, connection, pseudonymizer, IdKind.Person, ExtractPlan.PersonKeyColumn, PersonMap, distinct: false, ct);
        }

        var options = plan.KAnonymity;
        var qis = plan.QuasiIdentifiers;
        var released = Stage;
        if (options.LocalSuppression && qis.Count > 0)
        {
            Run(connection, KAnonymitySql.Suppress(Stage, qis, Final), [new Int64Parameter(options.K)], ct);
            released = Final;
        }
        var written = Run(connection, $"COPY ({ReleaseSql(plan, released)}) TO {Literal(file)} ({CopyOptions(plan)})", [], ct);
        var report = Report(connection, plan, released, written, ct);
        return (written, report);
    }

    /// <summary>The released rows: data columns as staged, ids as pseudonyms, ordered by pseudonym (so row order says nothing about the source order, e.g. villages).</summary>
    private static string ReleaseSql(ExtractPlan plan, string table)
    {
        var select = plan.Columns.Select(c => c.Kind switch
        {
            OutputKind.Pseudonym when c.IdKind == IdKind.Person => $"pp.pseudonym AS {ExtractPlanner.Quote(c.Name)}",
            OutputKind.Pseudonym => $"pf.pseudonym AS {ExtractPlanner.Quote(c.Name)}",
            _ => $"r.{ExtractPlanner.Quote(c.Name)}",
        }).ToList();
        if (select.Count == 0) select.Add("NULL AS \"__empty\"");
        var sql = new StringBuilder($"SELECT {string.Join(", ", select)} FROM {table} AS r ")
            .Append($"JOIN {FamilyMap} AS pf ON pf.id = r.{ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn)} ");
        if (plan.Persons)
            sql.Append($"JOIN {PersonMap} AS pp ON pp.id = r.{ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn)} ");
        sql.Append(plan.Persons ? "ORDER BY pf.pseudonym, pp.pseudonym" : "ORDER BY pf.pseudonym");
        return sql.ToString();
    }

    /// <summary>
    /// Streams the staged raw ids through AES (2,048 at a time, one ECB call) into a table id → pseudonym in the
    /// extract's own database. The ids are read on one connection and appended on a second (a connection holds
    /// one streaming result at a time); one reused chunk, no allocation per row, and the table lives on disk, so
    /// memory stays bounded.
    /// </summary>
    private static void BuildPseudonymMap(DuckDbDatabase database, DuckDbConnection connection, GrantPseudonymizer pseudonymizer,
        IdKind kind, string keyColumn, string table, bool distinct, CancellationToken ct)
    {
        connection.Execute($"CREATE TABLE {table} (id BIGINT, pseudonym VARCHAR)", ct);
        var blocks = new byte[DuckDbDataChunk.Capacity * GrantPseudonymizer.BlockBytes];
        Span<byte> hex = stackalloc byte[GrantPseudonymizer.Length];
        using var writer = database.Connect();
        using var appender = writer.CreateAppender(table);
        using var target = DuckDbDataChunk.Create([DuckDbType.BigInt, DuckDbType.Varchar]);
        var key = ExtractPlanner.Quote(keyColumn);
        using var reader = connection.Query($"SELECT {(distinct ? "DISTINCT " : "")}{key} FROM {Stage} WHERE {key} IS NOT NULL", ct);
        while (reader.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                int n = chunk.RowCount;
                var source = chunk.GetVector(0).GetData<long>(n);
                target.Reset();
                source.CopyTo(target.GetVector(0).GetWritableData<long>(n));
                pseudonymizer.Encrypt(kind, source, blocks);
                var text = target.GetVector(1);
                for (int i = 0; i < n; i++)
                {
                    GrantPseudonymizer.WriteHex(blocks.AsSpan(i * GrantPseudonymizer.BlockBytes, GrantPseudonymizer.BlockBytes), hex);
                    text.SetString(i, hex);
                }
                target.RowCount = n;
                appender.AppendChunk(target);
            }
        }
        appender.Close();
    }

    private static KAnonymityReport Report(DuckDbConnection connection, ExtractPlan plan, string released, long records, CancellationToken ct)
    {
        var options = plan.KAnonymity;
        var qis = plan.QuasiIdentifiers;
        var k = new Int64Parameter(options.K);
        long beforeRecords, beforeClasses, afterRecords, afterClasses;
        var smallest = new List<RiskyCombination>();
        var suppressed = new Dictionary<string, long>(StringComparer.Ordinal);
        if (qis.Count == 0)
        {
            // No quasi-identifier in the output: all records form one class.
            bool small = records > 0 && records < options.K;
            beforeRecords = afterRecords = small ? records : 0;
            beforeClasses = afterClasses = small ? 1 : 0;
            if (small && options.TopCombinations > 0) smallest.Add(new RiskyCombination([], records));
        }
        else
        {
            (beforeRecords, beforeClasses) = Pair(connection, KAnonymitySql.BelowK(Stage, qis), k, ct);
            (afterRecords, afterClasses) = released == Stage ? (beforeRecords, beforeClasses) : Pair(connection, KAnonymitySql.BelowK(released, qis), k, ct);
            if (options.TopCombinations > 0)
            {
                using var statement = connection.Prepare(KAnonymitySql.Smallest(released, qis));
                k.Bind(statement, 1);
                statement.Bind(2, (long)options.TopCombinations);
                using var result = statement.ExecuteStreaming(ct);
                while (result.FetchChunk() is { } chunk)
                {
                    using (chunk)
                    {
                        int n = chunk.RowCount;
                        for (int row = 0; row < n; row++)
                        {
                            var values = new long?[qis.Count];
                            for (int c = 0; c < qis.Count; c++)
                            {
                                var v = chunk.GetVector(c);
                                values[c] = v.IsValid(row) ? v.GetData<long>(n)[row] : null;
                            }
                            smallest.Add(new RiskyCombination(values, chunk.GetVector(qis.Count).GetData<long>(n)[row]));
                        }
                    }
                }
            }
            var before = Counts(connection, KAnonymitySql.NonNullCounts(Stage, qis), qis.Count, ct);
            var after = released == Stage ? before : Counts(connection, KAnonymitySql.NonNullCounts(released, qis), qis.Count, ct);
            for (int i = 0; i < qis.Count; i++) suppressed[qis[i]] = before[i] - after[i];
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
            SuppressedValues = suppressed,
            SuppressionRounds = options.LocalSuppression ? qis.Count : 0,
        };
    }

    private static (long, long) Pair(DuckDbConnection connection, string sql, ExtractParameter k, CancellationToken ct)
    {
        var v = Counts(connection, sql, 2, ct, k);
        return (v[0], v[1]);
    }

    private static long[] Counts(DuckDbConnection connection, string sql, int columns, CancellationToken ct, ExtractParameter? k = null)
    {
        using var statement = connection.Prepare(sql);
        k?.Bind(statement, 1);
        using var result = statement.ExecuteStreaming(ct);
        var values = new long[columns];
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                if (chunk.RowCount == 0) continue;
                for (int c = 0; c < columns; c++)
                    values[c] = chunk.GetVector(c).GetData<long>(1)[0];
            }
        }
        return values;
    }

    private static long Run(DuckDbConnection connection, string sql, IReadOnlyList<ExtractParameter> parameters, CancellationToken ct)
    {
        using var statement = connection.Prepare(sql);
        for (int i = 0; i < parameters.Count; i++) parameters[i].Bind(statement, i + 1);
        return statement.ExecuteNonQuery(ct);
    }

    private static string CopyOptions(ExtractPlan plan) => plan.Format switch
    {
        ExtractFormat.Csv => "FORMAT csv, HEADER true, DELIMITER ','",
        _ => $"FORMAT parquet, COMPRESSION zstd, KV_METADATA {{licence: {Literal(Licences.ForExtract(plan.Tier))}, attribution: {Literal(Licences.Attribution)}}}",
    };

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
