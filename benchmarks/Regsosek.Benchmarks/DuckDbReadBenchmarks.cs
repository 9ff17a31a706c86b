using BenchmarkDotNet.Attributes;
using Regsosek.DuckDb;

namespace Regsosek.Benchmarks;

/// <summary>
/// Reading one column of <see cref="Rows"/> rows through the binding (streaming chunks, summing
/// over spans) against the same aggregate computed inside DuckDB. The difference is the cost of
/// moving the column out of DuckDB into .NET; [MemoryDiagnoser] shows there is no per-row allocation
/// (what is allocated is per chunk of 2,048 rows).
/// </summary>
[MemoryDiagnoser]
public class DuckDbReadBenchmarks
{
    private DuckDbDatabase _database = null!;
    private DuckDbConnection _connection = null!;

    /// <summary>Rows in the table.</summary>
    [Params(10_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _database = DuckDbDatabase.Open();
        _connection = _database.Connect();
        _connection.Execute(
            $"CREATE TABLE t AS SELECT i::BIGINT AS village_code, (i % 9973)::INTEGER AS regency_code, " +
            $"'Desa ' || (i % 83762) || CASE WHEN i % 2 = 0 THEN ' Kabupaten Aceh Selatan' ELSE '' END AS name FROM range({Rows}) t(i)");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Benchmark(Description = "BIGINT sum: inside DuckDB")]
    public long BigIntSumInsideDuckDb() => _connection.ExecuteScalar<long>("SELECT sum(village_code)::BIGINT FROM t");

    [Benchmark(Description = "BIGINT sum: binding spans")]
    public long BigIntSumThroughBinding()
    {
        long sum = 0;
        using var result = _connection.Query("SELECT village_code FROM t");
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                foreach (var value in chunk.GetVector(0).GetData<long>(chunk.RowCount)) sum += value;
            }
        }
        return sum;
    }

    [Benchmark(Description = "INTEGER sum: inside DuckDB")]
    public long IntegerSumInsideDuckDb() => _connection.ExecuteScalar<long>("SELECT sum(regency_code)::BIGINT FROM t");

    [Benchmark(Description = "INTEGER sum: binding spans")]
    public long IntegerSumThroughBinding()
    {
        long sum = 0;
        using var result = _connection.Query("SELECT regency_code FROM t");
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                foreach (var value in chunk.GetVector(0).GetData<int>(chunk.RowCount)) sum += value;
            }
        }
        return sum;
    }

    [Benchmark(Description = "VARCHAR bytes: inside DuckDB")]
    public long VarcharBytesInsideDuckDb() => _connection.ExecuteScalar<long>("SELECT sum(strlen(name))::BIGINT FROM t");

    [Benchmark(Description = "VARCHAR bytes: binding UTF-8 spans")]
    public long VarcharBytesThroughBinding()
    {
        long bytes = 0;
        using var result = _connection.Query("SELECT name FROM t");
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                var vector = chunk.GetVector(0);
                int rows = chunk.RowCount;
                for (int row = 0; row < rows; row++) bytes += vector.GetStringUtf8(row).Length;
            }
        }
        return bytes;
    }
}
