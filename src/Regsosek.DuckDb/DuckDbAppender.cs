using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// Bulk loading into a table (duckdb_appender): fill <see cref="DuckDbDataChunk"/>s and append
/// them. Data becomes visible when flushed or when the appender is closed/disposed. Belongs to
/// its connection: one user at a time.
/// </summary>
public sealed class DuckDbAppender : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly AppenderHandle _handle;
    private bool _closed;

    internal DuckDbAppender(DuckDbConnection connection, AppenderHandle handle)
    {
        _connection = connection;
        _handle = handle;
    }

    /// <summary>
    /// Appends the chunk's <see cref="DuckDbDataChunk.RowCount"/> rows (duckdb_append_data_chunk).
    /// The chunk's columns must match the table's, in order; the chunk can be reset and reused afterwards.
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB refused the rows (e.g. a type mismatch or a constraint); the message is DuckDB's.</exception>
    public void AppendChunk(DuckDbDataChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ThrowIfClosed();
        _connection.BeginExecution();
        if (NativeMethods.duckdb_append_data_chunk(_handle, chunk.Handle) != DuckDbState.Success)
            throw new DuckDbException($"Appending a chunk of {chunk.RowCount} rows failed: {Error(_handle)}");
    }

    /// <summary>Writes the rows appended so far to the table (duckdb_appender_flush).</summary>
    /// <exception cref="DuckDbException">The rows violate a constraint or could not be written; the message is DuckDB's.</exception>
    public void Flush()
    {
        ThrowIfClosed();
        _connection.BeginExecution();
        if (NativeMethods.duckdb_appender_flush(_handle) != DuckDbState.Success)
            throw new DuckDbException($"Flushing the appender failed: {Error(_handle)}");
    }

    /// <summary>Flushes and closes the appender (duckdb_appender_close); later appends fail. Safe to call twice.</summary>
    /// <exception cref="DuckDbException">The final flush failed; the message is DuckDB's.</exception>
    public void Close()
    {
        if (_closed || _handle.IsClosed) return;
        _closed = true;
        _connection.BeginExecution();
        if (NativeMethods.duckdb_appender_close(_handle) != DuckDbState.Success)
            throw new DuckDbException($"Closing the appender failed: {Error(_handle)}");
    }

    /// <summary>
    /// Closes the appender, flushing what was appended, then destroys it (duckdb_appender_destroy).
    /// Throws <see cref="DuckDbException"/> if that final flush fails, so data is never lost
    /// silently. Safe to call twice.
    /// </summary>
    public void Dispose()
    {
        if (_handle.IsClosed) return;
        try
        {
            Close();
        }
        finally
        {
            _handle.Dispose();
        }
    }

    /// <summary>DuckDB's text for the appender's last error (duckdb_appender_error).</summary>
    internal static unsafe string Error(AppenderHandle appender) =>
        (appender.IsInvalid ? null : NativeMethods.ToManagedString(NativeMethods.duckdb_appender_error(appender)))
        ?? "no error text from DuckDB";

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_closed) throw new InvalidOperationException("The appender is closed; create a new one to append more rows");
    }
}
