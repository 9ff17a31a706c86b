using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Regsosek.Core;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Storage;

namespace Regsosek.Stores.Audit;

/// <summary>
/// The audit trail over ADO.NET, shared by <see cref="SqliteAuditLog"/> and <see cref="PostgresAuditLog"/>.
/// An append is one transaction (SQLite: BEGIN IMMEDIATE, one writer at a time; PostgreSQL: an advisory lock
/// taken first, one writer at a time across processes, READ COMMITTED) that reads the head and inserts the next sequence number, which is
/// the primary key: two appenders can never both write the same number. Inside one process appends queue
/// and are written in groups, one transaction each (group commit: one fsync for all the calls that arrived
/// while the previous group was written). Triggers refuse UPDATE and DELETE on audit_log.
/// </summary>
public abstract class SqlAuditLog : IAuditLog, IAuditChainSource
{
    private const int MaxAttempts = 8;
    private const string Columns =
        "seq, time, grant_id, organisation, unit, method, request, scope, decision, rule, cells, rows_returned, bytes, " +
        "extract_sha256, latency_us, status_code, request_sha256, request_id, hash_version, prev_hash, hash";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;
    private readonly AsyncOnce _ready;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly List<PendingAppend> _queue = [];
    private long _commits;

    /// <summary>At most this many records in one append transaction.</summary>
    private const int MaxBatch = 256;

    private protected SqlAuditLog(SqlDialect dialect, TimeProvider? time)
    {
        _dialect = dialect;
        _time = time ?? TimeProvider.System;
        _ready = new AsyncOnce(() => InitialiseAsync(CancellationToken.None));
    }

    private async Task InitialiseAsync(CancellationToken ct)
    {
        if (_dialect is SqliteDialect sqlite) await sqlite.EnsureWalAsync(ct).ConfigureAwait(false);
        await Migrator.MigrateAsync(_dialect, StoreComponents.Audit, _time, ct).ConfigureAwait(false);
    }

    /// <summary>Creates or migrates the table now instead of on first use.</summary>
    /// <exception cref="AuditUnavailableException">The store cannot be reached or created.</exception>
    public async Task EnsureCreatedAsync()
    {
        try
        {
            await _ready.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Unreachable, locked, or a schema this build cannot use: either way nothing can be audited.
            throw Unavailable("create the audit table in", ex);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Group commit: appends that arrive while another is being written queue up, and the next writer appends
    /// all of them in one transaction (one fsync), in arrival order. Each call still returns only once its own
    /// record is committed, and fails with <see cref="AuditUnavailableException"/> if its transaction fails.
    /// Cancelling <paramref name="ct"/> while waiting withdraws the record if no writer has taken it yet; a record
    /// already taken is written (the caller has gone, but nothing was released).
    /// </remarks>
    public async Task<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken ct = default)
    {
        entry = Prepare(entry);
        Validate(entry);
        await EnsureCreatedAsync().ConfigureAwait(false);
        var pending = new PendingAppend(entry);
        lock (_queue) _queue.Add(pending);
        try
        {
            await _writer.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Withdrawn if still queued; if a writer took it already, it is written all the same.
            lock (_queue) _queue.Remove(pending);
            throw;
        }
        try
        {
            // This caller writes what is queued, oldest first, until its own record is written (an earlier
            // writer may have taken it already, and then there is nothing to do).
            while (!pending.Done.Task.IsCompleted)
            {
                if (BeforeBatchForTests is { } hook) await hook().ConfigureAwait(false);
                List<PendingAppend> batch;
                lock (_queue)
                {
                    int take = Math.Min(_queue.Count, MaxBatch);
                    batch = _queue.GetRange(0, take);
                    _queue.RemoveRange(0, take);
                }
                await WriteBatchAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            _writer.Release();
        }
        return await pending.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="batch"/> in one transaction (retried whole when the dialect says so) and completes each caller.</summary>
    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        // Not cancellable: the records belong to several callers, and one leaving must not fail the others.
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    var records = await AppendOnceAsync(batch, CancellationToken.None).ConfigureAwait(false);
                    Interlocked.Increment(ref _commits);
                    for (int i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(records[i]);
                    return;
                }
                catch (Exception ex) when (_dialect.IsRetryable(ex) && attempt < MaxAttempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt))).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            // Fail closed with one clear type, whatever the driver threw (locked, disk full, unreachable, damaged).
            var failure = Unavailable("write the audit record to", ex);
            foreach (var p in batch) p.Done.TrySetException(failure);
        }
    }

    private async Task<AuditRecord[]> AppendOnceAsync(List<PendingAppend> batch, CancellationToken ct)
    {
        await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(_dialect.AppendIsolation, ct).ConfigureAwait(false);
        await _dialect.LockAppendsAsync(c, tx, ct).ConfigureAwait(false);
        long seq = 0;
        byte[] prev = AuditHash.Genesis.ToArray();
        await using (var head = Db.Command(c, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", tx))
        await using (var r = await head.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                seq = r.GetInt64(0);
                prev = (byte[])r.GetValue(1);
            }
        }
        var records = new AuditRecord[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            var entry = batch[i].Entry;
            seq++;
            var time = Timestamps.Normalise(_time.GetUtcNow());
            var row = ToRow(entry, seq, Timestamps.ToUnixMicroseconds(time), prev);
            await using (var insert = Db.Command(c, $"""
                INSERT INTO audit_log ({Columns})
                VALUES (@seq, @time, @grant, @org, @unit, @method, @request, @scope, @decision, @rule, @cells, @rows, @bytes, @sha, @latency, @status,
                        @reqsha, @reqid, @hv, @prev, @hash)
                """, tx))
            {
                insert.With("@seq", row.Sequence).With("@time", _dialect.TimeValue(time))
                    .With("@grant", row.GrantId).With("@org", row.Organisation).With("@unit", row.Unit)
                    .With("@method", row.Method).With("@request", row.Request).With("@scope", row.Scope)
                    .With("@decision", row.Decision).With("@rule", row.Rule)
                    .With("@cells", row.Cells).With("@rows", row.Rows).With("@bytes", row.Bytes).With("@sha", row.ExtractSha256)
                    .With("@latency", row.LatencyMicros).With("@status", (int)row.StatusCode)
                    .With("@reqsha", row.RequestSha256).With("@reqid", row.RequestId).With("@hv", row.HashVersion)
                    .With("@prev", row.PrevHash).With("@hash", row.Hash);
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            records[i] = new AuditRecord
            {
                Sequence = seq, Time = time, Entry = Normalised(entry),
                PrevHash = Convert.ToHexStringLower(prev), Hash = Convert.ToHexStringLower(row.Hash),
            };
            prev = row.Hash;
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return records;
    }

    /// <summary>One caller's record waiting to be written, and where its result goes.</summary>
    private sealed class PendingAppend(AuditEntry entry)
    {
        public AuditEntry Entry { get; } = entry;
        public TaskCompletionSource<AuditRecord> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Committed append transactions so far (group commit writes several records in one).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>Records waiting for a writer.</summary>
    internal int Queued
    {
        get { lock (_queue) return _queue.Count; }
    }

    /// <summary>Tests only: awaited by a writer before it takes the queue, so that a test can let appends pile up.</summary>
    internal Func<Task>? BeforeBatchForTests { get; set; }

    /// <summary>The row an entry becomes (after <see cref="Prepare"/>), hash included.</summary>
    internal static AuditRow ToRow(AuditEntry e, long seq, long timeMicros, byte[] prev)
    {
        e = Prepare(e);
        var row = new AuditRow
        {
            Sequence = seq, TimeMicros = timeMicros, GrantId = e.GrantId, Organisation = e.Organisation, Unit = e.Unit,
            Method = e.Method, Request = e.Request, Scope = e.Scope.Value, Decision = DecisionText(e.Decision), Rule = e.Rule,
            Cells = e.Cells, Rows = e.Rows, Bytes = e.Bytes, ExtractSha256 = e.ExtractSha256?.ToLowerInvariant(),
            LatencyMicros = Timestamps.ToMicroseconds(e.Latency), StatusCode = e.StatusCode,
            RequestSha256 = e.RequestSha256?.ToLowerInvariant(), RequestId = e.RequestId, HashVersion = AuditHash.CurrentVersion,
            PrevHash = prev, Hash = [],
        };
        return row with { Hash = AuditHash.Compute(row) };
    }

    /// <summary>
    /// What the log stores of <paramref name="e"/>: the request clipped to <see cref="AuditRequest.MaxStoredBytes"/>
    /// (hashed first when the caller gave no <see cref="AuditEntry.RequestSha256"/>), and a request id when it gave none.
    /// </summary>
    internal static AuditEntry Prepare(AuditEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Request is null) return e; // Validate says what is missing
        string request, sha;
        if (e.RequestSha256 is null)
        {
            var r = AuditRequest.FromJson(e.Request);
            (request, sha) = (r.Text, r.Sha256);
        }
        else
        {
            (request, sha) = (AuditRequest.Clip(e.Request), e.RequestSha256.ToLowerInvariant());
        }
        return e with { Request = request, RequestSha256 = sha, RequestId = e.RequestId ?? AuditRequest.NewRequestId() };
    }

    private static AuditEntry Normalised(AuditEntry e) => e with
    {
        ExtractSha256 = e.ExtractSha256?.ToLowerInvariant(),
        RequestSha256 = e.RequestSha256?.ToLowerInvariant(),
        Latency = Timestamps.FromMicroseconds(Timestamps.ToMicroseconds(e.Latency)),
    };

    private static string DecisionText(AuditDecision d) => d switch
    {
        AuditDecision.Allowed => "allowed",
        AuditDecision.Denied => "denied",
        AuditDecision.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "decision must be Allowed, Denied or Interrupted"),
    };

    private static AuditDecision? ParseDecision(string text) => text switch
    {
        "allowed" => AuditDecision.Allowed,
        "denied" => AuditDecision.Denied,
        "interrupted" => AuditDecision.Interrupted,
        _ => null,
    };

    /// <summary>Rejects entries the chain cannot store faithfully; these are bugs in the caller, not storage failures.</summary>
    internal static void Validate(AuditEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.Method)) throw new ArgumentException("the audit entry needs the method name", nameof(e));
        if (e.Request is null) throw new ArgumentException("the audit entry needs the normalised request (\"{}\" when empty)", nameof(e));
        if (e.Decision is not (AuditDecision.Allowed or AuditDecision.Denied or AuditDecision.Interrupted))
            throw new ArgumentException($"decision {(int)e.Decision} is not Allowed, Denied or Interrupted", nameof(e));
        if (e.Decision == AuditDecision.Denied && string.IsNullOrWhiteSpace(e.Rule))
            throw new ArgumentException("a denied call must name the rule that denied it", nameof(e));
        if (e.Decision == AuditDecision.Interrupted && string.IsNullOrWhiteSpace(e.Rule))
            throw new ArgumentException($"an interrupted call must name why it stopped, e.g. {AuditRules.DeadlineExceeded}", nameof(e));
        if (e.RequestSha256 is { } reqSha && (reqSha.Length != 64 || !reqSha.All(char.IsAsciiHexDigit)))
            throw new ArgumentException($"request SHA-256 must be 64 hex digits, got '{reqSha}'", nameof(e));
        if (e.RequestId is not null && !AuditRequest.IsValidRequestId(e.RequestId))
            throw new ArgumentException("a request id is 1–64 characters of A–Z a–z 0–9 . _ : -", nameof(e));
        if (e.Cells < 0 || e.Rows < 0 || e.Bytes < 0 || e.Latency < TimeSpan.Zero)
            throw new ArgumentException("cells, rows, bytes and latency cannot be negative", nameof(e));
        if (e.ExtractSha256 is { } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)))
            throw new ArgumentException($"extract SHA-256 must be 64 hex digits, got '{sha}'", nameof(e));
        if (e.GrantId is null != (e.Organisation is null) || e.GrantId is null != (e.Unit is null))
            throw new ArgumentException("grant id, organisation and unit are given together (a grant's call) or all null (a public call)", nameof(e));
        foreach (var (name, value) in new[] { ("grant id", e.GrantId), ("organisation", e.Organisation), ("unit", e.Unit), ("method", e.Method), ("request", e.Request), ("rule", e.Rule) })
        {
            if (value is null) continue;
            if (value.Contains('\0')) throw new ArgumentException($"the {name} contains a NUL character, which PostgreSQL text cannot hold", nameof(e));
            try
            {
                StrictUtf8.GetByteCount(value);
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException($"the {name} is not valid Unicode (a lone surrogate)", nameof(e));
            }
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditRecord> ReadAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await EnsureReadyForReadAsync().ConfigureAwait(false);
        await using var c = await OpenForReadAsync(ct).ConfigureAwait(false);
        await using var cmd = Db.Command(c, "");
        var where = new List<string>();
        if (query.GrantId is { } g) { where.Add("grant_id = @grant"); cmd.With("@grant", g); }
        if (query.RequestId is { } id) { where.Add("request_id = @reqid"); cmd.With("@reqid", id); }
        if (query.From is { } f) { where.Add("time >= @from"); cmd.With("@from", _dialect.TimeValue(Timestamps.Normalise(f))); }
        if (query.Until is { } u) { where.Add("time < @until"); cmd.With("@until", _dialect.TimeValue(Timestamps.Normalise(u))); }
        cmd.CommandText = $"SELECT {Columns} FROM audit_log" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY seq";
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
            yield return ToRecord(ReadRow(r));
    }

    /// <inheritdoc/>
    public async Task<AuditAnchor?> GetHeadAsync(CancellationToken ct = default)
    {
        await EnsureReadyForReadAsync().ConfigureAwait(false);
        await using var c = await OpenForReadAsync(ct).ConfigureAwait(false);
        await using var cmd = Db.Command(c, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? new AuditAnchor(r.GetInt64(0), Convert.ToHexStringLower((byte[])r.GetValue(1))) : null;
    }

    /// <inheritdoc/>
    public async Task<AuditVerification> VerifyAsync(AuditAnchor? anchor = null, CancellationToken ct = default)
    {
        await EnsureReadyForReadAsync().ConfigureAwait(false);
        return await AuditChainVerifier.VerifyAsync(this, anchor, ct).ConfigureAwait(false);
    }

    async IAsyncEnumerable<AuditRow> IAuditChainSource.ReadChainAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var c = await OpenForReadAsync(ct).ConfigureAwait(false);
        long head;
        await using (var h = Db.Command(c, "SELECT COALESCE(MAX(seq), 0) FROM audit_log"))
            head = Convert.ToInt64(await h.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        await using var cmd = Db.Command(c, $"SELECT {Columns} FROM audit_log WHERE seq <= @head ORDER BY seq").With("@head", head);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
            yield return ReadRow(r);
    }

    async Task<AuditRow?> IAuditChainSource.FindByHashAsync(byte[] hash, CancellationToken ct)
    {
        await using var c = await OpenForReadAsync(ct).ConfigureAwait(false);
        await using var cmd = Db.Command(c, $"SELECT {Columns} FROM audit_log WHERE hash = @h").With("@h", hash);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadRow(r) : null;
    }

    async Task<bool> IAuditChainSource.AnyWithPrevHashAsync(byte[] prevHash, CancellationToken ct)
    {
        await using var c = await OpenForReadAsync(ct).ConfigureAwait(false);
        await using var cmd = Db.Command(c, "SELECT 1 FROM audit_log WHERE prev_hash = @p LIMIT 1").With("@p", prevHash);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    private async Task EnsureReadyForReadAsync() => await EnsureCreatedAsync().ConfigureAwait(false);

    private async Task<DbConnection> OpenForReadAsync(CancellationToken ct)
    {
        try
        {
            return await _dialect.OpenAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqlGrantStore.IsStorageFailure(ex, ct))
        {
            throw Unavailable("read", ex);
        }
    }

    private AuditRow ReadRow(DbDataReader r) => new()
    {
        Sequence = r.GetInt64(0),
        TimeMicros = Timestamps.ToUnixMicroseconds(_dialect.ReadTime(r, 1)),
        GrantId = r.GetNullableString(2),
        Organisation = r.GetNullableString(3),
        Unit = r.GetNullableString(4),
        Method = r.GetString(5),
        Request = r.GetString(6),
        Scope = r.GetString(7),
        Decision = r.GetString(8),
        Rule = r.GetNullableString(9),
        Cells = r.GetInt64(10),
        Rows = r.GetInt64(11),
        Bytes = r.GetInt64(12),
        ExtractSha256 = r.GetNullableString(13),
        LatencyMicros = r.GetInt64(14),
        StatusCode = r.GetInt64(15),
        RequestSha256 = r.GetNullableString(16),
        RequestId = r.GetNullableString(17),
        HashVersion = r.GetInt32(18),
        PrevHash = (byte[])r.GetValue(19),
        Hash = (byte[])r.GetValue(20),
    };

    private static AuditRecord ToRecord(AuditRow row)
    {
        if (!RegionCode.TryParse(row.Scope, out var scope, out _) || ParseDecision(row.Decision) is not { } decision)
            throw new InvalidDataException($"audit record #{row.Sequence} is damaged (scope '{row.Scope}', decision '{row.Decision}'); run the audit verification");
        return new AuditRecord
        {
            Sequence = row.Sequence,
            Time = Timestamps.FromUnixMicroseconds(row.TimeMicros),
            Entry = new AuditEntry
            {
                GrantId = row.GrantId, Organisation = row.Organisation, Unit = row.Unit, Method = row.Method, Request = row.Request,
                Scope = scope, Decision = decision, Rule = row.Rule,
                Cells = row.Cells, Rows = row.Rows, Bytes = row.Bytes, ExtractSha256 = row.ExtractSha256,
                Latency = Timestamps.FromMicroseconds(row.LatencyMicros), StatusCode = (int)row.StatusCode,
                RequestSha256 = row.RequestSha256, RequestId = row.RequestId,
            },
            PrevHash = Convert.ToHexStringLower(row.PrevHash),
            Hash = Convert.ToHexStringLower(row.Hash),
        };
    }

    private AuditUnavailableException Unavailable(string what, Exception ex)
    {
        _dialect.OnFailure(ex);
        return new($"could not {what} the audit log ({_dialect.Location}): {ex.Message}. Calls are refused until the audit log is writable again.", ex);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _writer.Dispose();
        await _dialect.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The audit trail in a SQLite file (WAL, synchronous=FULL): the default.</summary>
public sealed class SqliteAuditLog : SqlAuditLog
{
    /// <summary>A log in <paramref name="options"/>.Path; the file and table are created on first use.</summary>
    public SqliteAuditLog(SqliteStoreOptions options, TimeProvider? time = null) : base(new SqliteDialect(options), time) { }
}

/// <summary>The audit trail in PostgreSQL (for several service replicas).</summary>
public sealed class PostgresAuditLog : SqlAuditLog
{
    /// <summary>A log at <paramref name="options"/>.ConnectionString; the table is created on first use.</summary>
    public PostgresAuditLog(PostgresStoreOptions options, TimeProvider? time = null) : base(new PostgresDialect(options), time) { }
}
