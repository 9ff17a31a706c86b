using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// A streaming query result (duckdb_result): read it chunk by chunk with <see cref="FetchChunk"/>.
/// The cancellation token given at execution stays attached until the result is disposed.
/// </summary>
public sealed class DuckDbResult : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly ResultHandle _handle;
    private readonly CancellationToken _ct;
    private readonly DuckDbPreparedStatement? _ownedStatement;
    private CancellationTokenRegistration _registration;
    private string?[]? _names;
    private bool _finished;
    private bool _closedByConnection;

    internal DuckDbResult(DuckDbConnection connection, ResultHandle handle, CancellationTokenRegistration registration,
        CancellationToken ct, DuckDbPreparedStatement? ownedStatement)
    {
        _connection = connection;
        _handle = handle;
        _registration = registration;
        _ct = ct;
        _ownedStatement = ownedStatement;
        Columns = ReadColumns(handle);
        connection.SetOpenStream(this);
    }

    /// <summary>Number of columns.</summary>
    public int ColumnCount => Columns.Length;

    internal ColumnInfo[] Columns { get; }

    /// <summary>Name of column <paramref name="column"/> (0-based).</summary>
    public unsafe string ColumnName(int column)
    {
        CheckColumn(column);
        _names ??= new string?[Columns.Length];
        return _names[column] ??= NativeMethods.ToManagedString(NativeMethods.duckdb_column_name(_handle.Pointer, (ulong)column)) ?? "";
    }

    /// <summary>Type of column <paramref name="column"/> (0-based).</summary>
    public DuckDbType ColumnType(int column)
    {
        CheckColumn(column);
        return Columns[column].Type;
    }

    /// <summary>
    /// The next chunk of rows (up to <see cref="DuckDbDataChunk.Capacity"/>), or null at the
    /// end. The caller disposes each chunk; its vectors are valid until then.
    /// </summary>
    /// <exception cref="OperationCanceledException">The execution's cancellation token was cancelled.</exception>
    /// <exception cref="DuckDbException">The query failed while producing rows; the message is DuckDB's.</exception>
    /// <exception cref="InvalidOperationException">Something else ran on the connection, which closed this result.</exception>
    public DuckDbDataChunk? FetchChunk()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_closedByConnection)
            throw new InvalidOperationException(
                "This result was closed because another statement ran on the same connection before it was read to the end; " +
                "read results fully first, or use a separate connection");
        if (_finished) return null;
        _ct.ThrowIfCancellationRequested();
        while (true)
        {
            var chunk = FetchNative();
            if (chunk == IntPtr.Zero)
            {
                Finish();
                return null;
            }
            var wrapped = new DataChunkHandle(chunk);
            if (NativeMethods.duckdb_data_chunk_get_size(wrapped) > 0) return new DuckDbDataChunk(wrapped, Columns);
            wrapped.Dispose();
        }
    }

    /// <summary>Destroys the result and detaches the cancellation token. Safe to call twice.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _connection.ClearOpenStream(this);
        _handle.Dispose();
        _ownedStatement?.Dispose();
    }

    /// <summary>Called by the connection when another statement closes this streaming result.</summary>
    internal void MarkClosedByConnection()
    {
        if (!_finished) _closedByConnection = true;
    }

    private unsafe IntPtr FetchNative()
    {
        var chunk = NativeMethods.duckdb_fetch_chunk(*_handle.Pointer);
        if (chunk != IntPtr.Zero) return chunk;
        // null means the end, or an error (e.g. our interrupt) recorded on the result
        if (_ct.IsCancellationRequested || NativeMethods.duckdb_result_error(_handle.Pointer) != null)
        {
            Finish();
            throw Execution.ErrorOf(_handle, _ct);
        }
        return IntPtr.Zero;
    }

    private void Finish()
    {
        _finished = true;
        _connection.ClearOpenStream(this);
        _registration.Dispose();
        _registration = default;
    }

    private void CheckColumn(int column)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if ((uint)column >= (uint)Columns.Length)
            throw new ArgumentOutOfRangeException(nameof(column), column, $"The result has {Columns.Length} columns (0-based)");
    }

    private static unsafe ColumnInfo[] ReadColumns(ResultHandle handle)
    {
        var count = checked((int)NativeMethods.duckdb_column_count(handle.Pointer));
        var columns = new ColumnInfo[count];
        for (int i = 0; i < count; i++)
        {
            var logicalType = NativeMethods.duckdb_column_logical_type(handle.Pointer, (ulong)i);
            try
            {
                columns[i] = ColumnInfo.FromLogicalType(logicalType);
            }
            finally
            {
                NativeMethods.duckdb_destroy_logical_type(ref logicalType);
            }
        }
        return columns;
    }
}
