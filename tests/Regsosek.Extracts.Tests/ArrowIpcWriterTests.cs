using Apache.Arrow;
using Apache.Arrow.Ipc;
using Regsosek.DataAccess;
using Regsosek.Schema;
using Regsosek.Core;

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

/// <summary>Extracts in the Arrow IPC stream format hold the rows of the same extract in Parquet.</summary>
public sealed class ArrowStreamExtractTests(LargeRegencyFixture data) : IClassFixture<LargeRegencyFixture>
{
    [Theory]
    [InlineData(Tier.Microdata)] // tier 3, sorted by pseudonym
    [InlineData(Tier.Bnba)]      // tier 4, straight from the dataset
    public void An_Arrow_extract_reads_back_as_the_Parquet_extract(Tier tier)
    {
        var caller = Grants.Caller("g-arrow", tier);
        ExtractRequest Request(ExtractFormat format) => new()
        {
            Table = ExtractTable.Individu,
            Region = "3201",
            Format = format,
            KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = tier == Tier.Microdata },
        };
        using var h = new Harness(data);
        var parquet = h.Run(Request(ExtractFormat.Parquet), caller);
        var arrow = h.Run(Request(ExtractFormat.ArrowStream), caller);
        Assert.True(parquet.Summary.Rows > 2048, "the fixture must need several record batches");
        Assert.Equal(parquet.Summary.Rows, arrow.Summary.Rows);
        Assert.Equal(ExtractFormat.ArrowStream, arrow.Summary.Format);

        var (columns, rows) = parquet.Read(h.Scratch, ExtractFormat.Parquet);
        using var reader = new ArrowStreamReader(new MemoryStream(arrow.Bytes));
        var arrowRows = new List<string?[]>();
        while (reader.ReadNextRecordBatch() is { } batch)
            using (batch)
                for (int r = 0; r < batch.Length; r++)
                    arrowRows.Add(Enumerable.Range(0, batch.ColumnCount).Select(c => Text(batch.Column(c), r)).ToArray());
        Assert.Equal(columns, reader.Schema.FieldsList.Select(f => f.Name));
        // Tier 3: the family pseudonym is an unsigned 64-bit integer in Arrow as in Parquet; tier 4: the real BIGINT id.
        Assert.Equal(tier == Tier.Microdata ? Apache.Arrow.Types.ArrowTypeId.UInt64 : Apache.Arrow.Types.ArrowTypeId.Int64,
            reader.Schema.GetFieldByName("family_id").DataType.TypeId);
        Assert.Equal(Licences.ForExtract(tier), reader.Schema.Metadata[ArrowIpcWriter.LicenceKey]);
        Assert.Equal(rows, arrowRows);
    }

    /// <summary>A value as DuckDB's CAST(... AS VARCHAR) writes it (null for NULL).</summary>
    private static string? Text(IArrowArray array, int row)
    {
        if (array.IsNull(row)) return null;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return array switch
        {
            StringArray a => a.GetString(row),
            Int64Array a => a.GetValue(row)!.Value.ToString(culture),
            Int32Array a => a.GetValue(row)!.Value.ToString(culture),
            Int16Array a => a.GetValue(row)!.Value.ToString(culture),
            Int8Array a => a.GetValue(row)!.Value.ToString(culture),
            UInt64Array a => a.GetValue(row)!.Value.ToString(culture),
            DoubleArray a => a.GetValue(row)!.Value.ToString("R", culture),
            BooleanArray a => a.GetValue(row)!.Value ? "true" : "false",
            Date32Array a => a.GetDateOnly(row)!.Value.ToString("yyyy-MM-dd", culture),
            _ => throw new NotSupportedException(array.GetType().Name),
        };
    }
}
