namespace Regsosek.DuckDb.Tests;

/// <summary>An in-memory database with one open connection, for a test.</summary>
public sealed class TestDatabase : IDisposable
{
    public TestDatabase(DuckDbOptions? options = null)
    {
        Database = DuckDbDatabase.Open(null, options ?? new DuckDbOptions { Threads = 2 });
        Connection = Database.Connect();
    }

    public DuckDbDatabase Database { get; }

    public DuckDbConnection Connection { get; }

    /// <summary>Reads every row of column <paramref name="column"/> through the chunk API, via <paramref name="read"/>.</summary>
    public List<T> ReadColumn<T>(string sql, Func<DuckDbVector, int, T> read, int column = 0)
    {
        var values = new List<T>();
        using var result = Connection.Query(sql);
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                var vector = chunk.GetVector(column);
                for (int row = 0; row < chunk.RowCount; row++) values.Add(read(vector, row));
            }
        }
        return values;
    }

    public void Dispose()
    {
        Connection.Dispose();
        Database.Dispose();
    }
}
