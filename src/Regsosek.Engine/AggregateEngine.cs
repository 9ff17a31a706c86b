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
/// the dataset an engine reads is immutable, so the same query always gives the same table. Identical queries that
/// miss the cache at the same time run once (single flight): the others wait for its table. Two lanes, each its own
/// pool of connections: scans of more than one regency's records (<see cref="QueryLane.Scan"/>) never hold up the
/// small queries. Thread-safe.
/// </summary>
public sealed class AggregateEngine : IDisposable
{
    /// <summary>The span tag saying whether the exact table came from the result cache ("hit") or DuckDB ("miss").</summary>
    public const string CacheTag = "regsosek.engine.cache";

    /// <summary>The span tag naming the summary a query read ("records" when it read the records).</summary>
    public const string SourceTag = "regsosek.engine.source";

    private readonly DuckDBConnection _database;
    private readonly ConnectionPool _small;
    private readonly ConnectionPool _scans;
    private readonly MemoryCache? _results;
    private readonly Dictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    /// <summary>Opens the engine's database with <paramref name="options"/>.</summary>
    public AggregateEngine(AggregateEngineOptions? options = null)
    {
        options ??= new AggregateEngineOptions();
        if (options.MaxConcurrentQueries < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrentQueries, "MaxConcurrentQueries must be at least 1");
        if (options.MaxConcurrentScans < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrentScans, "MaxConcurrentScans must be at least 1");
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
        _small = new ConnectionPool(_database, options.MaxConcurrentQueries, options.PreparedStatementCacheSize);
        _scans = new ConnectionPool(_database, options.MaxConcurrentScans, options.PreparedStatementCacheSize);
        if (options.ResultCacheCells > 0)
            _results = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.ResultCacheCells, CompactionPercentage = 0.25 });
    }

    /// <summary>Queries answered from the result cache since the engine opened.</summary>
    public long CacheHits => Interlocked.Read(ref _hits);

    /// <summary>Queries that ran on DuckDB since the engine opened.</summary>
    public long CacheMisses => Interlocked.Read(ref _misses);

    /// <summary>Queries that found the same query already running and waited for its table instead of running it again.</summary>
    public long SharedFlights => Interlocked.Read(ref _shared);

    private long _hits, _misses, _shared;

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
        return await JoinFlightAsync(key, plan, ct).ConfigureAwait(false);
    }

    /// <summary>One run of a query that missed the cache, shared by every caller asking for it meanwhile. It is
    /// cancelled only when every one of them has cancelled.</summary>
    private sealed class Flight
    {
        public readonly CancellationTokenSource Cancellation = new();
        public int Waiters;
        public Task<ExactTable> Table = null!;
    }

    private async Task<ExactTable> JoinFlightAsync(string key, QueryPlan plan, CancellationToken ct)
    {
        Flight flight;
        lock (_flights)
        {
            if (_flights.TryGetValue(key, out var running))
            {
                flight = running;
                Interlocked.Increment(ref _shared);
            }
            else
            {
                flight = new Flight();
                _flights[key] = flight;
                flight.Table = Task.Run(() => FlyAsync(key, plan, flight), CancellationToken.None);
            }
            flight.Waiters++;
        }
        try
        {
            return await flight.Table.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            lock (_flights)
            {
                // The last caller to leave an unfinished flight stops it, and the next caller starts a new one.
                if (--flight.Waiters == 0 && !flight.Table.IsCompleted)
                {
                    if (_flights.TryGetValue(key, out var current) && current == flight) _flights.Remove(key);
                    flight.Cancellation.Cancel();
                }
            }
        }
    }

    private async Task<ExactTable> FlyAsync(string key, QueryPlan plan, Flight flight)
    {
        try
        {
            var table = await QueryAsync(plan, flight.Cancellation.Token).ConfigureAwait(false);
            long cells = Math.Max(1L, (long)table.Rows.Count * (table.Shape.Dimensions.Count + Math.Max(1, table.Shape.Measures.Count)));
            _results!.Set(key, table, new MemoryCacheEntryOptions { Size = cells });
            return table;
        }
        finally
        {
            lock (_flights)
            {
                if (_flights.TryGetValue(key, out var current) && current == flight) _flights.Remove(key);
            }
        }
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
        var pool = plan.Lane == QueryLane.Scan ? _scans : _small;
        var connection = await pool.RentAsync(ct).ConfigureAwait(false);
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
            pool.Return(connection, broken);
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
        _small.Dispose();
        _scans.Dispose();
        _database.Dispose();
    }
}
