using Microsoft.Data.Sqlite;
using Npgsql;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Storage;

namespace Regsosek.Stores.Tests.Support;

/// <summary>One database for one test: a temp SQLite file, or a fresh schema in the test PostgreSQL server.</summary>
internal abstract class StoreBackend : IAsyncDisposable
{
    public abstract string Name { get; }
    /// <summary>Prepares the database (PostgreSQL: creates the test's schema).</summary>
    public virtual Task InitialiseAsync() => Task.CompletedTask;
    public abstract IGrantStore CreateGrantStore(TimeProvider time);
    public abstract SqlAuditLog CreateAuditLog(TimeProvider time, TimeSpan? timeout = null);
    public abstract Regsosek.Stores.Jobs.IExtractJobStore CreateExtractJobStore(TimeProvider time);
    /// <summary>The dialect of this database, for running migrations directly (e.g. only up to an old version).</summary>
    internal abstract SqlDialect CreateDialect();
    /// <summary>An audit log whose store cannot be reached at all.</summary>
    public abstract IAuditLog CreateUnreachableAuditLog();
    /// <summary>Runs SQL directly against the database, as someone tampering with it would.</summary>
    public abstract Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters);
    /// <summary>The first column of the first row of <paramref name="sql"/>.</summary>
    public abstract Task<object?> ScalarAsync(string sql);
    /// <summary>The parameter value of a time column, from microseconds since the Unix epoch.</summary>
    public abstract object TimeParameter(long unixMicros);
    /// <summary>SQL that lets UPDATE and DELETE through the audit_log's append-only triggers.</summary>
    public abstract string DisableAuditTriggersSql { get; }
    /// <summary>Holds a lock that keeps every other writer out of audit_log until disposed.</summary>
    public abstract Task<IAsyncDisposable> LockAuditLogAsync();
    public abstract ValueTask DisposeAsync();
}

internal sealed class SqliteBackend : StoreBackend
{
    private readonly string _dir = Directory.CreateTempSubdirectory("regsosek-stores-").FullName;

    public string Path => System.IO.Path.Combine(_dir, "db", "regsosek.db");
    public override string Name => "SQLite";

    public override IGrantStore CreateGrantStore(TimeProvider time) => new SqliteGrantStore(new SqliteStoreOptions { Path = Path }, time);

    public override SqlAuditLog CreateAuditLog(TimeProvider time, TimeSpan? timeout = null) =>
        new SqliteAuditLog(new SqliteStoreOptions { Path = Path, BusyTimeout = timeout ?? TimeSpan.FromSeconds(5) }, time);

    internal override SqlDialect CreateDialect() => new SqliteDialect(new SqliteStoreOptions { Path = Path });

    public override Regsosek.Stores.Jobs.IExtractJobStore CreateExtractJobStore(TimeProvider time) =>
        new Regsosek.Stores.Jobs.SqliteExtractJobStore(new SqliteStoreOptions { Path = Path }, time);

    public override IAuditLog CreateUnreachableAuditLog()
    {
        // A regular file where the database's directory should be: the directory cannot be created.
        var blocker = System.IO.Path.Combine(_dir, "not-a-directory");
        File.WriteAllText(blocker, "");
        return new SqliteAuditLog(new SqliteStoreOptions { Path = System.IO.Path.Combine(blocker, "audit.db") });
    }

    public override async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var c = new SqliteConnection($"Data Source={Path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync();
    }

    public override async Task<object?> ScalarAsync(string sql)
    {
        await using var c = new SqliteConnection($"Data Source={Path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }

    public override object TimeParameter(long unixMicros) => unixMicros;

    public override string DisableAuditTriggersSql => "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;";

    public override async Task<IAsyncDisposable> LockAuditLogAsync()
    {
        var c = new SqliteConnection($"Data Source={Path};Pooling=False");
        await c.OpenAsync();
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "BEGIN EXCLUSIVE;";
            await cmd.ExecuteNonQueryAsync();
        }
        return c; // disposing the connection rolls the transaction back and releases the lock
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A fresh schema in the PostgreSQL server named by REGSOSEK_TEST_POSTGRES (scripts/postgres-test-server
/// prints it). Without the variable every PostgreSQL test fails: they must never silently pass.
/// </summary>
internal sealed class PostgresBackend : StoreBackend
{
    public const string Variable = "REGSOSEK_TEST_POSTGRES";

    private readonly string _admin;
    private readonly string _schema = $"regsosek_test_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid():N}"[..48];
    private readonly string _connectionString;
    private bool _created;

    public PostgresBackend()
    {
        _admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL store tests cannot run. Start a throwaway server and export its " +
                $"connection string: export {Variable}=\"$(scripts/postgres-test-server)\"");
        _connectionString = new NpgsqlConnectionStringBuilder(_admin) { SearchPath = _schema }.ConnectionString;
    }

    public override string Name => "PostgreSQL";

    /// <summary>The connection string of this backend's schema.</summary>
    public string ConnectionString => _connectionString;

    private async Task EnsureSchemaAsync()
    {
        if (_created) return;
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE SCHEMA \"{_schema}\"", c);
        await cmd.ExecuteNonQueryAsync();
        _created = true;
    }

    public override Task InitialiseAsync() => EnsureSchemaAsync();

    public override IGrantStore CreateGrantStore(TimeProvider time) =>
        new PostgresGrantStore(new PostgresStoreOptions { ConnectionString = _connectionString }, time);

    public override SqlAuditLog CreateAuditLog(TimeProvider time, TimeSpan? timeout = null) =>
        new PostgresAuditLog(new PostgresStoreOptions { ConnectionString = _connectionString, CommandTimeout = timeout ?? TimeSpan.FromSeconds(5) }, time);

    internal override SqlDialect CreateDialect() => new PostgresDialect(new PostgresStoreOptions { ConnectionString = _connectionString });

    public override Regsosek.Stores.Jobs.IExtractJobStore CreateExtractJobStore(TimeProvider time) =>
        new Regsosek.Stores.Jobs.PostgresExtractJobStore(new PostgresStoreOptions { ConnectionString = _connectionString }, time);

    public override IAuditLog CreateUnreachableAuditLog()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        var cs = new NpgsqlConnectionStringBuilder(_connectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        return new PostgresAuditLog(new PostgresStoreOptions { ConnectionString = cs, CommandTimeout = TimeSpan.FromSeconds(2) });
    }

    public override async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var c = new NpgsqlConnection(_connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync();
    }

    public override async Task<object?> ScalarAsync(string sql)
    {
        await using var c = new NpgsqlConnection(_connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }

    public override object TimeParameter(long unixMicros) => Regsosek.Stores.Storage.Timestamps.FromUnixMicroseconds(unixMicros).UtcDateTime;

    public override string DisableAuditTriggersSql => "ALTER TABLE audit_log DISABLE TRIGGER USER;";

    public override async Task<IAsyncDisposable> LockAuditLogAsync()
    {
        var c = new NpgsqlConnection(_connectionString);
        await c.OpenAsync();
        var tx = await c.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE", c, tx))
            await cmd.ExecuteNonQueryAsync();
        return c; // closing the connection aborts the transaction and releases the lock
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_created) return;
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA \"{_schema}\" CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
