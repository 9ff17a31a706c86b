using System.Data.Common;

namespace Regsosek.Stores.Storage;

/// <summary>One schema migration of one component ("grants", "audit").</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// What differs between SQLite and PostgreSQL for our stores: opening connections, the time
/// representation, migrations, which errors are worth a retry. Everything else is shared ADO.NET.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>"SQLite" or "PostgreSQL".</summary>
    public abstract string Name { get; }

    /// <summary>Where the data lives, for error messages (never a password).</summary>
    public abstract string Location { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>The parameter value for a time column.</summary>
    public abstract object TimeValue(DateTimeOffset t);

    /// <summary>Reads a time column.</summary>
    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>True for a conflict that a retry of the whole transaction can resolve.</summary>
    public abstract bool IsRetryable(Exception ex);

    /// <summary>The isolation of an audit append transaction (see <see cref="LockAppendsAsync"/>).</summary>
    public virtual System.Data.IsolationLevel AppendIsolation => System.Data.IsolationLevel.Serializable;

    /// <summary>
    /// Serialises audit appends across processes, inside <paramref name="tx"/>, before the head is read. SQLite needs
    /// nothing (BEGIN IMMEDIATE holds the write lock already).
    /// </summary>
    public virtual Task LockAppendsAsync(DbConnection connection, DbTransaction tx, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// Serialises transactions on <paramref name="key"/> across processes, inside <paramref name="tx"/> (begun with
    /// <see cref="AppendIsolation"/>). SQLite needs nothing (BEGIN IMMEDIATE holds the write lock already).
    /// </summary>
    public virtual Task LockKeyAsync(DbConnection connection, DbTransaction tx, string key, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// Told of every failure the stores turn into <see cref="StoreUnavailableException"/>, so that the dialect can
    /// recover from it for the next operation (PostgreSQL drops its pooled connections when one broke).
    /// </summary>
    public virtual void OnFailure(Exception ex) { }

    /// <summary>Serialises migrations of <paramref name="component"/> across processes, inside <paramref name="tx"/>.</summary>
    public abstract Task LockMigrationsAsync(DbConnection connection, DbTransaction tx, string component, CancellationToken ct);

    /// <summary>
    /// The isolation of the migration transaction. SQLite needs Serializable (BEGIN IMMEDIATE: the write lock
    /// first); PostgreSQL needs ReadCommitted, so that statements after the advisory lock see what the
    /// previous lock holder committed (a Serializable snapshot would predate it).
    /// </summary>
    public abstract System.Data.IsolationLevel MigrationIsolation { get; }

    /// <summary>DDL of the schema_version table.</summary>
    public abstract string SchemaVersionDdl { get; }

    /// <summary>The migrations of <paramref name="component"/>, in version order.</summary>
    public abstract IReadOnlyList<Migration> Migrations(string component);

    public object NullableTime(DateTimeOffset? t) => t is { } v ? TimeValue(v) : DBNull.Value;

    public DateTimeOffset? ReadNullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Small ADO.NET helpers shared by the stores.</summary>
internal static class Db
{
    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? tx = null)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    public static DbCommand With(this DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        return cmd;
    }

    public static string? GetNullableString(this DbDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
