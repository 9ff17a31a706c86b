using System.Data.Common;
using Npgsql;

namespace Regsosek.Stores.Storage;

/// <summary>Settings of a PostgreSQL store.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>
    /// An Npgsql connection string, e.g. "Host=db;Port=5432;Username=regsosek;Database=regsosek".
    /// Tables are created in the first schema of the search path ("Search Path=..." selects another).
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>Per-command timeout; a locked table or a stalled server fails after it (default 5 s).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// PostgreSQL: timestamptz times, bytea hashes; audit appends and migrations each under a transaction-scoped
/// advisory lock (READ COMMITTED), so that replicas take turns instead of conflicting.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _location;

    public PostgresDialect(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"the PostgreSQL connection string is not valid: {ex.Message}; expected e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres", nameof(options), ex);
        }
        if (string.IsNullOrEmpty(builder.Host))
            throw new ArgumentException("the PostgreSQL connection string names no Host, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres", nameof(options));
        if (options.CommandTimeout <= TimeSpan.Zero)
            throw new ArgumentException("the PostgreSQL command timeout must be positive", nameof(options));
        builder.CommandTimeout = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds));
        _location = $"PostgreSQL database {builder.Database ?? builder.Username} on {builder.Host}:{builder.Port}" +
                    (string.IsNullOrEmpty(builder.SearchPath) ? "" : $" (schema {builder.SearchPath})");
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Name => "PostgreSQL";
    public override string Location => _location;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) =>
        await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

    public override object TimeValue(DateTimeOffset t) => t.UtcDateTime;
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    public override bool IsRetryable(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected };

    /// <summary>
    /// A connection broke (the server restarted or failed over, the network was cut): the other idle connections in
    /// the pool are most likely dead as well, and each could fail one more call when next used. Drop them all, so
    /// that the next operation opens a fresh connection and the store recovers as soon as the server is back.
    /// </summary>
    public override void OnFailure(Exception ex)
    {
        if (IsConnectionFailure(ex)) _dataSource.Clear();
    }

    /// <summary>True for a failure of the connection rather than of a statement: I/O, connect, timeout
    /// (an NpgsqlException that is not a server error), or a server error of class 08 (connection) or 57P
    /// (shutdown, crash, cannot connect now, session terminated).</summary>
    internal static bool IsConnectionFailure(Exception? ex) => ex switch
    {
        null => false,
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true,
        _ => IsConnectionFailure(ex.InnerException),
    };

    public override async Task LockMigrationsAsync(DbConnection connection, DbTransaction tx, string component, CancellationToken ct)
    {
        await using var cmd = Db.Command(connection, "SELECT pg_advisory_xact_lock(hashtext('regsosek:' || current_schema() || ':' || @c))", tx).With("@c", component);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public override System.Data.IsolationLevel MigrationIsolation => System.Data.IsolationLevel.ReadCommitted;

    /// <summary>
    /// Appends from several replicas take turns on a transaction-scoped advisory lock, then read the head in READ
    /// COMMITTED (so they see what the previous holder committed). Under SERIALIZABLE alone, replicas appending at once
    /// conflicted and retried, and under load some ran out of retries and failed their calls (issue 16).
    /// </summary>
    public override System.Data.IsolationLevel AppendIsolation => System.Data.IsolationLevel.ReadCommitted;

    public override async Task LockAppendsAsync(DbConnection connection, DbTransaction tx, CancellationToken ct)
    {
        await using var cmd = Db.Command(connection, "SELECT pg_advisory_xact_lock(hashtext('regsosek:' || current_schema() || ':audit-append'))", tx);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public override async Task LockKeyAsync(DbConnection connection, DbTransaction tx, string key, CancellationToken ct)
    {
        await using var cmd = Db.Command(connection, "SELECT pg_advisory_xact_lock(hashtext('regsosek:' || current_schema() || ':' || @k))", tx).With("@k", key);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public override string SchemaVersionDdl => """
        CREATE TABLE IF NOT EXISTS schema_version (
          component   text        NOT NULL,
          version     integer     NOT NULL,
          description text        NOT NULL,
          applied_at  timestamptz NOT NULL,
          PRIMARY KEY (component, version)
        );
        """;

    public override IReadOnlyList<Migration> Migrations(string component) => component switch
    {
        StoreComponents.Grants => [new(1, "grants table", """
            CREATE TABLE grants (
              id                      text        PRIMARY KEY,
              organisation            text        NOT NULL,
              unit                    text        NOT NULL,
              tier                    integer     NOT NULL CHECK (tier BETWEEN 1 AND 4),
              region                  text        NOT NULL,
              purpose                 text        NOT NULL,
              valid_from              timestamptz NOT NULL,
              valid_until             timestamptz NOT NULL,
              revoked_at              timestamptz,
              revocation_reason       text,
              is_operator             boolean     NOT NULL,
              without_satu_data_forum boolean     NOT NULL,
              token_hash              bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
              issued_at               timestamptz NOT NULL,
              extended_at             timestamptz,
              CHECK (valid_until > valid_from)
            );
            CREATE INDEX grants_organisation ON grants (organisation);
            CREATE INDEX grants_region ON grants (region);
            """)],
        StoreComponents.Audit => [new(1, "hash-chained audit_log, append-only", """
            CREATE TABLE audit_log (
              seq            bigint      PRIMARY KEY CHECK (seq >= 1),
              time           timestamptz NOT NULL,
              grant_id       text,
              organisation   text,
              unit           text,
              method         text        NOT NULL,
              request        text        NOT NULL,
              scope          text        NOT NULL,
              decision       text        NOT NULL CHECK (decision IN ('allowed', 'denied')),
              rule           text,
              cells          bigint      NOT NULL,
              rows_returned  bigint      NOT NULL,
              bytes          bigint      NOT NULL,
              extract_sha256 text,
              latency_us     bigint      NOT NULL,
              status_code    integer     NOT NULL,
              prev_hash      bytea       NOT NULL CHECK (length(prev_hash) = 32),
              hash           bytea       NOT NULL UNIQUE CHECK (length(hash) = 32)
            );
            CREATE INDEX audit_log_grant_time ON audit_log (grant_id, time);
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP; END $$;
            CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
              FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
              FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
            """),
            // Adding columns with a constant default rewrites no row and fires no trigger; old rows read hash_version 1.
            new(2, "request SHA-256, request id, hash version; decision 'interrupted'", """
            ALTER TABLE audit_log
              ADD COLUMN request_sha256 text CHECK (request_sha256 IS NULL OR length(request_sha256) = 64),
              ADD COLUMN request_id     text CHECK (request_id IS NULL OR length(request_id) BETWEEN 1 AND 64),
              ADD COLUMN hash_version   integer NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2));
            ALTER TABLE audit_log DROP CONSTRAINT audit_log_decision_check;
            ALTER TABLE audit_log ADD CONSTRAINT audit_log_decision_check CHECK (decision IN ('allowed', 'denied', 'interrupted'));
            ALTER TABLE audit_log ADD CONSTRAINT audit_log_v2_fields
              CHECK (hash_version = 1 OR (request_sha256 IS NOT NULL AND request_id IS NOT NULL));
            CREATE INDEX audit_log_request_id ON audit_log (request_id);
            """)],
        StoreComponents.ExtractJobs => [new(1, "extract_jobs table", """
            CREATE TABLE extract_jobs (
              id           text        PRIMARY KEY,
              grant_id     text        NOT NULL,
              state        integer     NOT NULL CHECK (state BETWEEN 1 AND 6),
              phase        text        NOT NULL,
              records      bigint      NOT NULL,
              request      bytea       NOT NULL,
              request_id   text        NOT NULL,
              scope        text        NOT NULL,
              attempts     integer     NOT NULL,
              submitted_at timestamptz NOT NULL,
              started_at   timestamptz,
              finished_at  timestamptz,
              expires_at   timestamptz,
              bytes        bigint      NOT NULL,
              sha256       text        CHECK (sha256 IS NULL OR length(sha256) = 64),
              result       bytea,
              failure      text,
              failure_rule text,
              node         text NOT NULL
            );
            CREATE INDEX extract_jobs_grant ON extract_jobs (grant_id, submitted_at);
            CREATE INDEX extract_jobs_state ON extract_jobs (state);
            """)],
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, "unknown store component"),
    };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
