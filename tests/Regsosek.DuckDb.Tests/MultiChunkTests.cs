namespace Regsosek.DuckDb.Tests;

public class MultiChunkTests
{
    [Fact]
    public void A_result_larger_than_one_vector_arrives_in_several_chunks_and_sums_like_DuckDB()
    {
        using var db = new TestDatabase();
        const int rows = 100_003; // not a multiple of the vector size
        db.Connection.Execute($"CREATE TABLE t AS SELECT (i * 7919 % 1000003)::BIGINT AS x, (i % 97)::INTEGER AS y, " +
                              $"CASE WHEN i % 10 = 0 THEN NULL ELSE i END AS z FROM range({rows}) t(i)");

        long sumX = 0, sumY = 0, sumZ = 0, rowCount = 0, nullZ = 0;
        int chunks = 0;
        using (var result = db.Connection.Query("SELECT x, y, z FROM t"))
        {
            while (result.FetchChunk() is { } chunk)
            {
                using (chunk)
                {
                    chunks++;
                    int n = chunk.RowCount;
                    Assert.InRange(n, 1, DuckDbDataChunk.Capacity);
                    rowCount += n;
                    foreach (var x in chunk.GetVector(0).GetData<long>(n)) sumX += x;
                    foreach (var y in chunk.GetVector(1).GetData<int>(n)) sumY += y;
                    var z = chunk.GetVector(2);
                    var zs = z.GetData<long>(n);
                    for (int i = 0; i < n; i++)
                    {
                        if (z.IsValid(i)) sumZ += zs[i];
                        else nullZ++;
                    }
                }
            }
            Assert.Null(result.FetchChunk()); // stays at the end
        }

        Assert.True(chunks >= rows / DuckDbDataChunk.Capacity, $"expected several chunks, got {chunks}");
        Assert.Equal(rows, rowCount);
        Assert.Equal(db.Connection.ExecuteScalar<long>("SELECT sum(x) FROM t"), sumX);
        Assert.Equal(db.Connection.ExecuteScalar<long>("SELECT sum(y) FROM t"), sumY);
        Assert.Equal(db.Connection.ExecuteScalar<long>("SELECT sum(z) FROM t"), sumZ);
        Assert.Equal(db.Connection.ExecuteScalar<long>("SELECT count(*) - count(z) FROM t"), nullZ);
    }

    [Fact]
    public void Vector_capacity_is_DuckDBs_vector_size()
    {
        Assert.Equal(2048, DuckDbDataChunk.Capacity);
    }

    [Fact]
    public void Running_another_statement_while_a_stream_is_open_makes_the_stream_fail_instead_of_truncating()
    {
        using var db = new TestDatabase();
        using var result = db.Connection.Query("SELECT i FROM range(1000000) t(i)");
        using (var first = result.FetchChunk()) Assert.NotNull(first);
        db.Connection.Execute("SELECT 1");
        var error = Assert.Throws<InvalidOperationException>(() => result.FetchChunk());
        Assert.Contains("another statement", error.Message);
    }

    [Fact]
    public void A_stream_read_to_the_end_is_not_affected_by_later_statements()
    {
        using var db = new TestDatabase();
        using var result = db.Connection.Query("SELECT 1");
        using (var chunk = result.FetchChunk()) Assert.NotNull(chunk);
        Assert.Null(result.FetchChunk());
        db.Connection.Execute("SELECT 2");
        Assert.Null(result.FetchChunk());
    }
}
