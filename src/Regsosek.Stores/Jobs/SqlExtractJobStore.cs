using System.Data.Common;
using Regsosek.Stores.Storage;

namespace Regsosek.Stores.Jobs;

/// <summary>
/// Where extract jobs live: the same database as the grants and the audit trail (SQLite by default, PostgreSQL when
/// configured), so a job survives a restart of the service. Storage failures surface as
/// <see cref="StoreUnavailableException"/>. Every change of state is a compare-and-set on the state, so two workers
/// (or a worker and a cancellation) never both win.
/// </summary>
public interface IExtractJobStore : IAsyncDisposable
{
    /// <summary>
    /// Stores a new job unless its grant is over a limit, checked and inserted under one lock per grant (no two
    /// submissions both pass the check).
    /// </summary>
    /// <exception cref="ExtractJobLimitException">The grant has <see cref="ExtractJobLimits.MaxActiveJobs"/> queued or
    /// running jobs, or its jobs produced <see cref="ExtractJobLimits.MaxBytesPerDay"/> bytes or more since a day before
    /// <paramref name="job"/>'s submission.</exception>
    Task SubmitAsync(ExtractJobRecord job, ExtractJobLimits limits, CancellationToken ct = default);

    /// <summary>The job, or null.</summary>
    Task<ExtractJobRecord?> GetAsync(string jobId, CancellationToken ct = default);

    /// <summary>The grant's jobs, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ExtractJobRecord>> ListByGrantAsync(string grantId, int limit, CancellationToken ct = default);

    /// <summary>Every job in one of <paramref name="states"/>, oldest first (recovery at start, the sweep).</summary>
    Task<IReadOnlyList<ExtractJobRecord>> ListByStateAsync(IReadOnlyCollection<ExtractJobState> states, CancellationToken ct = default);

    /// <summary>
    /// Writes <paramref name="job"/> (every column but id, grant, request, request id and submission time) if the
    /// stored job is still in one of <paramref name="from"/>; returns whether it was.
    /// </summary>
    Task<bool> TryUpdateAsync(ExtractJobRecord job, IReadOnlyCollection<ExtractJobState> from, CancellationToken ct = default);
}

/// <summary>The extract-job store over ADO.NET, shared by SQLite and PostgreSQL (component "extract_jobs").</summary>
public abstract class SqlExtractJobStore : IExtractJobStore
{
    private const string Columns =
        "id, grant_id, state, phase, records, request, request_id, scope, attempts, submitted_at, started_at, finished_at, " +
        "expires_at, bytes, sha256, result, failure, failure_rule, node";

    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;
    private readonly AsyncOnce _ready;

    private protected SqlExtractJobStore(SqlDialect dialect, TimeProvider? time)
    {
        _dialect = dialect;
        _time = time ?? TimeProvider.System;
        _ready = new AsyncOnce(() => InitialiseAsync(CancellationToken.None));
    }

    private async Task InitialiseAsync(CancellationToken ct)
    {
        if (_dialect is SqliteDialect sqlite) await sqlite.EnsureWalAsync(ct).ConfigureAwait(false);
        await Migrator.MigrateAsync(_dialect, StoreComponents.ExtractJobs, _time, ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task SubmitAsync(ExtractJobRecord job, ExtractJobLimits limits, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(limits);
        return Run(async c =>
        {
            await using var tx = await c.BeginTransactionAsync(_dialect.AppendIsolation, ct).ConfigureAwait(false);
            await _dialect.LockKeyAsync(c, tx, "extract-jobs:" + job.GrantId, ct).ConfigureAwait(false);
            await using (var active = Db.Command(c, "SELECT COUNT(*) FROM extract_jobs WHERE grant_id = @g AND state IN (@q, @r)", tx)
                             .With("@g", job.GrantId).With("@q", (int)ExtractJobState.Queued).With("@r", (int)ExtractJobState.Running))
            {
                var n = Convert.ToInt64(await active.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                if (n >= limits.MaxActiveJobs)
                    throw new ExtractJobLimitException(ExtractJobLimitException.ActiveJobs,
                        $"the grant has {n} extract jobs queued or running, its limit ({ExtractJobLimitException.ActiveJobs} = {limits.MaxActiveJobs}); " +
                        "wait for one to finish or cancel one, then submit again");
            }
            await using (var bytes = Db.Command(c, "SELECT COALESCE(SUM(bytes), 0) FROM extract_jobs WHERE grant_id = @g AND finished_at > @since", tx)
                             .With("@g", job.GrantId).With("@since", _dialect.TimeValue(Timestamps.Normalise(job.SubmittedAt.AddDays(-1)))))
            {
                var sum = Convert.ToInt64(await bytes.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                if (sum >= limits.MaxBytesPerDay)
                    throw new ExtractJobLimitException(ExtractJobLimitException.BytesPerDay,
                        $"the grant's extract jobs produced {sum} bytes in the last 24 hours, its limit ({ExtractJobLimitException.BytesPerDay} = " +
                        $"{limits.MaxBytesPerDay}); submit again once older jobs leave the 24-hour window");
            }
            await using (var insert = Db.Command(c, $"INSERT INTO extract_jobs ({Columns}) VALUES " +
                                                    "(@id, @g, @state, @phase, @records, @request, @rid, @scope, @attempts, @submitted, @started, " +
                                                    "@finished, @expires, @bytes, @sha, @result, @failure, @rule, @node)", tx))
            {
                insert.With("@id", job.Id).With("@g", job.GrantId).With("@request", job.Request).With("@rid", job.RequestId)
                    .With("@submitted", _dialect.TimeValue(Timestamps.Normalise(job.SubmittedAt)));
                Mutable(insert, job);
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return 0;
        }, "submit an extract job to", ct);
    }

    /// <inheritdoc/>
    public Task<ExtractJobRecord?> GetAsync(string jobId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return Run(async c =>
        {
            await using var cmd = Db.Command(c, $"SELECT {Columns} FROM extract_jobs WHERE id = @id").With("@id", jobId);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await r.ReadAsync(ct).ConfigureAwait(false) ? Read(r) : null;
        }, "read an extract job from", ct);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ExtractJobRecord>> ListByGrantAsync(string grantId, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Run(c => ListAsync(Db.Command(c, $"SELECT {Columns} FROM extract_jobs WHERE grant_id = @g ORDER BY submitted_at DESC, id DESC LIMIT @n")
            .With("@g", grantId).With("@n", limit), ct), "list extract jobs in", ct);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ExtractJobRecord>> ListByStateAsync(IReadOnlyCollection<ExtractJobState> states, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count == 0) return Task.FromResult<IReadOnlyList<ExtractJobRecord>>([]);
        return Run(c =>
        {
            var cmd = Db.Command(c, "");
            var names = states.Select((s, i) => { cmd.With("@s" + i, (int)s); return "@s" + i; });
            cmd.CommandText = $"SELECT {Columns} FROM extract_jobs WHERE state IN ({string.Join(", ", names)}) ORDER BY submitted_at, id";
            return ListAsync(cmd, ct);
        }, "list extract jobs in", ct);
    }

    /// <inheritdoc/>
    public Task<bool> TryUpdateAsync(ExtractJobRecord job, IReadOnlyCollection<ExtractJobState> from, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(from);
        if (from.Count == 0) return Task.FromResult(false);
        return Run(async c =>
        {
            await using var cmd = Db.Command(c, "");
            var names = from.Select((s, i) => { cmd.With("@f" + i, (int)s); return "@f" + i; }).ToList();
            cmd.CommandText = "UPDATE extract_jobs SET state = @state, phase = @phase, records = @records, scope = @scope, attempts = @attempts, " +
                              "started_at = @started, finished_at = @finished, expires_at = @expires, bytes = @bytes, sha256 = @sha, " +
                              $"result = @result, failure = @failure, failure_rule = @rule, node = @node WHERE id = @id AND state IN ({string.Join(", ", names)})";
            cmd.With("@id", job.Id);
            Mutable(cmd, job);
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, "update an extract job in", ct);
    }

    private void Mutable(DbCommand cmd, ExtractJobRecord job) => cmd
        .With("@state", (int)job.State).With("@phase", job.Phase).With("@records", job.Records).With("@scope", job.Scope)
        .With("@attempts", job.Attempts)
        .With("@started", _dialect.NullableTime(Normalise(job.StartedAt))).With("@finished", _dialect.NullableTime(Normalise(job.FinishedAt)))
        .With("@expires", _dialect.NullableTime(Normalise(job.ExpiresAt))).With("@bytes", job.Bytes).With("@sha", job.Sha256)
        .With("@result", job.Result).With("@failure", job.Failure).With("@rule", job.FailureRule).With("@node", job.Node);

    private static DateTimeOffset? Normalise(DateTimeOffset? t) => t is { } v ? Timestamps.Normalise(v) : null;

    private async Task<IReadOnlyList<ExtractJobRecord>> ListAsync(DbCommand cmd, CancellationToken ct)
    {
        await using var _ = cmd;
        var list = new List<ExtractJobRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(Read(r));
        return list;
    }

    private ExtractJobRecord Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        GrantId = r.GetString(1),
        State = (ExtractJobState)r.GetInt32(2),
        Phase = r.GetString(3),
        Records = r.GetInt64(4),
        Request = (byte[])r.GetValue(5),
        RequestId = r.GetString(6),
        Scope = r.GetString(7),
        Attempts = r.GetInt32(8),
        SubmittedAt = _dialect.ReadTime(r, 9),
        StartedAt = _dialect.ReadNullableTime(r, 10),
        FinishedAt = _dialect.ReadNullableTime(r, 11),
        ExpiresAt = _dialect.ReadNullableTime(r, 12),
        Bytes = r.GetInt64(13),
        Sha256 = r.GetNullableString(14),
        Result = r.IsDBNull(15) ? null : (byte[])r.GetValue(15),
        Failure = r.GetNullableString(16),
        FailureRule = r.GetNullableString(17),
        Node = r.GetString(18),
    };

    private async Task<T> Run<T>(Func<DbConnection, Task<T>> work, string what, CancellationToken ct)
    {
        try
        {
            await _ready.RunAsync().ConfigureAwait(false);
            await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
            return await work(c).ConfigureAwait(false);
        }
        catch (Exception ex) when (Grants.SqlGrantStore.IsStorageFailure(ex, ct))
        {
            _dialect.OnFailure(ex);
            throw new StoreUnavailableException($"could not {what} the extract-job store ({_dialect.Location}): {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _dialect.DisposeAsync();
    }
}

/// <summary>The extract-job store in a SQLite file (the default; the same file as grants and audit).</summary>
public sealed class SqliteExtractJobStore : SqlExtractJobStore
{
    /// <summary>A store in <paramref name="options"/>.Path; the file and table are created on first use.</summary>
    public SqliteExtractJobStore(SqliteStoreOptions options, TimeProvider? time = null) : base(new SqliteDialect(options), time) { }
}

/// <summary>The extract-job store in PostgreSQL.</summary>
public sealed class PostgresExtractJobStore : SqlExtractJobStore
{
    /// <summary>A store at <paramref name="options"/>.ConnectionString; the table is created on first use.</summary>
    public PostgresExtractJobStore(PostgresStoreOptions options, TimeProvider? time = null) : base(new PostgresDialect(options), time) { }
}
