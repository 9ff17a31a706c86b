using Apache.Arrow;
using Apache.Arrow.Ipc;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Extracts.Tests;

public class ArrowIpcWriterTests
{
    private const string Select =
        "SELECT i::BIGINT AS person_id, CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 120)::INTEGER END AS r407, i / 4.0 AS score, " +
        "CASE WHEN i % 5 = 0 THEN NULL WHEN i % 2 = 0 THEN 'n' || i ELSE 'a name longer than twelve bytes ' || i END AS name " +
        "FROM range(5000) t(i) WHERE i >= $1 ORDER BY i";

    [Fact]
    public void An_Arrow_IPC_stream_reads_back_with_ArrowStreamReader_as_the_same_rows_and_metadata()
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        using var stream = new MemoryStream();
        var metadata = new Dictionary<string, string> { [ArrowIpcWriter.LicenceKey] = "L", [ArrowIpcWriter.AttributionKey] = "A" };

        long written = ArrowIpcWriter.Write(connection, Select, [new Int64Parameter(10)], metadata, stream);

        Assert.Equal(4990, written);
        stream.Position = 0;
        using var reader = new ArrowStreamReader(stream);
        var rows = new List<(long Id, int? Age, double Score, string? Name)>();
        int batches = 0;
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                batches++;
                var ids = (Int64Array)batch.Column("person_id");
                var ages = (Int32Array)batch.Column("r407");
                var scores = (DoubleArray)batch.Column("score");
                var names = (StringArray)batch.Column("name");
                for (int r = 0; r < batch.Length; r++)
                    rows.Add((ids.GetValue(r)!.Value, ages.GetValue(r), scores.GetValue(r)!.Value, names.GetString(r)));
            }
        }
        Assert.Equal("L", reader.Schema.Metadata[ArrowIpcWriter.LicenceKey]);
        Assert.Equal("A", reader.Schema.Metadata[ArrowIpcWriter.AttributionKey]);
        Assert.Equal(["person_id", "r407", "score", "name"], reader.Schema.FieldsList.Select(f => f.Name));
        Assert.True(batches > 1, "several record batches expected for 4,990 rows");

        Assert.Equal(Enumerable.Range(10, 4990).Select(i => (long)i), rows.Select(r => r.Id));
        Assert.All(rows, r =>
        {
            Assert.Equal(r.Id % 7 == 0 ? null : (int)(r.Id % 120), r.Age);
            Assert.Equal(r.Id / 4.0, r.Score);
            Assert.Equal(r.Id % 5 == 0 ? null : r.Id % 2 == 0 ? $"n{r.Id}" : $"a name longer than twelve bytes {r.Id}", r.Name);
        });
    }

    [Fact]
    public void An_empty_result_is_a_stream_with_the_schema_and_no_rows()
    {
        using var connection = DuckDbSettings.Open(null);
        using var stream = new MemoryStream();
        long written = ArrowIpcWriter.Write(connection, Select, [new Int64Parameter(1_000_000)], new Dictionary<string, string>(), stream);
        Assert.Equal(0, written);
        stream.Position = 0;
        using var reader = new ArrowStreamReader(stream);
        long rows = 0;
        while (reader.ReadNextRecordBatch() is { } batch) using (batch) rows += batch.Length;
        Assert.Equal(0, rows);
        Assert.Equal(4, reader.Schema.FieldsList.Count);
    }
}
