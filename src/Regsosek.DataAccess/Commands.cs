using DuckDB.NET.Data;
using Regsosek.Schema;

namespace Regsosek.DataAccess;

/// <summary>
/// Running statements through DuckDB.NET's ADO.NET API with the planners' <see cref="QueryParameter"/>s and a
/// <see cref="CancellationToken"/> that interrupts the running statement (<see cref="DuckDBCommand.Cancel"/>:
/// duckdb_interrupt on the connection). A cancelled statement throws <see cref="OperationCanceledException"/>
/// carrying the token; the connection stays usable.
/// </summary>
public static class Commands
{
    /// <summary>A command for <paramref name="sql"/> with <paramref name="parameters"/> bound in order ($1 first).</summary>
    public static DuckDBCommand Create(DuckDBConnection connection, string sql, IReadOnlyList<QueryParameter>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        return command;
    }

    /// <summary>Replaces the parameters of <paramref name="command"/> with <paramref name="parameters"/>, in order.</summary>
    public static void Bind(DuckDBCommand command, IReadOnlyList<QueryParameter>? parameters)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Clear();
        if (parameters is null) return;
        foreach (var parameter in parameters) command.Parameters.Add(new DuckDBParameter(parameter.ClrValue));
    }

    /// <summary>Runs <paramref name="sql"/> (one or more statements) and returns the rows changed.</summary>
    public static long Execute(this DuckDBConnection connection, string sql, CancellationToken ct = default) =>
        Execute(connection, sql, null, ct);

    /// <summary>Runs <paramref name="sql"/> with <paramref name="parameters"/> and returns the rows changed.</summary>
    public static long Execute(this DuckDBConnection connection, string sql, IReadOnlyList<QueryParameter>? parameters, CancellationToken ct = default)
    {
        using var command = Create(connection, sql, parameters);
        return Interruptible(command, static c => (long)c.ExecuteNonQuery(), ct);
    }

    /// <summary>The first column of the first row (the type's default when there is no row or it is NULL).</summary>
    public static T? Scalar<T>(this DuckDBConnection connection, string sql, IReadOnlyList<QueryParameter>? parameters = null, CancellationToken ct = default)
    {
        using var command = Create(connection, sql, parameters);
        return Interruptible(command, static c =>
        {
            using var reader = c.ExecuteReader();
            return reader.Read() && !reader.IsDBNull(0) ? reader.GetFieldValue<T>(0) : default;
        }, ct);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on <paramref name="command"/> with <paramref name="ct"/> interrupting it: the
    /// one place where a token is tied to a running DuckDB statement.
    /// </summary>
    public static TResult Interruptible<TResult>(DuckDBCommand command, Func<DuckDBCommand, TResult> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(work);
        ct.ThrowIfCancellationRequested();
        try
        {
            using (ct.Register(static c => ((DuckDBCommand)c!).Cancel(), command))
                return work(command);
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or DuckDBException)
        {
            throw new OperationCanceledException("the statement was cancelled", e, ct);
        }
    }
}
