namespace Regsosek.DuckDb;

/// <summary>Start-up options of a database, mapped to a duckdb_config (duckdb_set_config).</summary>
public sealed record DuckDbOptions
{
    /// <summary>"threads": worker threads of the database (DuckDB's default: all cores).</summary>
    public int? Threads { get; init; }

    /// <summary>"memory_limit", e.g. "4GB".</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>"temp_directory": where DuckDB spills to disk.</summary>
    public string? TempDirectory { get; init; }

    /// <summary>"preserve_insertion_order": false lets DuckDB reorder rows for speed and memory.</summary>
    public bool? PreserveInsertionOrder { get; init; }

    /// <summary>Any other DuckDB configuration option, by DuckDB's name.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>All options as DuckDB (name, value) pairs, in a stable order.</summary>
    internal IEnumerable<KeyValuePair<string, string>> ToConfigPairs()
    {
        if (Threads is { } threads)
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), threads, "Threads must be at least 1");
            yield return new("threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (MemoryLimit is { } memory) yield return new("memory_limit", memory);
        if (TempDirectory is { } temp) yield return new("temp_directory", temp);
        if (PreserveInsertionOrder is { } preserve) yield return new("preserve_insertion_order", preserve ? "true" : "false");
        if (Settings is { } settings)
        {
            foreach (var pair in settings) yield return pair;
        }
    }
}
