using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Regsosek.Stores.Storage;

/// <summary>Settings of a SQLite store.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>The database file, e.g. ".data/regsosek.db"; its directory is created on first use.</summary>
    public required string Path { get; init; }

    /// <summary>How long a write waits for another writer's lock before failing (default 5 s).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// SQLite: one file in WAL mode with synchronous=FULL (a committed write survives power loss);
/// times as integer microseconds since the Unix epoch (UTC); writers serialised by BEGIN IMMEDIATE.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    /// <summary>The columns of audit schema version 1, copied when version 2 rebuilds the table.</summary>
    private const string AuditV1Columns =
        "seq, time, grant_id, organisation, unit, method, request, scope, decision, rule, cells, rows_returned, bytes, " +
        "extract_sha256, latency_us, status_code, prev_hash, hash";

    private readonly string _connectionString;
    private readonly string _path;
    private readonly int _busyMs;
    private static readonly object Configured = new();
    // Native connections (pooled by Microsoft.Data.Sqlite) that have had their pragmas; weak, so closed ones go.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();
    private volatile bool _directoryReady;

    public SqliteDialect(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Path))
            throw new ArgumentException("the SQLite store needs a file path, e.g. .data/regsosek.db", nameof(options));
        if (options.Path.Contains(":memory:", StringComparison.OrdinalIgnoreCase) || options.Path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"the SQLite store needs a plain file path (got '{options.Path}'); in-memory databases cannot use WAL", nameof(options));
        if (options.BusyTimeout <= TimeSpan.Zero)
            throw new ArgumentException("the SQLite busy timeout must be positive", nameof(options));
        _path = System.IO.Path.GetFullPath(options.Path);
        _busyMs = (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout; keep it near the busy timeout.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    public override string Name => "SQLite";
    public override string Location => $"SQLite database {_path}";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        if (!_directoryReady)
        {
            var dir = System.IO.Path.GetDirectoryName(_path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            _directoryReady = true;
        }
        var c = new SqliteConnection(_connectionString);
        try
        {
            await c.OpenAsync(ct).ConfigureAwait(false);
            // The settings belong to the native connection, which the pool keeps open and hands out again: set them
            // the first time a native connection is seen, not on every open (they cost a statement on every call).
            // Without a native handle to remember, they are set every time (never skipped).
            var handle = c.Handle;
            if (handle is null || !_configured.TryGetValue(handle, out _))
            {
                await using var pragma = Db.Command(c, $"PRAGMA busy_timeout = {_busyMs}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
                await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (handle is not null) _configured.AddOrUpdate(handle, Configured);
            }
            return c;
        }
        catch
        {
            await c.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Switches the file to WAL (persistent; cannot run inside a transaction) and checks it took.</summary>
    public async Task EnsureWalAsync(CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Db.Command(c, "PRAGMA journal_mode = WAL;");
        var mode = Convert.ToString(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new StoreUnavailableException($"{Location} could not be switched to WAL journal mode (it reports '{mode}'); is it on a file system that supports shared memory?");
    }

    public override object TimeValue(DateTimeOffset t) => Timestamps.ToUnixMicroseconds(t);
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => Timestamps.FromUnixMicroseconds(reader.GetInt64(ordinal));

    public override bool IsRetryable(Exception ex) => false; // BEGIN IMMEDIATE already waited for the lock

    public override Task LockMigrationsAsync(DbConnection connection, DbTransaction tx, string component, CancellationToken ct) =>
        Task.CompletedTask; // the transaction is BEGIN IMMEDIATE: it holds the write lock already

    public override System.Data.IsolationLevel MigrationIsolation => System.Data.IsolationLevel.Serializable;

    public override string SchemaVersionDdl => """
        CREATE TABLE IF NOT EXISTS schema_version (
          component   TEXT    NOT NULL,
          version     INTEGER NOT NULL,
          description TEXT    NOT NULL,
          applied_at  INTEGER NOT NULL,
          PRIMARY KEY (component, version)
        );
        """;

    public override IReadOnlyList<Migration> Migrations(string component) => component switch
    {
        StoreComponents.Grants => [new(1, "grants table", """
            CREATE TABLE grants (
              id                      TEXT    PRIMARY KEY,
              organisation            TEXT    NOT NULL,
              unit                    TEXT    NOT NULL,
              tier                    INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 4),
              region                  TEXT    NOT NULL,
              purpose                 TEXT    NOT NULL,
              valid_from              INTEGER NOT NULL,
              valid_until             INTEGER NOT NULL,
              revoked_at              INTEGER,
              revocation_reason       TEXT,
              is_operator             INTEGER NOT NULL CHECK (is_operator IN (0, 1)),
              without_satu_data_forum INTEGER NOT NULL CHECK (without_satu_data_forum IN (0, 1)),
              token_hash              BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
              issued_at               INTEGER NOT NULL,
              extended_at             INTEGER,
              CHECK (valid_until > valid_from)
            );
            CREATE INDEX grants_organisation ON grants (organisation);
            CREATE INDEX grants_region ON grants (region);
            """)],
        StoreComponents.Audit => [new(1, "hash-chained audit_log, append-only", """
            CREATE TABLE audit_log (
              seq            INTEGER PRIMARY KEY CHECK (seq >= 1),
              time           INTEGER NOT NULL,
              grant_id       TEXT,
              organisation   TEXT,
              unit           TEXT,
              method         TEXT    NOT NULL,
              request        TEXT    NOT NULL,
              scope          TEXT    NOT NULL,
              decision       TEXT    NOT NULL CHECK (decision IN ('allowed', 'denied')),
              rule           TEXT,
              cells          INTEGER NOT NULL,
              rows_returned  INTEGER NOT NULL,
              bytes          INTEGER NOT NULL,
              extract_sha256 TEXT,
              latency_us     INTEGER NOT NULL,
              status_code    INTEGER NOT NULL,
              prev_hash      BLOB    NOT NULL CHECK (length(prev_hash) = 32),
              hash           BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32)
            );
            CREATE INDEX audit_log_grant_time ON audit_log (grant_id, time);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
              BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
              BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END;
            """),
            // SQLite cannot change a CHECK constraint in place: the table is rebuilt with its rows copied unchanged
            // (DROP TABLE fires no triggers), inside the migration's transaction. Old rows keep hash_version 1.
            new(2, "request SHA-256, request id, hash version; decision 'interrupted'", $"""
            CREATE TABLE audit_log_new (
              seq            INTEGER PRIMARY KEY CHECK (seq >= 1),
              time           INTEGER NOT NULL,
              grant_id       TEXT,
              organisation   TEXT,
              unit           TEXT,
              method         TEXT    NOT NULL,
              request        TEXT    NOT NULL,
              scope          TEXT    NOT NULL,
              decision       TEXT    NOT NULL CHECK (decision IN ('allowed', 'denied', 'interrupted')),
              rule           TEXT,
              cells          INTEGER NOT NULL,
              rows_returned  INTEGER NOT NULL,
              bytes          INTEGER NOT NULL,
              extract_sha256 TEXT,
              latency_us     INTEGER NOT NULL,
              status_code    INTEGER NOT NULL,
              request_sha256 TEXT    CHECK (request_sha256 IS NULL OR length(request_sha256) = 64),
              request_id     TEXT    CHECK (request_id IS NULL OR length(request_id) BETWEEN 1 AND 64),
              hash_version   INTEGER NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2)),
              prev_hash      BLOB    NOT NULL CHECK (length(prev_hash) = 32),
              hash           BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
              CHECK (hash_version = 1 OR (request_sha256 IS NOT NULL AND request_id IS NOT NULL))
            );
            INSERT INTO audit_log_new ({AuditV1Columns}, hash_version) SELECT {AuditV1Columns}, 1 FROM audit_log ORDER BY seq;
            DROP TABLE audit_log;
            ALTER TABLE audit_log_new RENAME TO audit_log;
            CREATE INDEX audit_log_grant_time ON audit_log (grant_id, time);
            CREATE INDEX audit_log_request_id ON audit_log (request_id);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
              BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
              BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END;
            """)],
        StoreComponents.ExtractJobs => [new(1, "extract_jobs table", """
            CREATE TABLE extract_jobs (
              id           TEXT    PRIMARY KEY,
              grant_id     TEXT    NOT NULL,
              state        INTEGER NOT NULL CHECK (state BETWEEN 1 AND 6),
              phase        TEXT    NOT NULL,
              records      INTEGER NOT NULL,
              request      BLOB    NOT NULL,
              request_id   TEXT    NOT NULL,
              scope        TEXT    NOT NULL,
              attempts     INTEGER NOT NULL,
              submitted_at INTEGER NOT NULL,
              started_at   INTEGER,
              finished_at  INTEGER,
              expires_at   INTEGER,
              bytes        INTEGER NOT NULL,
              sha256       TEXT    CHECK (sha256 IS NULL OR length(sha256) = 64),
              result       BLOB,
              failure      TEXT,
              failure_rule TEXT,
              node         TEXT NOT NULL
            );
            CREATE INDEX extract_jobs_grant ON extract_jobs (grant_id, submitted_at);
            CREATE INDEX extract_jobs_state ON extract_jobs (state);
            """)],
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, "unknown store component"),
    };

    public override ValueTask DisposeAsync()
    {
        // Release pooled handles so the file can be moved or deleted.
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Names of the store components, as recorded in schema_version.</summary>
internal static class StoreComponents
{
    public const string Grants = "grants";
    public const string Audit = "audit";
    public const string ExtractJobs = "extract_jobs";
}
