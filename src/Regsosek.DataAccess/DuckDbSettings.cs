using System.Globalization;
using DuckDB.NET.Data;

namespace Regsosek.DataAccess;

/// <summary>Settings of a DuckDB database, applied when it is opened. Null leaves DuckDB's default.</summary>
public sealed record DuckDbSettings
{
    /// <summary>Worker threads (DuckDB's default: all cores).</summary>
    public int? Threads { get; init; }

    /// <summary>Memory limit, e.g. "4GB" (DuckDB's default: 80% of RAM).</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>Where DuckDB spills (DuckDB's default: next to a file database, none for an in-memory one).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>preserve_insertion_order (DuckDB's default: true).</summary>
    public bool? PreserveInsertionOrder { get; init; }

    /// <summary>Any other configuration options, by DuckDB's names.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>
    /// Opens a new database — in memory when <paramref name="path"/> is null — and returns its first open
    /// connection; further connections to the same database come from <see cref="DuckDBConnection.Duplicate"/>.
    /// </summary>
    public static DuckDBConnection Open(string? path, DuckDbSettings? settings = null)
    {
        var builder = new DuckDBConnectionStringBuilder { DataSource = path is null ? DuckDBConnectionStringBuilder.InMemoryDataSource : Path.GetFullPath(path) };
        foreach (var (key, value) in (settings ?? new DuckDbSettings()).Pairs()) builder[key] = value;
        var connection = new DuckDBConnection(builder.ConnectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Another open connection to the database of <paramref name="database"/> (in memory or a file).</summary>
    public static DuckDBConnection Connect(DuckDBConnection database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var connection = string.Equals(database.DataSource, DuckDBConnectionStringBuilder.InMemoryDataSource, StringComparison.OrdinalIgnoreCase)
            ? database.Duplicate()
            : new DuckDBConnection(database.ConnectionString); // DuckDB.NET shares the open database of a path
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private IEnumerable<KeyValuePair<string, string>> Pairs()
    {
        if (Threads is { } threads)
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), threads, "Threads must be at least 1");
            yield return new("threads", threads.ToString(CultureInfo.InvariantCulture));
        }
        if (MemoryLimit is { } memory) yield return new("memory_limit", memory);
        if (TempDirectory is { } temp) yield return new("temp_directory", temp);
        if (PreserveInsertionOrder is { } preserve) yield return new("preserve_insertion_order", preserve ? "true" : "false");
        if (Settings is { } settings)
            foreach (var pair in settings) yield return pair;
    }
}
