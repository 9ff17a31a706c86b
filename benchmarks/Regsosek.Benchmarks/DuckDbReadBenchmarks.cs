using BenchmarkDotNet.Attributes;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.Benchmarks;

/// <summary>
/// Reading one column of <see cref="Rows"/> rows out of DuckDB three ways: the same aggregate computed inside
/// DuckDB (the floor), DuckDB.NET's ADO.NET reader (Read + GetInt64/GetInt32/GetString per row), and our
/// <see cref="ChunkStream"/> over DuckDB.NET's low-level API (streaming chunks, summing over spans). The
/// difference to the floor is the cost of moving the column into .NET; [MemoryDiagnoser] shows what is allocated
/// per row (the ADO.NET reader's GetString allocates a string per row; the spans allocate nothing per row).
/// Results: DUCKDB-NET.md.
/// </summary>
[MemoryDiagnoser]
public class DuckDbReadBenchmarks
{
    private DuckDBConnection _connection = null!;

    /// <summary>Rows in the table.</summary>
    [Params(10_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _connection = DuckDbSettings.Open(null);
        _connection.Execute(
            $"CREATE TABLE t AS SELECT i::BIGINT AS village_code, (i % 9973)::INTEGER AS regency_code, " +
            $"'Desa ' || (i % 83762) || CASE WHEN i % 2 = 0 THEN ' Kabupaten Aceh Selatan' ELSE '' END AS name FROM range({Rows}) t(i)");
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose();

    [Benchmark(Description = "BIGINT sum: inside DuckDB")]
    public long BigIntSumInsideDuckDb() => _connection.Scalar<long>("SELECT sum(village_code)::BIGINT FROM t");

    [Benchmark(Description = "BIGINT sum: ADO.NET reader")]
    public long BigIntSumAdoNet()
    {
        long sum = 0;
        using var command = Commands.Create(_connection, "SELECT village_code FROM t");
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        while (reader.Read()) sum += reader.GetInt64(0);
        return sum;
    }

    [Benchmark(Description = "BIGINT sum: chunk spans")]
    public long BigIntSumSpans()
    {
        long sum = 0;
        using var result = ChunkStream.Open(_connection, "SELECT village_code FROM t");
        while (result.Next())
            foreach (var value in result.Column<long>(0)) sum += value;
        return sum;
    }

    [Benchmark(Description = "INTEGER sum: inside DuckDB")]
    public long IntegerSumInsideDuckDb() => _connection.Scalar<long>("SELECT sum(regency_code)::BIGINT FROM t");

    [Benchmark(Description = "INTEGER sum: ADO.NET reader")]
    public long IntegerSumAdoNet()
    {
        long sum = 0;
        using var command = Commands.Create(_connection, "SELECT regency_code FROM t");
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        while (reader.Read()) sum += reader.GetInt32(0);
        return sum;
    }

    [Benchmark(Description = "INTEGER sum: chunk spans")]
    public long IntegerSumSpans()
    {
        long sum = 0;
        using var result = ChunkStream.Open(_connection, "SELECT regency_code FROM t");
        while (result.Next())
            foreach (var value in result.Column<int>(0)) sum += value;
        return sum;
    }

    [Benchmark(Description = "VARCHAR bytes: inside DuckDB")]
    public long VarcharBytesInsideDuckDb() => _connection.Scalar<long>("SELECT sum(strlen(name))::BIGINT FROM t");

    [Benchmark(Description = "VARCHAR length: ADO.NET reader (UTF-16 strings)")]
    public long VarcharCharsAdoNet()
    {
        long chars = 0;
        using var command = Commands.Create(_connection, "SELECT name FROM t");
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        while (reader.Read()) chars += reader.GetString(0).Length;
        return chars;
    }

    [Benchmark(Description = "VARCHAR bytes: chunk UTF-8 spans")]
    public long VarcharBytesSpans()
    {
        long bytes = 0;
        using var result = ChunkStream.Open(_connection, "SELECT name FROM t");
        while (result.Next())
        {
            int rows = result.RowCount;
            for (int row = 0; row < rows; row++) bytes += result.Utf8(0, row).Length;
        }
        return bytes;
    }
}
