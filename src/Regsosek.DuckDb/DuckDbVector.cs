using System.Runtime.CompilerServices;
using System.Text;
using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// One column of a <see cref="DuckDbDataChunk"/> (duckdb_vector): a view over the chunk's
/// memory, valid while the chunk lives and until it is reset. Reading allocates nothing.
/// Row indexes are 0-based and below <see cref="Capacity"/>.
/// </summary>
public readonly unsafe struct DuckDbVector
{
    private const int StringSize = 16; // sizeof(duckdb_string_t)
    private const int InlineLength = 12;

    private readonly IntPtr _vector;
    private readonly void* _data;
    private readonly ulong* _validity;
    private readonly ColumnInfo _info;
    private readonly int _capacity;

    internal DuckDbVector(IntPtr vector, ColumnInfo info, int capacity)
    {
        _vector = vector;
        _info = info;
        _capacity = capacity;
        _data = NativeMethods.duckdb_vector_get_data(vector);
        _validity = NativeMethods.duckdb_vector_get_validity(vector);
    }

    /// <summary>The vector's type.</summary>
    public DuckDbType Type => _info.Type;

    /// <summary>How many rows the vector's memory holds (a chunk's capacity; a list child's size).</summary>
    public int Capacity => _capacity;

    /// <summary>
    /// The values of the first <paramref name="rowCount"/> rows of a fixed-width vector, e.g.
    /// <c>GetData&lt;long&gt;</c> for BIGINT, <c>GetData&lt;int&gt;</c> for INTEGER and DATE,
    /// <c>GetData&lt;DuckDbListEntry&gt;</c> for LIST. Values of NULL rows are undefined: check
    /// <see cref="IsValid"/> unless <see cref="AllValid"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">sizeof(<typeparamref name="T"/>) is not the width of the vector's values.</exception>
    public ReadOnlySpan<T> GetData<T>(int rowCount) where T : unmanaged
    {
        CheckData<T>(rowCount);
        return new ReadOnlySpan<T>(_data, rowCount);
    }

    /// <summary>Writable view of the first <paramref name="rowCount"/> values, to fill a chunk made with <see cref="DuckDbDataChunk.Create"/>.</summary>
    /// <exception cref="InvalidOperationException">sizeof(<typeparamref name="T"/>) is not the width of the vector's values.</exception>
    public Span<T> GetWritableData<T>(int rowCount) where T : unmanaged
    {
        CheckData<T>(rowCount);
        return new Span<T>(_data, rowCount);
    }

    /// <summary>Whether row <paramref name="row"/> is not NULL (the validity mask's bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsValid(int row)
    {
        CheckRow(row);
        var validity = Validity;
        return validity == null || (validity[row >> 6] & (1UL << (row & 63))) != 0;
    }

    /// <summary>
    /// True when the vector has no validity mask, so no row is NULL and <see cref="IsValid"/>
    /// need not be asked. False means some rows may be NULL.
    /// </summary>
    public bool AllValid => Validity == null;

    /// <summary>Marks row <paramref name="row"/> NULL (duckdb_vector_ensure_validity_writable, then clears its bit).</summary>
    public void SetNull(int row)
    {
        CheckRow(row);
        NativeMethods.duckdb_vector_ensure_validity_writable(_vector);
        var validity = NativeMethods.duckdb_vector_get_validity(_vector);
        validity[row >> 6] &= ~(1UL << (row & 63));
    }

    /// <summary>
    /// The UTF-8 bytes of a VARCHAR (or BLOB) value, without copying: strings of up to 12 bytes
    /// are inlined in the duckdb_string_t, longer ones point into the chunk's memory.
    /// </summary>
    /// <exception cref="InvalidOperationException">The vector is not VARCHAR or BLOB.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetStringUtf8(int row)
    {
        CheckString();
        CheckRow(row);
        byte* value = (byte*)_data + (nint)row * StringSize;
        int length = (int)*(uint*)value;
        return length <= InlineLength
            ? new ReadOnlySpan<byte>(value + 4, length)
            : new ReadOnlySpan<byte>(*(byte**)(value + 8), length);
    }

    /// <summary>A VARCHAR value as a .NET string (allocates; prefer <see cref="GetStringUtf8"/> on hot paths).</summary>
    public string GetString(int row) => Encoding.UTF8.GetString(GetStringUtf8(row));

    /// <summary>Sets a VARCHAR (or BLOB) value; DuckDB copies the bytes (duckdb_vector_assign_string_element_len).</summary>
    public void SetString(int row, ReadOnlySpan<byte> utf8)
    {
        CheckString();
        CheckRow(row);
        fixed (byte* p = utf8)
            NativeMethods.duckdb_vector_assign_string_element_len(_vector, (ulong)row, p, (ulong)utf8.Length);
    }

    /// <summary>Sets a VARCHAR value from a .NET string, encoded as UTF-8 (no allocation for strings up to 256 chars).</summary>
    public void SetString(int row, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 768)
        {
            Span<byte> buffer = stackalloc byte[768];
            SetString(row, buffer[..Encoding.UTF8.GetBytes(value, buffer)]);
        }
        else
        {
            SetString(row, Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>
    /// The child vector of a LIST vector (duckdb_list_vector_get_child), holding the elements
    /// of all rows; row i's elements are <c>GetData&lt;DuckDbListEntry&gt;</c>[i]'s range of it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The vector is not a LIST.</exception>
    public DuckDbVector ListChild
    {
        get
        {
            if (_info.Type != DuckDbType.List)
                throw new InvalidOperationException($"ListChild is only for LIST vectors; this vector is {Describe()}");
            var child = NativeMethods.duckdb_list_vector_get_child(_vector);
            var size = checked((int)NativeMethods.duckdb_list_vector_get_size(_vector));
            return new DuckDbVector(child, ColumnInfo.OfVector(child), size);
        }
    }

    private ulong* Validity =>
        _validity != null ? _validity : _vector == IntPtr.Zero ? null : NativeMethods.duckdb_vector_get_validity(_vector);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)_capacity) ThrowRow(row);
    }

    private void CheckData<T>(int rowCount) where T : unmanaged
    {
        if (_data == null) throw new InvalidOperationException($"This vector ({Describe()}) has no data");
        if (sizeof(T) != _info.ElementSize) ThrowWidth(typeof(T), sizeof(T));
        if ((uint)rowCount > (uint)_capacity)
            throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, $"The vector holds 0 to {_capacity} rows");
    }

    private void CheckString()
    {
        if (_info.Type is not (DuckDbType.Varchar or DuckDbType.Blob))
            throw new InvalidOperationException($"String access is only for VARCHAR or BLOB vectors; this vector is {Describe()}");
    }

    private void ThrowRow(int row) =>
        throw new ArgumentOutOfRangeException(nameof(row), row, $"Row index must be 0 to {_capacity - 1}");

    private void ThrowWidth(Type type, int size) =>
        throw new InvalidOperationException(_info.ElementSize == 0
            ? $"A {Describe()} vector has no flat fixed-width values to read with GetData<{type.Name}>"
            : $"A {Describe()} vector holds {_info.ElementSize}-byte values, but {type.Name} is {size} bytes; " +
              "use the .NET type of the same width (e.g. int for INTEGER and DATE, long for BIGINT, double for DOUBLE)");

    private string Describe() => _vector == IntPtr.Zero ? "default (empty)" : _info.Type.ToString().ToUpperInvariant();
}
