namespace Regsosek.DuckDb.Tests;

public class ConcurrencyTests
{
    [Fact]
    public void Several_threads_with_their_own_connections_get_correct_results()
    {
        using var db = DuckDbDatabase.Open(null, new DuckDbOptions { Threads = 2 });
        using (var setup = db.Connect())
            setup.Execute("CREATE TABLE t AS SELECT i::BIGINT AS x, (i % 38)::INTEGER AS prov FROM range(200000) t(i)");

        const int threads = 6;
        var errors = new List<Exception>();
        var workers = Enumerable.Range(0, threads).Select(w => new Thread(() =>
        {
            try
            {
                using var connection = db.Connect();
                using var statement = connection.Prepare("SELECT x FROM t WHERE prov = ?");
                for (int round = 0; round < 5; round++)
                {
                    int prov = (w * 5 + round) % 38;
                    statement.Bind(1, prov);
                    long sum = 0, count = 0;
                    using var result = statement.ExecuteStreaming();
                    while (result.FetchChunk() is { } chunk)
                    {
                        using (chunk)
                        {
                            foreach (var x in chunk.GetVector(0).GetData<long>(chunk.RowCount)) sum += x;
                            count += chunk.RowCount;
                        }
                    }
                    // i ≡ prov (mod 38) for i in [0, 200000): an arithmetic series
                    long n = (200000 - prov + 37) / 38;
                    Assert.Equal(n, count);
                    Assert.Equal(n * prov + 38L * n * (n - 1) / 2, sum);
                }
            }
            catch (Exception e)
            {
                lock (errors) errors.Add(e);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        Assert.Empty(errors);
    }
}
