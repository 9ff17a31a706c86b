using System.Buffers;
using System.Text;
using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// A prepared statement (duckdb_prepared_statement). Parameter indexes are 1-based, as in
/// DuckDB ('?' number n, or '$n'). Bindings stay until rebound or <see cref="ClearBindings"/>;
/// the statement can be executed many times. Belongs to its connection: one user at a time.
/// </summary>
public sealed class DuckDbPreparedStatement : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly PreparedStatementHandle _handle;

    internal DuckDbPreparedStatement(DuckDbConnection connection, PreparedStatementHandle handle)
    {
        _connection = connection;
        _handle = handle;
        ParameterCount = checked((int)NativeMethods.duckdb_nparams(handle));
    }

    /// <summary>Number of parameters of the statement (duckdb_nparams).</summary>
    public int ParameterCount { get; }

    /// <summary>Binds SQL NULL to parameter <paramref name="index"/> (1-based).</summary>
    public void BindNull(int index) => Check(index, NativeMethods.duckdb_bind_null(Handle(index), (ulong)index), "NULL");

    /// <summary>Binds a BOOLEAN to parameter <paramref name="index"/> (1-based).</summary>
    public void Bind(int index, bool v) => Check(index, NativeMethods.duckdb_bind_boolean(Handle(index), (ulong)index, v), "BOOLEAN");

    /// <summary>Binds an INTEGER to parameter <paramref name="index"/> (1-based).</summary>
    public void Bind(int index, int v) => Check(index, NativeMethods.duckdb_bind_int32(Handle(index), (ulong)index, v), "INTEGER");

    /// <summary>Binds a BIGINT to parameter <paramref name="index"/> (1-based).</summary>
    public void Bind(int index, long v) => Check(index, NativeMethods.duckdb_bind_int64(Handle(index), (ulong)index, v), "BIGINT");

    /// <summary>Binds a DOUBLE to parameter <paramref name="index"/> (1-based).</summary>
    public void Bind(int index, double v) => Check(index, NativeMethods.duckdb_bind_double(Handle(index), (ulong)index, v), "DOUBLE");

    /// <summary>Binds a DATE to parameter <paramref name="index"/> (1-based).</summary>
    public void Bind(int index, DateOnly v) =>
        Check(index, NativeMethods.duckdb_bind_date(Handle(index), (ulong)index, DuckDbDate.ToDays(v)), "DATE");

    /// <summary>Binds a VARCHAR to parameter <paramref name="index"/> (1-based); null binds SQL NULL.</summary>
    public unsafe void Bind(int index, string? v)
    {
        if (v is null)
        {
            BindNull(index);
            return;
        }
        var handle = Handle(index);
        byte[]? rented = null;
        int max = Encoding.UTF8.GetMaxByteCount(v.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int length = Encoding.UTF8.GetBytes(v, buffer);
            fixed (byte* p = buffer)
                Check(index, NativeMethods.duckdb_bind_varchar_length(handle, (ulong)index, p, (ulong)length), "VARCHAR");
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Binds a BIGINT[] list to parameter <paramref name="index"/> (1-based), for
    /// "x IN (SELECT unnest(?))" or "list_contains(?, x)".
    /// </summary>
    public unsafe void BindList(int index, ReadOnlySpan<long> values) =>
        BindList(index, values, DuckDbType.BigInt, &NativeMethods.duckdb_create_int64);

    /// <summary>Binds a DOUBLE[] list to parameter <paramref name="index"/> (1-based), e.g. the probabilities of a list quantile.</summary>
    public unsafe void BindList(int index, ReadOnlySpan<double> values) =>
        BindList(index, values, DuckDbType.Double, &NativeMethods.duckdb_create_double);

    /// <summary>Creates one duckdb_value per element with <paramref name="create"/> and binds them as a list of <paramref name="type"/>.</summary>
    private unsafe void BindList<T>(int index, ReadOnlySpan<T> values, DuckDbType type, delegate*<T, IntPtr> create)
    {
        var handle = Handle(index);
        var items = ArrayPool<IntPtr>.Shared.Rent(Math.Max(values.Length, 1));
        int created = 0;
        try
        {
            for (; created < values.Length; created++)
                items[created] = create(values[created]);
            BindListOf(handle, index, type, items, created);
        }
        finally
        {
            DestroyValues(items, created);
        }
    }

    /// <summary>
    /// Binds a VARCHAR[] list to parameter <paramref name="index"/> (1-based), for
    /// "x IN (SELECT unnest(?))" or "list_contains(?, x)". Elements must not be null.
    /// </summary>
    public unsafe void BindList(int index, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var handle = Handle(index);
        var items = ArrayPool<IntPtr>.Shared.Rent(Math.Max(values.Count, 1));
        int created = 0;
        try
        {
            for (; created < values.Count; created++)
            {
                var text = values[created] ?? throw new ArgumentException(
                    $"Element {created} of the list for parameter {index} is null; a bound VARCHAR list cannot contain null",
                    nameof(values));
                var utf8 = Encoding.UTF8.GetBytes(text);
                fixed (byte* p = utf8)
                    items[created] = NativeMethods.duckdb_create_varchar_length(p, (ulong)utf8.Length);
            }
            BindListOf(handle, index, DuckDbType.Varchar, items, created);
        }
        finally
        {
            DestroyValues(items, created);
        }
    }

    /// <summary>Removes all bindings (duckdb_clear_bindings).</summary>
    public void ClearBindings()
    {
        ThrowIfDisposed();
        if (NativeMethods.duckdb_clear_bindings(_handle) != DuckDbState.Success)
            throw new DuckDbException("duckdb_clear_bindings failed");
    }

    /// <summary>
    /// Executes the statement and returns its streaming result. Cancelling <paramref name="ct"/>
    /// interrupts the query (duckdb_interrupt), during execution or while chunks are fetched,
    /// and the call (or the next <see cref="DuckDbResult.FetchChunk"/>) then throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="DuckDbException">The execution failed (e.g. a parameter is not bound); the message is DuckDB's.</exception>
    public DuckDbResult ExecuteStreaming(CancellationToken ct = default) => ExecuteStreaming(ct, ownsStatement: false);

    /// <summary>Executes the statement to completion and returns the number of rows it changed (duckdb_rows_changed).</summary>
    /// <exception cref="DuckDbException">The execution failed; the message is DuckDB's.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; the statement was interrupted.</exception>
    public unsafe long ExecuteNonQuery(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        using var result = Execution.Run(_connection, _handle, streaming: false, ct, out var registration);
        registration.Dispose();
        return checked((long)NativeMethods.duckdb_rows_changed(result.Pointer));
    }

    /// <summary>Destroys the statement (duckdb_destroy_prepare). Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    internal DuckDbResult ExecuteStreaming(CancellationToken ct, bool ownsStatement)
    {
        ThrowIfDisposed();
        var result = Execution.Run(_connection, _handle, streaming: true, ct, out var registration);
        return new DuckDbResult(_connection, result, registration, ct, ownsStatement ? this : null);
    }

    private unsafe void BindListOf(PreparedStatementHandle handle, int index, DuckDbType childType, IntPtr[] items, int count)
    {
        using var type = NativeMethods.duckdb_create_logical_type(childType);
        ValueHandle list;
        fixed (IntPtr* p = items)
            list = NativeMethods.duckdb_create_list_value(type, p, (ulong)count);
        using (list)
        {
            if (list.IsInvalid) throw new DuckDbException($"DuckDB could not create the {childType}[] list for parameter {index}");
            Check(index, NativeMethods.duckdb_bind_value(handle, (ulong)index, list), $"{childType}[]");
        }
    }

    private static void DestroyValues(IntPtr[] items, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (items[i] != IntPtr.Zero) NativeMethods.duckdb_destroy_value(ref items[i]);
        }
        ArrayPool<IntPtr>.Shared.Return(items);
    }

    private PreparedStatementHandle Handle(int index)
    {
        ThrowIfDisposed();
        if (index < 1 || index > ParameterCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, ParameterCount == 0
                ? "This statement has no parameters"
                : $"Parameter indexes are 1-based: this statement's parameters are 1 to {ParameterCount}");
        }
        return _handle;
    }

    private static void Check(int index, DuckDbState state, string what)
    {
        if (state != DuckDbState.Success)
            throw new DuckDbException($"DuckDB could not bind a {what} value to parameter {index}");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
}
