namespace Regsosek.Engine;

/// <summary>Settings of the <see cref="AggregateEngine"/>'s DuckDB database and connection pool.</summary>
public sealed record AggregateEngineOptions
{
    /// <summary>DuckDB worker threads (null: DuckDB's default, every core).</summary>
    public int? Threads { get; init; }

    /// <summary>DuckDB memory limit, e.g. "4GB" (null: DuckDB's default, 80 % of RAM).</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>Where DuckDB may spill to disk (null: its default).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>How many small queries (summaries, distributions, one regency's records) run at once; more wait for a
    /// free connection. Default 4.</summary>
    public int MaxConcurrentQueries { get; init; } = 4;

    /// <summary>How many scans of more than one regency's records (<see cref="Catalogue.QueryLane.Scan"/>) run at once, in
    /// their own lane: a small query never waits behind them for a connection. Default 2.</summary>
    public int MaxConcurrentScans { get; init; } = 2;

    /// <summary>Prepared statements kept per connection, by SQL text. Default 64; 0 disables the cache.</summary>
    public int PreparedStatementCacheSize { get; init; } = 64;

    /// <summary>Keep Parquet footers (schema, row-group statistics) in memory between queries, so repeated
    /// requests do not re-read them. The dataset's files are immutable, so the cache never goes stale.</summary>
    public bool ParquetMetadataCache { get; init; } = true;

    /// <summary>
    /// Size of the result cache, in cells (rows × (dimensions + measures)) of exact tables; 0 turns it off. The
    /// dataset is immutable, so a cached table never goes stale; the least recently used go first when it is
    /// full. Default 2,000,000 cells (a few hundred MB at most).
    /// </summary>
    public long ResultCacheCells { get; init; } = 2_000_000;
}
