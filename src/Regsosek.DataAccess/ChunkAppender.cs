using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace Regsosek.DataAccess;

/// <summary>
/// Appends to a table a chunk at a time, the chunk's columns written as spans: DuckDB.NET's public low-level API
/// (duckdb_appender_create, duckdb_create_data_chunk, duckdb_vector_get_data, duckdb_append_data_chunk). For hot
/// paths that produce whole columns (the generator, the pseudonyms); DuckDB.NET's row appender
/// (<see cref="DuckDB.NET.Data.DuckDBAppender"/>) allocates a row object per row. Fill up to
/// <see cref="Chunks.Capacity"/> rows, then <see cref="Append"/>; the chunk is then empty again. Not thread-safe.
/// <see cref="Dispose"/> flushes and closes, and throws if DuckDB rejects what was appended.
/// </summary>
public sealed unsafe class ChunkAppender : IDisposable
{
    private readonly DuckDB.NET.Native.DuckDBAppender _appender;
    private readonly DuckDBLogicalType[] _logicalTypes;
    private readonly DuckDBType[] _types;
    private readonly DuckDBDataChunk _chunk;
    private readonly IntPtr[] _vectors;
    private readonly IntPtr[] _validity; // per column, null until a row of this chunk is set NULL
    private bool _closed;

    /// <summary>An appender to <paramref name="table"/> (main schema), its chunk typed as the table's columns.</summary>
    /// <exception cref="DuckDbNativeException">The table does not exist.</exception>
    public ChunkAppender(DuckDBConnection connection, string table)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (NativeMethods.Appender.DuckDBAppenderCreate(connection.NativeConnection, null, table, out _appender) != DuckDBState.Success)
        {
            var error = AppenderError(_appender);
            _appender.Dispose();
            throw new DuckDbNativeException(error);
        }
        int columns = (int)NativeMethods.Appender.DuckDBAppenderColumnCount(_appender);
        _logicalTypes = new DuckDBLogicalType[columns];
        _types = new DuckDBType[columns];
        var handles = new IntPtr[columns];
        for (int c = 0; c < columns; c++)
        {
            _logicalTypes[c] = NativeMethods.Appender.DuckDBAppenderColumnType(_appender, (ulong)c);
            _types[c] = NativeMethods.LogicalType.DuckDBGetTypeId(_logicalTypes[c]);
            handles[c] = _logicalTypes[c].DangerousGetHandle();
        }
        _chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk(handles, (ulong)columns);
        _vectors = new IntPtr[columns];
        _validity = new IntPtr[columns];
        for (int c = 0; c < columns; c++) _vectors[c] = NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk, c);
    }

    /// <summary>Columns of the table.</summary>
    public int ColumnCount => _types.Length;

    /// <summary>The type of column <paramref name="column"/>.</summary>
    public DuckDBType ColumnType(int column) => _types[column];

    /// <summary>Rows appended so far (chunks handed to DuckDB).</summary>
    public long RowsAppended { get; private set; }

    /// <summary>
    /// The chunk's values of column <paramref name="column"/> for writing (<see cref="Chunks.Capacity"/> of them);
    /// <typeparamref name="T"/> must be as wide as the column's values.
    /// </summary>
    public Span<T> Column<T>(int column) where T : unmanaged
    {
        Chunks.CheckWidth<T>(_types[column], column);
        return new Span<T>(NativeMethods.Vectors.DuckDBVectorGetData(_vectors[column]), Chunks.Capacity);
    }

    /// <summary>Marks row <paramref name="row"/> of column <paramref name="column"/> NULL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetNull(int column, int row)
    {
        if ((uint)row >= (uint)Chunks.Capacity) throw new ArgumentOutOfRangeException(nameof(row));
        var mask = (ulong*)_validity[column];
        if (mask == null)
        {
            NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(_vectors[column]);
            mask = NativeMethods.Vectors.DuckDBVectorGetValidity(_vectors[column]);
            _validity[column] = (IntPtr)mask;
        }
        mask[row >> 6] &= ~(1UL << (row & 63));
    }

    /// <summary>Sets a VARCHAR value from its UTF-8 bytes (DuckDB copies them).</summary>
    public void SetString(int column, int row, ReadOnlySpan<byte> utf8)
    {
        if (_types[column] != DuckDBType.Varchar) throw new InvalidOperationException($"column {column} is {_types[column]}, not VARCHAR");
        fixed (byte* bytes = utf8)
            NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(_vectors[column], (ulong)row, bytes, utf8.Length);
    }

    /// <summary>Appends the chunk's first <paramref name="rows"/> rows and empties the chunk (every value valid again).</summary>
    /// <exception cref="DuckDbNativeException">DuckDB rejected the rows (e.g. a constraint).</exception>
    public void Append(int rows)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if ((uint)rows > (uint)Chunks.Capacity) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"a chunk holds at most {Chunks.Capacity} rows");
        if (rows > 0)
        {
            NativeMethods.DataChunks.DuckDBDataChunkSetSize(_chunk, (ulong)rows);
            if (NativeMethods.Appender.DuckDBAppendDataChunk(_appender, _chunk) != DuckDBState.Success)
                throw new DuckDbNativeException(AppenderError(_appender));
            RowsAppended += rows;
        }
        NativeMethods.DataChunks.DuckDBDataChunkReset(_chunk);
        // Reset may give a vector new memory: look the vectors up again.
        for (int c = 0; c < _vectors.Length; c++) _vectors[c] = NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk, c);
        Array.Clear(_validity);
    }

    /// <summary>Flushes what was appended into the table and closes the appender.</summary>
    /// <exception cref="DuckDbNativeException">The flush failed.</exception>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            if (NativeMethods.Appender.DuckDBAppenderClose(_appender) != DuckDBState.Success)
                throw new DuckDbNativeException(AppenderError(_appender));
        }
        finally
        {
            _chunk.Dispose();
            foreach (var type in _logicalTypes) type.Dispose();
            _appender.Dispose();
        }
    }

    private static string AppenderError(DuckDB.NET.Native.DuckDBAppender appender)
    {
        using var error = NativeMethods.Appender.DuckDBAppenderErrorData(appender);
        return error.HasError ? error.Message : "the DuckDB appender failed";
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();
}
