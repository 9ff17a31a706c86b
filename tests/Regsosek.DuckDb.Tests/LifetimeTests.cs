namespace Regsosek.DuckDb.Tests;

public class LifetimeTests
{
    [Fact]
    public void Disposing_everything_twice_is_harmless()
    {
        var db = DuckDbDatabase.Open();
        var connection = db.Connect();
        connection.Execute("CREATE TABLE t(k INTEGER)");
        var statement = connection.Prepare("SELECT k FROM t");
        var result = statement.ExecuteStreaming();
        var appender = connection.CreateAppender("t");
        var chunk = DuckDbDataChunk.Create([DuckDbType.Integer]);
        var fetched = connection.Query("SELECT 1").FetchChunk()!;

        foreach (var disposable in new IDisposable[] { fetched, chunk, appender, result, statement, connection, db })
        {
            disposable.Dispose();
            disposable.Dispose();
        }
    }

    [Fact]
    public void Children_keep_working_after_their_parents_are_disposed_first()
    {
        var db = DuckDbDatabase.Open();
        var connection = db.Connect();
        var statement = connection.Prepare("SELECT sum(i)::BIGINT FROM range(?) t(i)");
        db.Dispose();
        connection.Dispose();
        // the statement still holds the connection, which holds the database
        statement.Bind(1, 10L);
        using (var result = statement.ExecuteStreaming())
        using (var chunk = result.FetchChunk()!)
            Assert.Equal(45L, chunk.GetVector(0).GetData<long>(1)[0]);
        statement.Dispose();
    }

    [Fact]
    public void Using_disposed_objects_throws_ObjectDisposedException()
    {
        var db = DuckDbDatabase.Open();
        var connection = db.Connect();
        var result = connection.Query("SELECT 1");
        var chunk = result.FetchChunk()!;
        chunk.Dispose();
        result.Dispose();
        connection.Dispose();
        db.Dispose();
        Assert.Throws<ObjectDisposedException>(() => chunk.GetVector(0));
        Assert.Throws<ObjectDisposedException>(() => result.FetchChunk());
        Assert.Throws<ObjectDisposedException>(() => connection.Execute("SELECT 1"));
        Assert.Throws<ObjectDisposedException>(() => db.Connect());
        connection.Interrupt(); // harmless on a closed connection
    }

    [Fact]
    public void Options_reach_DuckDB()
    {
        using var db = new TestDatabase(new DuckDbOptions
        {
            Threads = 1,
            MemoryLimit = "512MB",
            PreserveInsertionOrder = false,
            Settings = new Dictionary<string, string> { ["default_order"] = "DESC" },
        });
        var c = db.Connection;
        Assert.Equal("1", c.ExecuteScalar<string>("SELECT current_setting('threads')"));
        Assert.False(c.ExecuteScalar<bool>("SELECT current_setting('preserve_insertion_order')"));
        Assert.Equal("desc", c.ExecuteScalar<string>("SELECT current_setting('default_order')")!.ToLowerInvariant());
        Assert.Contains("MiB", c.ExecuteScalar<string>("SELECT current_setting('memory_limit')"));
    }

    [Fact]
    public void A_database_file_persists_between_opens()
    {
        var dir = Directory.CreateTempSubdirectory("regsosek-duckdb-test-").FullName;
        try
        {
            var path = Path.Combine(dir, "x.duckdb");
            using (var db = DuckDbDatabase.Open(path))
            using (var c = db.Connect())
                c.Execute("CREATE TABLE t AS SELECT 41 AS k");
            using (var db = DuckDbDatabase.Open(path))
            using (var c = db.Connect())
                Assert.Equal(41, c.ExecuteScalar<int>("SELECT k FROM t"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
