using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// A connection to a <see cref="DuckDbDatabase"/> (duckdb_connection). Like DuckDB's own, it
/// serves one user at a time: do not use it from two threads at once (open one connection per
/// thread instead). Only one streaming result can be open on a connection: running anything
/// else on it closes the open result, whose next <see cref="DuckDbResult.FetchChunk"/> then
/// throws rather than returning a silently truncated result.
/// </summary>
public sealed class DuckDbConnection : IDisposable
{
    private DuckDbResult? _openStream;

    internal DuckDbConnection(ConnectionHandle handle) => Handle = handle;

    internal ConnectionHandle Handle { get; }

    /// <summary>Runs <paramref name="sql"/> (one or more statements separated by ';') and discards any result.</summary>
    /// <exception cref="DuckDbException">A statement failed; the message is DuckDB's.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; the running statement was interrupted.</exception>
    public void Execute(string sql, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ThrowIfDisposed();
        ct.ThrowIfCancellationRequested();
        BeginExecution();
        var count = NativeMethods.duckdb_extract_statements(Handle, sql, out var statements);
        using (statements)
        {
            if (count == 0)
            {
                var error = ExtractError(statements);
                if (error is not null) throw new DuckDbException(error);
                return; // nothing but whitespace or comments
            }
            for (ulong i = 0; i < count; i++)
            {
                if (NativeMethods.duckdb_prepare_extracted_statement(Handle, statements, i, out var prepared) != DuckDbState.Success)
                {
                    var error = PrepareError(prepared);
                    prepared.Dispose();
                    throw new DuckDbException(count == 1 ? error : $"Statement {i + 1} of {count} failed: {error}");
                }
                using (prepared)
                {
                    using var result = Execution.Run(this, prepared, streaming: false, ct, out var registration);
                    registration.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Runs one query and returns its streaming result: chunks are produced as
    /// <see cref="DuckDbResult.FetchChunk"/> asks for them. <paramref name="ct"/> stays attached
    /// to the result: cancelling it interrupts the query, during execution or between chunks.
    /// </summary>
    /// <exception cref="DuckDbException">The query is invalid or failed; the message is DuckDB's.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public DuckDbResult Query(string sql, CancellationToken ct = default)
    {
        var statement = Prepare(sql);
        try
        {
            return statement.ExecuteStreaming(ct, ownsStatement: true);
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The first column of the first row of <paramref name="sql"/>'s result, converted to
    /// <typeparamref name="T"/> (long, int, short, byte, double, float, decimal, Int128, string,
    /// bool, DateOnly, DateTime, or their nullable forms). A convenience for tests and tools.
    /// </summary>
    /// <returns>The value; null when it is NULL or there are no rows and <typeparamref name="T"/> can be null.</returns>
    /// <exception cref="InvalidOperationException">The value is NULL or missing and <typeparamref name="T"/> is a non-nullable value type.</exception>
    /// <exception cref="InvalidCastException">The column's type cannot be converted to <typeparamref name="T"/>.</exception>
    public T? ExecuteScalar<T>(string sql, CancellationToken ct = default)
    {
        using var result = Query(sql, ct);
        if (result.ColumnCount == 0) return ValueReader.Null<T>("the statement returned no columns");
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                if (chunk.RowCount == 0) continue;
                return ValueReader.Read<T>(chunk.GetVector(0), 0, result.Columns[0]);
            }
        }
        return ValueReader.Null<T>("the query returned no rows");
    }

    /// <summary>Prepares one statement with '?' or '$n' parameters (duckdb_prepare).</summary>
    /// <exception cref="DuckDbException">The statement is invalid; the message is DuckDB's.</exception>
    public DuckDbPreparedStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ThrowIfDisposed();
        BeginExecution();
        if (NativeMethods.duckdb_prepare(Handle, sql, out var prepared) != DuckDbState.Success)
        {
            var error = PrepareError(prepared);
            prepared.Dispose();
            throw new DuckDbException(error);
        }
        prepared.KeepAlive(Handle);
        return new DuckDbPreparedStatement(this, prepared);
    }

    /// <summary>Creates an appender that bulk-loads data chunks into <paramref name="table"/> (duckdb_appender_create_ext).</summary>
    /// <exception cref="DuckDbException">The table does not exist or cannot be appended to; the message is DuckDB's.</exception>
    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        ThrowIfDisposed();
        BeginExecution();
        if (NativeMethods.duckdb_appender_create_ext(Handle, null, schema, table, out var appender) != DuckDbState.Success)
        {
            var error = DuckDbAppender.Error(appender);
            appender.Dispose();
            throw new DuckDbException($"Cannot append to table '{(schema is null ? table : $"{schema}.{table}")}': {error}");
        }
        appender.KeepAlive(Handle);
        return new DuckDbAppender(this, appender);
    }

    /// <summary>Interrupts the query running on this connection, if any (duckdb_interrupt). Safe from any thread.</summary>
    public void Interrupt() => Handle.Interrupt();

    /// <summary>Closes the connection (duckdb_disconnect) once its open results, statements and appenders are disposed. Safe to call twice.</summary>
    public void Dispose() => Handle.Dispose();

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Handle.IsClosed, this);

    /// <summary>
    /// Called before anything runs on the connection's client context: DuckDB then closes an
    /// open streaming result, so that result is told it can no longer be read.
    /// </summary>
    internal void BeginExecution()
    {
        _openStream?.MarkClosedByConnection();
        _openStream = null;
    }

    /// <summary>Registers the streaming result now open on this connection.</summary>
    internal void SetOpenStream(DuckDbResult result) => _openStream = result;

    /// <summary>Forgets <paramref name="result"/> when it ends or is disposed.</summary>
    internal void ClearOpenStream(DuckDbResult result)
    {
        if (ReferenceEquals(_openStream, result)) _openStream = null;
    }

    private static unsafe string PrepareError(PreparedStatementHandle prepared) =>
        (prepared.IsInvalid ? null : NativeMethods.ToManagedString(NativeMethods.duckdb_prepare_error(prepared)))
        ?? "DuckDB could not prepare the statement (no error text)";

    private static unsafe string? ExtractError(ExtractedStatementsHandle statements) =>
        statements.IsInvalid ? null : NativeMethods.ToManagedString(NativeMethods.duckdb_extract_statements_error(statements));
}
