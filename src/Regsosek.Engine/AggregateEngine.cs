using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;
using System.Data.Common;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine;

/// <summary>
/// Executes <see cref="QueryPlan"/>s on DuckDB: one in-memory database that reads the Parquet
/// dataset, a bounded pool of connections (one query each at a time), prepared statements cached
/// per connection. Results are read chunk by chunk from the vectors into an <see cref="ExactTable"/>;
/// the only allocations per result row are the row itself. Thread-safe.
/// </summary>
public sealed class AggregateEngine : IDisposable
{
    private readonly DuckDBConnection _database;
    private readonly ConnectionPool _pool;

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
    }

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
        _pool.Dispose();
        _database.Dispose();
    }
}
