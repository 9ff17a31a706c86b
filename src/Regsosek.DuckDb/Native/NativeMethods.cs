using System.Runtime.InteropServices;

namespace Regsosek.DuckDb.Native;

/// <summary>duckdb_state.</summary>
internal enum DuckDbState
{
    Success = 0,
    Error = 1,
}

/// <summary>duckdb_pending_state.</summary>
internal enum DuckDbPendingState
{
    ResultReady = 0,
    ResultNotReady = 1,
    Error = 2,
    NoTasksAvailable = 3,
}

/// <summary>
/// The C struct duckdb_result (48 bytes on 64-bit). Only <see cref="InternalData"/> matters;
/// the other fields are deprecated and must not be read. It lives in native memory owned by
/// <see cref="ResultHandle"/> so that its address is stable.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbResultStruct
{
    public ulong DeprecatedColumnCount;
    public ulong DeprecatedRowCount;
    public ulong DeprecatedRowsChanged;
    public IntPtr DeprecatedColumns;
    public IntPtr DeprecatedErrorMessage;
    public IntPtr InternalData;
}

/// <summary>
/// The DuckDB C API functions we use, one to one with duckdb.h (v1.5). Object handles that
/// have a duckdb_destroy_* function are passed as <see cref="System.Runtime.InteropServices.SafeHandle"/>s;
/// borrowed pointers (vectors, validity masks, C strings owned by DuckDB) as raw pointers.
/// </summary>
internal static unsafe partial class NativeMethods
{
    /// <summary>The library name every import uses; resolved by <see cref="NativeLibraryResolver"/>.</summary>
    internal const string Library = "duckdb";

    // ---- Open / connect -------------------------------------------------------------------

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_open_ext(string? path, out DatabaseHandle database, ConfigHandle config, out IntPtr error);

    [LibraryImport(Library)]
    internal static partial void duckdb_close(ref IntPtr database);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_connect(DatabaseHandle database, out ConnectionHandle connection);

    [LibraryImport(Library)]
    internal static partial void duckdb_interrupt(IntPtr connection);

    [LibraryImport(Library)]
    internal static partial void duckdb_disconnect(ref IntPtr connection);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_library_version();

    [LibraryImport(Library)]
    internal static partial void duckdb_free(IntPtr ptr);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_vector_size();

    // ---- Configuration --------------------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_create_config(out ConfigHandle config);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_set_config(ConfigHandle config, string name, string option);

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_config(ref IntPtr config);

    // ---- Results --------------------------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_result(DuckDbResultStruct* result);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_column_name(DuckDbResultStruct* result, ulong column);

    [LibraryImport(Library)]
    internal static partial DuckDbType duckdb_column_type(DuckDbResultStruct* result, ulong column);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_column_logical_type(DuckDbResultStruct* result, ulong column);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_column_count(DuckDbResultStruct* result);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_rows_changed(DuckDbResultStruct* result);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_result_error(DuckDbResultStruct* result);

    [LibraryImport(Library)]
    internal static partial DuckDbErrorType duckdb_result_error_type(DuckDbResultStruct* result);

    /// <summary>Takes the result struct by value, as duckdb.h declares it.</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_fetch_chunk(DuckDbResultStruct result);

    // ---- Extracted statements -------------------------------------------------------------

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ulong duckdb_extract_statements(ConnectionHandle connection, string query, out ExtractedStatementsHandle statements);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_prepare_extracted_statement(ConnectionHandle connection, ExtractedStatementsHandle statements, ulong index, out PreparedStatementHandle prepared);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_extract_statements_error(ExtractedStatementsHandle statements);

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_extracted(ref IntPtr statements);

    // ---- Prepared statements --------------------------------------------------------------

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_prepare(ConnectionHandle connection, string query, out PreparedStatementHandle prepared);

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_prepare(ref IntPtr prepared);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_prepare_error(PreparedStatementHandle prepared);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_nparams(PreparedStatementHandle prepared);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_clear_bindings(PreparedStatementHandle prepared);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_value(PreparedStatementHandle prepared, ulong index, ValueHandle value);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_boolean(PreparedStatementHandle prepared, ulong index, [MarshalAs(UnmanagedType.U1)] bool value);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_int32(PreparedStatementHandle prepared, ulong index, int value);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_int64(PreparedStatementHandle prepared, ulong index, long value);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_double(PreparedStatementHandle prepared, ulong index, double value);

    /// <summary>duckdb_date is a struct of one int32 (days since 1970-01-01), passed like an int32.</summary>
    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_date(PreparedStatementHandle prepared, ulong index, int days);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_varchar_length(PreparedStatementHandle prepared, ulong index, byte* value, ulong length);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_bind_null(PreparedStatementHandle prepared, ulong index);

    // ---- Pending results (execution) ------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_pending_prepared(PreparedStatementHandle prepared, out PendingResultHandle pending);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_pending_prepared_streaming(PreparedStatementHandle prepared, out PendingResultHandle pending);

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_pending(ref IntPtr pending);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_pending_error(PendingResultHandle pending);

    [LibraryImport(Library)]
    internal static partial DuckDbPendingState duckdb_pending_execute_task(PendingResultHandle pending);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_execute_pending(PendingResultHandle pending, DuckDbResultStruct* result);

    // ---- Values ---------------------------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_value(ref IntPtr value);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_create_int64(long value);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_create_double(double value);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_create_varchar_length(byte* text, ulong length);

    [LibraryImport(Library)]
    internal static partial ValueHandle duckdb_create_list_value(LogicalTypeHandle childType, IntPtr* values, ulong count);

    // ---- Logical types --------------------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial LogicalTypeHandle duckdb_create_logical_type(DuckDbType type);

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_logical_type(ref IntPtr type);

    [LibraryImport(Library)]
    internal static partial DuckDbType duckdb_get_type_id(IntPtr type);

    [LibraryImport(Library)]
    internal static partial byte duckdb_decimal_scale(IntPtr type);

    [LibraryImport(Library)]
    internal static partial DuckDbType duckdb_decimal_internal_type(IntPtr type);

    [LibraryImport(Library)]
    internal static partial DuckDbType duckdb_enum_internal_type(IntPtr type);

    // ---- Data chunks and vectors ----------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_create_data_chunk(IntPtr* types, ulong columnCount);

    [LibraryImport(Library)]
    internal static partial void duckdb_destroy_data_chunk(ref IntPtr chunk);

    [LibraryImport(Library)]
    internal static partial void duckdb_data_chunk_reset(DataChunkHandle chunk);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_data_chunk_get_column_count(DataChunkHandle chunk);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_data_chunk_get_vector(DataChunkHandle chunk, ulong column);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_data_chunk_get_size(DataChunkHandle chunk);

    [LibraryImport(Library)]
    internal static partial void duckdb_data_chunk_set_size(DataChunkHandle chunk, ulong size);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_vector_get_column_type(IntPtr vector);

    [LibraryImport(Library)]
    internal static partial void* duckdb_vector_get_data(IntPtr vector);

    [LibraryImport(Library)]
    internal static partial ulong* duckdb_vector_get_validity(IntPtr vector);

    [LibraryImport(Library)]
    internal static partial void duckdb_vector_ensure_validity_writable(IntPtr vector);

    [LibraryImport(Library)]
    internal static partial void duckdb_vector_assign_string_element_len(IntPtr vector, ulong index, byte* text, ulong length);

    [LibraryImport(Library)]
    internal static partial IntPtr duckdb_list_vector_get_child(IntPtr vector);

    [LibraryImport(Library)]
    internal static partial ulong duckdb_list_vector_get_size(IntPtr vector);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_list_vector_set_size(IntPtr vector, ulong size);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_list_vector_reserve(IntPtr vector, ulong capacity);

    // ---- Appender -------------------------------------------------------------------------

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_appender_create_ext(ConnectionHandle connection, string? catalog, string? schema, string table, out AppenderHandle appender);

    [LibraryImport(Library)]
    internal static partial byte* duckdb_appender_error(AppenderHandle appender);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_appender_flush(AppenderHandle appender);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_appender_close(AppenderHandle appender);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_appender_destroy(ref IntPtr appender);

    [LibraryImport(Library)]
    internal static partial DuckDbState duckdb_append_data_chunk(AppenderHandle appender, DataChunkHandle chunk);

    // ---- Helpers --------------------------------------------------------------------------

    /// <summary>Copies a NUL-terminated UTF-8 string owned by DuckDB (may be null).</summary>
    internal static string? ToManagedString(byte* utf8) => utf8 == null ? null : Marshal.PtrToStringUTF8((IntPtr)utf8);
}
