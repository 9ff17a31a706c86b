using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// A chunk of rows, column by column (duckdb_data_chunk): fetched from a <see cref="DuckDbResult"/>,
/// or created with <see cref="Create"/> to fill and append with a <see cref="DuckDbAppender"/>.
/// </summary>
public sealed class DuckDbDataChunk : IDisposable
{
    private static readonly int VectorSize = checked((int)NativeMethods.duckdb_vector_size());

    private readonly DataChunkHandle _handle;
    private readonly ColumnInfo[] _columns;

    internal DuckDbDataChunk(DataChunkHandle handle, ColumnInfo[] columns)
    {
        _handle = handle;
        _columns = columns;
    }

    /// <summary>Rows a chunk holds at most (duckdb_vector_size(), 2048 by default).</summary>
    public static int Capacity => VectorSize;

    /// <summary>
    /// Creates an empty chunk with columns of the given types, to fill through
    /// <see cref="GetVector"/> and <see cref="DuckDbVector.GetWritableData{T}"/> /
    /// <see cref="DuckDbVector.SetString(int, ReadOnlySpan{byte})"/>, then append. Supports the fixed-width types
    /// (BOOLEAN, integers, FLOAT, DOUBLE, DATE, TIME, TIMESTAMP*, HUGEINT, UUID, INTERVAL) and VARCHAR/BLOB.
    /// </summary>
    /// <exception cref="ArgumentException">No columns, or a type that needs more than its id (DECIMAL, LIST, ...).</exception>
    public static unsafe DuckDbDataChunk Create(ReadOnlySpan<DuckDbType> columnTypes)
    {
        if (columnTypes.IsEmpty) throw new ArgumentException("A data chunk needs at least one column", nameof(columnTypes));
        var columns = new ColumnInfo[columnTypes.Length];
        for (int i = 0; i < columnTypes.Length; i++)
        {
            var type = columnTypes[i];
            if (!IsCreatable(type))
                throw new ArgumentException(
                    $"Column {i}: DuckDbDataChunk.Create supports fixed-width types and VARCHAR/BLOB, not {type} " +
                    "(DECIMAL, ENUM and nested types need a full logical type)", nameof(columnTypes));
            columns[i] = new ColumnInfo(type, ColumnInfo.SizeOf(type), 0);
        }

        // duckdb_create_data_chunk copies the logical types; ours are destroyed right after.
        var types = new IntPtr[columnTypes.Length];
        var handles = new LogicalTypeHandle[columnTypes.Length];
        try
        {
            for (int i = 0; i < handles.Length; i++)
            {
                handles[i] = NativeMethods.duckdb_create_logical_type(columnTypes[i]);
                types[i] = handles[i].DangerousGetHandle();
            }
            IntPtr chunk;
            fixed (IntPtr* p = types)
                chunk = NativeMethods.duckdb_create_data_chunk(p, (ulong)types.Length);
            if (chunk == IntPtr.Zero) throw new DuckDbException("duckdb_create_data_chunk failed");
            return new DuckDbDataChunk(new DataChunkHandle(chunk), columns);
        }
        finally
        {
            foreach (var handle in handles) handle?.Dispose();
        }
    }

    /// <summary>
    /// Number of rows in the chunk. Set it (duckdb_data_chunk_set_size) after filling a
    /// chunk you created, before appending it; at most <see cref="Capacity"/>.
    /// </summary>
    public int RowCount
    {
        get => (int)NativeMethods.duckdb_data_chunk_get_size(_handle);
        set
        {
            if ((uint)value > (uint)VectorSize)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"A chunk holds 0 to {VectorSize} rows");
            NativeMethods.duckdb_data_chunk_set_size(_handle, (ulong)value);
        }
    }

    /// <summary>Number of columns.</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>
    /// The vector of column <paramref name="column"/> (0-based): a view over the chunk's memory,
    /// valid until the chunk is disposed or <see cref="Reset"/>.
    /// </summary>
    public DuckDbVector GetVector(int column)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if ((uint)column >= (uint)_columns.Length)
            throw new ArgumentOutOfRangeException(nameof(column), column, $"The chunk has {_columns.Length} columns (0-based)");
        var vector = NativeMethods.duckdb_data_chunk_get_vector(_handle, (ulong)column);
        return new DuckDbVector(vector, _columns[column], VectorSize);
    }

    /// <summary>Empties the chunk for refilling (duckdb_data_chunk_reset); get the vectors again afterwards.</summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        NativeMethods.duckdb_data_chunk_reset(_handle);
    }

    /// <summary>Destroys the chunk (duckdb_destroy_data_chunk). Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    internal DataChunkHandle Handle => _handle;

    private static bool IsCreatable(DuckDbType type) =>
        type is DuckDbType.Varchar or DuckDbType.Blob ||
        (ColumnInfo.SizeOf(type) > 0 && type is not (DuckDbType.List or DuckDbType.Map or DuckDbType.Bit or DuckDbType.BigNum));
}
