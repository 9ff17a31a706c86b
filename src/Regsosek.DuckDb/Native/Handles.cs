using System.Runtime.InteropServices;

namespace Regsosek.DuckDb.Native;

/// <summary>
/// Base of the SafeHandles over DuckDB objects. A handle may hold a reference on a parent
/// handle (a connection on its database, a result on its connection, ...) so that the parent
/// is released only after all its children, whatever order Dispose or finalizers run in.
/// </summary>
internal abstract class DuckDbHandle : SafeHandle
{
    private SafeHandle? _parent;

    protected DuckDbHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Keeps <paramref name="parent"/> alive until this handle is released.</summary>
    internal void KeepAlive(SafeHandle parent)
    {
        bool added = false;
        parent.DangerousAddRef(ref added);
        _parent = parent;
    }

    /// <summary>Calls the matching duckdb_destroy_* function.</summary>
    protected abstract void Destroy(IntPtr value);

    protected sealed override bool ReleaseHandle()
    {
        Destroy(handle);
        _parent?.DangerousRelease();
        _parent = null;
        return true;
    }
}

/// <summary>duckdb_database (duckdb_close).</summary>
internal sealed class DatabaseHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_close(ref value);
}

/// <summary>duckdb_connection (duckdb_disconnect).</summary>
internal sealed class ConnectionHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_disconnect(ref value);

    /// <summary>
    /// duckdb_interrupt, safe to call from any thread (e.g. a cancellation callback): does
    /// nothing once the connection is closed.
    /// </summary>
    internal void Interrupt()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            NativeMethods.duckdb_interrupt(handle);
        }
        catch (ObjectDisposedException)
        {
            // already closed: nothing to interrupt
        }
        finally
        {
            if (added) DangerousRelease();
        }
    }
}

/// <summary>duckdb_config (duckdb_destroy_config).</summary>
internal sealed class ConfigHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_config(ref value);
}

/// <summary>duckdb_extracted_statements (duckdb_destroy_extracted).</summary>
internal sealed class ExtractedStatementsHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_extracted(ref value);
}

/// <summary>duckdb_prepared_statement (duckdb_destroy_prepare).</summary>
internal sealed class PreparedStatementHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_prepare(ref value);
}

/// <summary>duckdb_pending_result (duckdb_destroy_pending).</summary>
internal sealed class PendingResultHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_pending(ref value);
}

/// <summary>duckdb_appender (duckdb_appender_destroy).</summary>
internal sealed class AppenderHandle : DuckDbHandle
{
    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_appender_destroy(ref value);
}

/// <summary>duckdb_logical_type (duckdb_destroy_logical_type).</summary>
internal sealed class LogicalTypeHandle : DuckDbHandle
{
    public LogicalTypeHandle() { }

    internal LogicalTypeHandle(IntPtr value) => SetHandle(value);

    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_logical_type(ref value);
}

/// <summary>duckdb_value (duckdb_destroy_value).</summary>
internal sealed class ValueHandle : DuckDbHandle
{
    public ValueHandle() { }

    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_value(ref value);
}

/// <summary>duckdb_data_chunk (duckdb_destroy_data_chunk).</summary>
internal sealed class DataChunkHandle : DuckDbHandle
{
    public DataChunkHandle() { }

    internal DataChunkHandle(IntPtr value) => SetHandle(value);

    protected override void Destroy(IntPtr value) => NativeMethods.duckdb_destroy_data_chunk(ref value);
}

/// <summary>
/// duckdb_result (duckdb_destroy_result). DuckDB fills a caller-owned struct, so this handle
/// owns a block of native memory holding it; the handle value is the struct's address.
/// </summary>
internal sealed unsafe class ResultHandle : DuckDbHandle
{
    /// <summary>Allocates a zeroed duckdb_result for DuckDB to fill.</summary>
    internal static ResultHandle Allocate()
    {
        var result = new ResultHandle();
        result.SetHandle((IntPtr)NativeMemory.AllocZeroed((nuint)sizeof(DuckDbResultStruct)));
        return result;
    }

    /// <summary>The address of the struct; valid while the handle is open.</summary>
    internal DuckDbResultStruct* Pointer => (DuckDbResultStruct*)handle;

    protected override void Destroy(IntPtr value)
    {
        NativeMethods.duckdb_destroy_result((DuckDbResultStruct*)value);
        NativeMemory.Free((void*)value);
    }
}
