using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine;

/// <summary>
/// A bounded pool of DuckDB connections over one database (duplicates of its first connection). A
/// connection serves one query at a time; each keeps a small cache of prepared statements keyed by SQL text.
/// </summary>
internal sealed class ConnectionPool : IDisposable
{
    private readonly DuckDBConnection _database;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<PooledConnection> _idle = [];
    private readonly ConcurrentBag<PooledConnection> _all = [];
    private readonly int _cacheSize;
    private bool _disposed;

    public ConnectionPool(DuckDBConnection database, int size, int cacheSize)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "the pool needs at least one connection");
        _database = database;
        _slots = new SemaphoreSlim(size, size);
        _cacheSize = cacheSize;
    }

    /// <summary>Waits for a free connection.</summary>
    public async ValueTask<PooledConnection> RentAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        if (_idle.TryTake(out var connection)) return connection;
        try
        {
            connection = new PooledConnection(DuckDbSettings.Connect(_database), _cacheSize);
            _all.Add(connection);
            return connection;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Returns a connection; a broken one (e.g. after an unexpected error) is closed instead.</summary>
    public void Return(PooledConnection connection, bool broken)
    {
        if (broken || _disposed)
        {
            connection.Dispose();
        }
        else
        {
            _idle.Add(connection);
        }
        _slots.Release();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var c in _all) c.Dispose();
    }
}

/// <summary>A prepared statement with the parameters last bound to it.</summary>
internal sealed class CachedStatement(string sql, PreparedQuery statement)
{
    public string Sql { get; } = sql;
    public PreparedQuery Statement { get; } = statement;
    /// <summary>The parameters bound now (null: none yet); binding the same values again is skipped.</summary>
    public IReadOnlyList<QueryParameter>? Bound { get; set; }
}

/// <summary>A pooled connection with its prepared-statement cache (least recently used evicted).</summary>
internal sealed class PooledConnection(DuckDBConnection connection, int cacheSize) : IDisposable
{
    private readonly Dictionary<string, LinkedListNode<CachedStatement>> _cache = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedStatement> _lru = new();
    private bool _disposed;

    public DuckDBConnection Connection { get; } = connection;

    /// <summary>A prepared statement for <paramref name="sql"/>, from the cache when possible.
    /// With the cache disabled, <paramref name="owned"/> is true and the caller disposes it.</summary>
    public CachedStatement Prepare(string sql, out bool owned)
    {
        if (cacheSize <= 0)
        {
            owned = true;
            return new CachedStatement(sql, PreparedQuery.Prepare(Connection, sql));
        }
        owned = false;
        if (_cache.TryGetValue(sql, out var node))
        {
            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value;
        }
        var cached = new CachedStatement(sql, PreparedQuery.Prepare(Connection, sql));
        _cache[sql] = _lru.AddFirst(cached);
        if (_cache.Count > cacheSize)
        {
            var last = _lru.Last!;
            _lru.RemoveLast();
            _cache.Remove(last.Value.Sql);
            last.Value.Statement.Dispose();
        }
        return cached;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var cached in _lru) cached.Statement.Dispose();
        _lru.Clear();
        _cache.Clear();
        Connection.Dispose();
    }
}
