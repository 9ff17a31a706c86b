using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Regsosek.Schema;

namespace Regsosek.DataAccess;

/// <summary>
/// A streaming query result read chunk by chunk (up to <see cref="Chunks.Capacity"/> rows), each column as a span
/// over DuckDB's own memory: DuckDB.NET's public low-level API (duckdb_execute_prepared_streaming,
/// duckdb_stream_fetch_chunk, duckdb_vector_get_data). For hot paths that move whole columns out of DuckDB; no
/// allocation per row or value. Memory stays flat: only one chunk is held. Not thread-safe; the connection runs
/// nothing else while the stream is open. Cancelling the token interrupts the query
/// (<see cref="OperationCanceledException"/> from <see cref="Next"/>).
/// </summary>
public sealed unsafe class ChunkStream : IDisposable
{
    private DuckDBResult _result;
    private readonly CancellationToken _ct;
    private readonly CancellationTokenRegistration _registration;
    private readonly DuckDBType[] _types;
    private DuckDBDataChunk? _chunk;
    private readonly IntPtr[] _data;     // per column of the current chunk: its values
    private readonly IntPtr[] _validity; // per column of the current chunk: its validity mask, null when all valid
    private bool _disposed;
    private IDisposable? _owned;

    private ChunkStream(DuckDBNativeConnection connection, DuckDBResult result, CancellationToken ct)
    {
        _result = result;
        _ct = ct;
        int columns = (int)NativeMethods.Query.DuckDBColumnCount(ref _result);
        _types = new DuckDBType[columns];
        for (int c = 0; c < columns; c++) _types[c] = NativeMethods.Query.DuckDBColumnType(ref _result, c);
        _data = new IntPtr[columns];
        _validity = new IntPtr[columns];
        _registration = ct.Register(static c => ((DuckDBNativeConnection)c!).Interrupt(), connection);
    }

    /// <summary>Runs <paramref name="sql"/> (one statement) with <paramref name="parameters"/> bound in order.</summary>
    /// <exception cref="System.Data.Common.DbException">DuckDB could not prepare or run it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static ChunkStream Open(DuckDBConnection connection, string sql, IReadOnlyList<QueryParameter>? parameters = null, CancellationToken ct = default)
    {
        var statement = PreparedQuery.Prepare(connection, sql);
        try
        {
            if (parameters is not null) statement.Bind(parameters);
            var stream = statement.Execute(ct);
            stream._owned = statement; // the statement lives as long as its result
            return stream;
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    /// <summary>Executes a prepared statement, streaming.</summary>
    internal static ChunkStream Execute(DuckDBNativeConnection native, DuckDBPreparedStatement statement, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        DuckDBState state;
        DuckDBResult result;
        using (ct.Register(static c => ((DuckDBNativeConnection)c!).Interrupt(), native))
            state = NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(statement, out result);
        if (state != DuckDBState.Success)
        {
            var error = NativeMethods.Query.DuckDBResultError(ref result);
            var type = NativeMethods.Query.DuckDBResultErrorType(ref result);
            result.Close();
            if (ct.IsCancellationRequested || type == DuckDBErrorType.Interrupt) throw new OperationCanceledException(error, ct);
            throw new DuckDbNativeException(error, type);
        }
        return new ChunkStream(native, result, ct);
    }

    /// <summary>Columns of the result.</summary>
    public int ColumnCount => _types.Length;

    /// <summary>The type of column <paramref name="column"/>.</summary>
    public DuckDBType ColumnType(int column) => _types[column];

    /// <summary>The name of column <paramref name="column"/>.</summary>
    public string ColumnName(int column) => NativeMethods.Query.DuckDBColumnName(ref _result, column);

    /// <summary>Rows in the current chunk.</summary>
    public int RowCount { get; private set; }

    /// <summary>Fetches the next chunk; false at the end. The previous chunk's spans are invalid afterwards.</summary>
    public bool Next()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _chunk?.Dispose();
        _chunk = null;
        RowCount = 0;
        _ct.ThrowIfCancellationRequested();
        var chunk = NativeMethods.StreamingResult.DuckDBStreamFetchChunk(_result);
        if (chunk.IsInvalid)
        {
            chunk.Dispose();
            var error = NativeMethods.Query.DuckDBResultError(ref _result);
            if (_ct.IsCancellationRequested) throw new OperationCanceledException(error, _ct);
            if (!string.IsNullOrEmpty(error)) throw new DuckDbNativeException(error, NativeMethods.Query.DuckDBResultErrorType(ref _result));
            return false;
        }
        _chunk = chunk;
        RowCount = (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
        for (int c = 0; c < _data.Length; c++)
        {
            var vector = NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c);
            _data[c] = (IntPtr)NativeMethods.Vectors.DuckDBVectorGetData(vector);
            _validity[c] = (IntPtr)NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
        }
        return true;
    }

    /// <summary>
    /// The values of column <paramref name="column"/> in the current chunk. <typeparamref name="T"/> must be as wide as
    /// the column's values (BIGINT, UBIGINT: long/ulong; INTEGER, DATE: int; DOUBLE: double; BOOLEAN: byte/bool).
    /// A NULL row's value is undefined: check <see cref="IsValid"/> unless <see cref="AllValid"/>.
    /// </summary>
    public ReadOnlySpan<T> Column<T>(int column) where T : unmanaged
    {
        Chunks.CheckWidth<T>(_types[column], column);
        return new ReadOnlySpan<T>((void*)Data(column), RowCount);
    }

    /// <summary>True when no row of column <paramref name="column"/> is NULL in the current chunk.</summary>
    public bool AllValid(int column) => Validity(column) == null;

    /// <summary>True when row <paramref name="row"/> of column <paramref name="column"/> is not NULL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsValid(int column, int row)
    {
        if ((uint)row >= (uint)RowCount) throw new ArgumentOutOfRangeException(nameof(row));
        var mask = Validity(column);
        return mask == null || (mask[row >> 6] & (1UL << (row & 63))) != 0;
    }

    /// <summary>The UTF-8 bytes of a VARCHAR value (valid until the next chunk); check <see cref="IsValid"/> first.</summary>
    public ReadOnlySpan<byte> Utf8(int column, int row)
    {
        if (_types[column] != DuckDBType.Varchar) throw new InvalidOperationException($"column {column} is {_types[column]}, not VARCHAR");
        if ((uint)row >= (uint)RowCount) throw new ArgumentOutOfRangeException(nameof(row));
        // duckdb_string_t: uint32 length, then 12 inline bytes (length <= 12) or a 4-byte prefix and a pointer.
        var value = (byte*)Data(column) + 16L * row;
        int length = *(int*)value;
        return length <= 12 ? new ReadOnlySpan<byte>(value + 4, length) : new ReadOnlySpan<byte>(*(byte**)(value + 8), length);
    }

    /// <summary>A VARCHAR value as a string (allocates: not for hot paths).</summary>
    public string String(int column, int row) => System.Text.Encoding.UTF8.GetString(Utf8(column, row));

    private IntPtr Data(int column)
    {
        if (_chunk is null) throw new InvalidOperationException("no current chunk: call Next() first");
        return _data[column];
    }

    private ulong* Validity(int column)
    {
        if (_chunk is null) throw new InvalidOperationException("no current chunk: call Next() first");
        return (ulong*)_validity[column];
    }

    /// <summary>Closes the result.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _registration.Dispose();
        _chunk?.Dispose();
        _result.Close();
        _owned?.Dispose();
    }
}
