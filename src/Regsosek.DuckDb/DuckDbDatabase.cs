using Regsosek.DuckDb.Native;

namespace Regsosek.DuckDb;

/// <summary>
/// A DuckDB database instance (duckdb_database): a file, or in memory. Thread-safe: open one
/// connection per concurrent user with <see cref="Connect"/>. Disposing it while connections
/// are still open is allowed; DuckDB closes the instance when the last of them is disposed.
/// </summary>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DatabaseHandle _handle;

    private DuckDbDatabase(DatabaseHandle handle) => _handle = handle;

    /// <summary>The version of the loaded libduckdb, e.g. "v1.5.6".</summary>
    public static unsafe string LibraryVersion => NativeMethods.ToManagedString(NativeMethods.duckdb_library_version()) ?? "";

    /// <summary>
    /// Opens (or creates) the database file at <paramref name="path"/>, or an in-memory database
    /// when <paramref name="path"/> is null, with the given start-up options.
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB refused an option or could not open the database; the message says why.</exception>
    public static DuckDbDatabase Open(string? path = null, DuckDbOptions? options = null)
    {
        using var config = CreateConfig(options);
        var state = NativeMethods.duckdb_open_ext(path, out var handle, config, out var error);
        if (state != DuckDbState.Success)
        {
            var message = TakeNativeString(error);
            handle.Dispose();
            throw new DuckDbException($"Could not open DuckDB database {(path is null ? "(in memory)" : $"'{path}'")}: {message}");
        }
        TakeNativeString(error);
        return new DuckDbDatabase(handle);
    }

    /// <summary>Opens a new connection (duckdb_connect). Each connection serves one user at a time.</summary>
    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (NativeMethods.duckdb_connect(_handle, out var connection) != DuckDbState.Success)
        {
            connection.Dispose();
            throw new DuckDbException("Could not connect to the DuckDB database (duckdb_connect failed)");
        }
        connection.KeepAlive(_handle);
        return new DuckDbConnection(connection);
    }

    /// <summary>Closes the database (duckdb_close) once no connection uses it any more. Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    private static ConfigHandle CreateConfig(DuckDbOptions? options)
    {
        if (NativeMethods.duckdb_create_config(out var config) != DuckDbState.Success)
        {
            config.Dispose();
            throw new DuckDbException("duckdb_create_config failed (out of memory?)");
        }
        if (options is null) return config;
        try
        {
            foreach (var (name, value) in options.ToConfigPairs())
            {
                if (NativeMethods.duckdb_set_config(config, name, value) != DuckDbState.Success)
                    throw new DuckDbException(
                        $"DuckDB rejected the configuration option '{name}' = '{value}': check the option name and its value");
            }
            return config;
        }
        catch
        {
            config.Dispose();
            throw;
        }
    }

    /// <summary>Copies and frees (duckdb_free) a C string DuckDB allocated for us.</summary>
    private static unsafe string? TakeNativeString(IntPtr text)
    {
        if (text == IntPtr.Zero) return null;
        try
        {
            return NativeMethods.ToManagedString((byte*)text);
        }
        finally
        {
            NativeMethods.duckdb_free(text);
        }
    }
}
