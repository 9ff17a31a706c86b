using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Microsoft.Extensions.Caching.Memory;
using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine;

/// <summary>
/// Executes <see cref="QueryPlan"/>s on DuckDB: one in-memory database that reads the Parquet
/// dataset, a bounded pool of connections (one query each at a time), prepared statements cached
/// per connection. Results are read chunk by chunk from the vectors into an <see cref="ExactTable"/>;
/// the only allocations per result row are the row itself. Exact tables are kept in a result cache bounded by
/// cells (<see cref="AggregateEngineOptions.ResultCacheCells"/>), keyed by the query's SQL and parameter values:
/// the dataset an engine reads is immutable, so the same query always gives the same table. Thread-safe.
/// </summary>
public sealed class AggregateEngine : IDisposable
{
    /// <summary>The span tag saying whether the exact table came from the result cache ("hit") or DuckDB ("miss").</summary>
    public const string CacheTag = "regsosek.engine.cache";

    /// <summary>The span tag naming the summary a query read ("records" when it read the records).</summary>
    public const string SourceTag = "regsosek.engine.source";

    private readonly DuckDBConnection _database;
    private readonly ConnectionPool _pool;
    private readonly MemoryCache? _results;

    /// <summary>Opens the engine's database with <paramref name="options"/>.</summary>
    public AggregateEngine(AggregateEngineOptions? options = null)
    {
        options ??= new AggregateEngineOptions();
        if (options.MaxConcurrentQueries < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrentQueries, "MaxConcurrentQueries must be at least 1");
        _database = DuckDbSettings.Open(null, new DuckDbSettings
        {
            Threads = options.Threads,
            MemoryLimit = options.MemoryLimit,
            TempDirectory = options.TempDirectory,
            PreserveInsertionOrder = false,
        });
        if (options.ParquetMetadataCache)
        {
            // Not accepted as an open-time option: the Parquet extension must be loaded first.
            _database.Execute("LOAD parquet; SET GLOBAL parquet_metadata_cache = true;");
        }
        _pool = new ConnectionPool(_database, options.MaxConcurrentQueries, options.PreparedStatementCacheSize);
        if (options.ResultCacheCells > 0)
            _results = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.ResultCacheCells, CompactionPercentage = 0.25 });
    }

    /// <summary>Queries answered from the result cache since the engine opened.</summary>
    public long CacheHits => Interlocked.Read(ref _hits);

    /// <summary>Queries that ran on DuckDB since the engine opened.</summary>
    public long CacheMisses => Interlocked.Read(ref _misses);

    private long _hits, _misses;

    /// <summary>
    /// Runs <paramref name="plan"/> and returns its exact table: one row per grouping-set cell, keys
    /// null where the row is a margin (total over that dimension). Cancelling <paramref name="ct"/>
    /// interrupts the running query.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    /// <exception cref="DbException">DuckDB failed (e.g. a missing or corrupt file).</exception>
    public async Task<ExactTable> ExecuteAsync(QueryPlan plan, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ct.ThrowIfCancellationRequested();
        Activity.Current?.SetTag(SourceTag, plan.Summary ?? "records");
        if (_results is null) return await QueryAsync(plan, ct).ConfigureAwait(false);
        var key = CacheKey(plan);
        if (_results.TryGetValue(key, out ExactTable? cached) && cached is not null)
        {
            Interlocked.Increment(ref _hits);
            Activity.Current?.SetTag(CacheTag, "hit");
            return cached;
        }
        Interlocked.Increment(ref _misses);
        Activity.Current?.SetTag(CacheTag, "miss");
        var table = await QueryAsync(plan, ct).ConfigureAwait(false);
        long cells = Math.Max(1L, (long)table.Rows.Count * (table.Shape.Dimensions.Count + Math.Max(1, table.Shape.Measures.Count)));
        _results.Set(key, table, new MemoryCacheEntryOptions { Size = cells });
        return table;
    }

    /// <summary>The result cache's key: the SQL text and every parameter's value, unambiguously written.</summary>
    internal static string CacheKey(QueryPlan plan)
    {
        var key = new StringBuilder(plan.Sql.Length + 64 * plan.Parameters.Count).Append(plan.Sql);
        foreach (var parameter in plan.Parameters)
        {
            key.Append('\u0001').Append(parameter.GetType().Name).Append(':');
            switch (parameter.ClrValue)
            {
                case long[] longs: key.AppendJoin(',', longs); break;
                case double[] doubles: key.AppendJoin(',', doubles.Select(d => d.ToString("R", CultureInfo.InvariantCulture))); break;
                case double d: key.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
                case string text: key.Append(text.Length).Append(':').Append(text); break;
                case var other: key.Append(Convert.ToString(other, CultureInfo.InvariantCulture)); break;
            }
        }
        return key.ToString();
    }

    private async Task<ExactTable> QueryAsync(QueryPlan plan, CancellationToken ct)
    {
        var connection = await _pool.RentAsync(ct).ConfigureAwait(false);
        bool broken = false;
        try
        {
            return await Task.Run(() => Execute(connection, plan, ct), ct).ConfigureAwait(false);
        }
        catch (DbException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("the query was cancelled", ct);
        }
        catch (Exception e) when (e is not OperationCanceledException and not DbException)
        {
            broken = true;
            throw;
        }
        finally
        {
            _pool.Return(connection, broken);
        }
    }

    private static ExactTable Execute(PooledConnection connection, QueryPlan plan, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var cached = connection.Prepare(plan.Sql, out bool owned);
        try
        {
            // Rebinding makes DuckDB bind the statement again (list the files, read their metadata):
            // skip it when the same request comes again.
            if (cached.Bound is null || !QueryParameter.SameValues(cached.Bound, plan.Parameters))
            {
                cached.Bound = null;
                cached.Statement.Bind(plan.Parameters);
                cached.Bound = plan.Parameters;
            }
            using var result = cached.Statement.Execute(ct);
            return ResultReader.Read(result, plan);
        }
        finally
        {
            if (owned) cached.Statement.Dispose();
        }
    }

    /// <summary>Closes the pool's connections and the database.</summary>
    public void Dispose()
    {
        _results?.Dispose();
        _pool.Dispose();
        _database.Dispose();
    }
}
