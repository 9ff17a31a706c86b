namespace Regsosek.DuckDb.Tests;

public sealed class ParquetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("regsosek-duckdb-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parquet_written_with_COPY_reads_back_through_the_binding()
    {
        using var db = new TestDatabase();
        var file = Path.Combine(_dir, "individu.parquet");
        db.Connection.Execute(
            $"COPY (SELECT i::BIGINT AS person_id, (11 + i % 3)::INTEGER AS prov_code, (1 + i % 2)::TINYINT AS r405, " +
            $"'nama ' || i AS nama FROM range(10000) t(i)) TO '{file}' (FORMAT parquet)");
        Assert.True(File.Exists(file));

        long sum = 0, count = 0, nameBytes = 0;
        using (var statement = db.Connection.Prepare("SELECT person_id, nama FROM read_parquet(?) WHERE prov_code = ?"))
        {
            statement.Bind(1, file);
            statement.Bind(2, 12);
            using var result = statement.ExecuteStreaming();
            while (result.FetchChunk() is { } chunk)
            {
                using (chunk)
                {
                    foreach (var id in chunk.GetVector(0).GetData<long>(chunk.RowCount)) sum += id;
                    var names = chunk.GetVector(1);
                    for (int r = 0; r < chunk.RowCount; r++) nameBytes += names.GetStringUtf8(r).Length;
                    count += chunk.RowCount;
                }
            }
        }
        var expected = Enumerable.Range(0, 10000).Where(i => 11 + i % 3 == 12).ToList();
        Assert.Equal(expected.Count, count);
        Assert.Equal(expected.Sum(i => (long)i), sum);
        Assert.Equal(expected.Sum(i => ("nama " + i).Length), nameBytes);
    }

    [Fact]
    public void Hive_partitioned_parquet_is_read_with_its_partition_columns()
    {
        using var db = new TestDatabase();
        var root = Path.Combine(_dir, "keluarga");
        db.Connection.Execute(
            $"COPY (SELECT i::BIGINT AS family_id, (11 + i % 2)::INTEGER AS prov_code, ((11 + i % 2) * 100 + 1 + i % 3)::INTEGER AS regency_code, " +
            $"(1 + i % 10)::TINYINT AS desil FROM range(3000) t(i)) TO '{root}' (FORMAT parquet, PARTITION_BY (prov_code, regency_code))");
        Assert.True(Directory.Exists(Path.Combine(root, "prov_code=11", "regency_code=1101")));

        using var statement = db.Connection.Prepare(
            "SELECT count(*), sum(family_id)::BIGINT FROM read_parquet(? || '/*/*/*.parquet', hive_partitioning = true) WHERE regency_code = ?");
        statement.Bind(1, root);
        statement.Bind(2, 1203);
        using var result = statement.ExecuteStreaming();
        using var chunk = result.FetchChunk()!;
        var expected = Enumerable.Range(0, 3000).Where(i => (11 + i % 2) * 100 + 1 + i % 3 == 1203).ToList();
        Assert.Equal(expected.Count, chunk.GetVector(0).GetData<long>(1)[0]);
        Assert.Equal(expected.Sum(i => (long)i), chunk.GetVector(1).GetData<long>(1)[0]);
    }
}
