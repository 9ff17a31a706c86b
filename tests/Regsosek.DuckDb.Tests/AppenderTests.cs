using System.Text;

namespace Regsosek.DuckDb.Tests;

public class AppenderTests
{
    private static readonly DuckDbType[] Types =
        [DuckDbType.BigInt, DuckDbType.Integer, DuckDbType.TinyInt, DuckDbType.Double, DuckDbType.Boolean, DuckDbType.Date, DuckDbType.Varchar];

    /// <summary>The value each row gets, computed here independently of DuckDB; null = NULL.</summary>
    private static (long Id, int? Code, sbyte Small, double? X, bool B, DateOnly D, string? Name) Row(long i) =>
        (i * 1_000_003, i % 7 == 0 ? null : (int)(i % 1000), (sbyte)(i % 100 - 50), i % 5 == 0 ? null : i / 3.0,
         i % 2 == 0, new DateOnly(2022, 1, 1).AddDays((int)(i % 365)),
         i % 11 == 0 ? null : i % 3 == 0 ? $"long name number {i} — Sulawesi" : $"n{i}");

    [Fact]
    public void Appended_chunks_are_in_the_table_with_nulls_and_strings()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(id BIGINT, code INTEGER, small TINYINT, x DOUBLE, b BOOLEAN, d DATE, name VARCHAR)");
        const int total = 5000; // more than two chunks
        using (var appender = db.Connection.CreateAppender("t"))
        using (var chunk = DuckDbDataChunk.Create(Types))
        {
            Assert.Equal(7, chunk.ColumnCount);
            for (int start = 0; start < total; start += DuckDbDataChunk.Capacity)
            {
                chunk.Reset();
                int n = Math.Min(DuckDbDataChunk.Capacity, total - start);
                var id = chunk.GetVector(0);
                var code = chunk.GetVector(1);
                var small = chunk.GetVector(2);
                var x = chunk.GetVector(3);
                var b = chunk.GetVector(4);
                var d = chunk.GetVector(5);
                var name = chunk.GetVector(6);
                var ids = id.GetWritableData<long>(n);
                var codes = code.GetWritableData<int>(n);
                var smalls = small.GetWritableData<sbyte>(n);
                var xs = x.GetWritableData<double>(n);
                var bs = b.GetWritableData<bool>(n);
                var ds = d.GetWritableData<int>(n);
                for (int r = 0; r < n; r++)
                {
                    var row = Row(start + r);
                    ids[r] = row.Id;
                    if (row.Code is { } c) codes[r] = c; else code.SetNull(r);
                    smalls[r] = row.Small;
                    if (row.X is { } v) xs[r] = v; else x.SetNull(r);
                    bs[r] = row.B;
                    ds[r] = DuckDbDate.ToDays(row.D);
                    if (row.Name is { } s) name.SetString(r, Encoding.UTF8.GetBytes(s)); else name.SetNull(r);
                }
                chunk.RowCount = n;
                appender.AppendChunk(chunk);
            }
        }

        var rows = Enumerable.Range(0, total).Select(i => Row(i)).ToList();
        var c1 = db.Connection;
        Assert.Equal(total, c1.ExecuteScalar<long>("SELECT count(*) FROM t"));
        Assert.Equal(rows.Sum(r => r.Id), c1.ExecuteScalar<long>("SELECT sum(id) FROM t"));
        Assert.Equal(rows.Count(r => r.Code is null), c1.ExecuteScalar<long>("SELECT count(*) - count(code) FROM t"));
        Assert.Equal(rows.Sum(r => (long)(r.Code ?? 0)), c1.ExecuteScalar<long>("SELECT sum(code) FROM t"));
        Assert.Equal(rows.Sum(r => (long)r.Small), c1.ExecuteScalar<long>("SELECT sum(small) FROM t"));
        Assert.Equal(rows.Count(r => r.X is null), c1.ExecuteScalar<long>("SELECT count(*) - count(x) FROM t"));
        Assert.Equal(rows.Sum(r => r.X ?? 0), c1.ExecuteScalar<double>("SELECT sum(x) FROM t"), 6);
        Assert.Equal(rows.Count(r => r.B), c1.ExecuteScalar<long>("SELECT count(*) FILTER (WHERE b) FROM t"));
        Assert.Equal(rows.Max(r => r.D), c1.ExecuteScalar<DateOnly>("SELECT max(d) FROM t"));
        Assert.Equal(rows.Count(r => r.Name is null), c1.ExecuteScalar<long>("SELECT count(*) - count(name) FROM t"));
        Assert.Equal(rows.Sum(r => (long)(r.Name is null ? 0 : Encoding.UTF8.GetByteCount(r.Name))),
            c1.ExecuteScalar<long>("SELECT sum(strlen(name)) FROM t"));
        // spot checks of exact values, long (pointer) and short (inlined) strings
        Assert.Equal(Row(4098).Name, c1.ExecuteScalar<string>($"SELECT name FROM t WHERE id = {Row(4098).Id}"));
        Assert.Equal(Row(4097).Name, c1.ExecuteScalar<string>($"SELECT name FROM t WHERE id = {Row(4097).Id}"));
    }

    [Fact]
    public void Data_is_visible_after_Flush_and_a_failing_flush_reports_DuckDBs_error()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(k INTEGER PRIMARY KEY)");
        var appender = db.Connection.CreateAppender("t", "main");
        using var chunk = DuckDbDataChunk.Create([DuckDbType.Integer]);
        ((ReadOnlySpan<int>)[1, 2, 3]).CopyTo(chunk.GetVector(0).GetWritableData<int>(3));
        chunk.RowCount = 3;
        appender.AppendChunk(chunk);
        appender.Flush();
        Assert.Equal(3L, db.Connection.ExecuteScalar<long>("SELECT count(*) FROM t"));

        appender.AppendChunk(chunk); // duplicate keys
        var error = Assert.Throws<DuckDbException>(() => appender.Flush());
        Assert.Contains("constraint", error.Message, StringComparison.OrdinalIgnoreCase);
        // the refused rows are still pending, so the final flush of Dispose fails too, loudly
        Assert.Throws<DuckDbException>(() => appender.Dispose());
        Assert.Equal(3L, db.Connection.ExecuteScalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void Dispose_flushes_and_surfaces_a_failing_final_flush()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(k INTEGER PRIMARY KEY)");
        using var chunk = DuckDbDataChunk.Create([DuckDbType.Integer]);
        ((ReadOnlySpan<int>)[7, 7]).CopyTo(chunk.GetVector(0).GetWritableData<int>(2));
        chunk.RowCount = 2;
        var appender = db.Connection.CreateAppender("t");
        appender.AppendChunk(chunk);
        Assert.Throws<DuckDbException>(() => appender.Dispose());
        appender.Dispose(); // a second Dispose is harmless
        Assert.Equal(0L, db.Connection.ExecuteScalar<long>("SELECT count(*) FROM t"));

        using (var ok = db.Connection.CreateAppender("t"))
        {
            ((ReadOnlySpan<int>)[8, 9]).CopyTo(chunk.GetVector(0).GetWritableData<int>(2));
            ok.AppendChunk(chunk);
        }
        Assert.Equal(17L, db.Connection.ExecuteScalar<long>("SELECT sum(k) FROM t"));
    }

    [Fact]
    public void Wrong_chunks_and_closed_appenders_are_refused()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(k INTEGER, s VARCHAR)");
        using var appender = db.Connection.CreateAppender("t");
        using var oneColumn = DuckDbDataChunk.Create([DuckDbType.Integer]);
        oneColumn.RowCount = 1;
        Assert.Throws<DuckDbException>(() => appender.AppendChunk(oneColumn));
        appender.Close();
        Assert.Throws<InvalidOperationException>(() => appender.AppendChunk(oneColumn));

        Assert.Throws<ArgumentException>(() => DuckDbDataChunk.Create([]));
        Assert.Throws<ArgumentException>(() => DuckDbDataChunk.Create([DuckDbType.Decimal]));
        using var chunk = DuckDbDataChunk.Create([DuckDbType.Integer]);
        Assert.Throws<ArgumentOutOfRangeException>(() => chunk.RowCount = DuckDbDataChunk.Capacity + 1);
        Assert.Throws<InvalidOperationException>(() => chunk.GetVector(0).SetString(0, "x"u8));
    }

    [Fact]
    public void SetString_from_a_dotnet_string_encodes_UTF8_short_and_long()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(k INTEGER, s VARCHAR)");
        string[] values = ["", "Aceh", "Kepulauan Bangka Belitung — ñ 日本", new string('é', 400)];
        using (var appender = db.Connection.CreateAppender("t"))
        using (var chunk = DuckDbDataChunk.Create([DuckDbType.Integer, DuckDbType.Varchar]))
        {
            var keys = chunk.GetVector(0).GetWritableData<int>(values.Length);
            var strings = chunk.GetVector(1);
            for (int i = 0; i < values.Length; i++)
            {
                keys[i] = i;
                strings.SetString(i, values[i]);
            }
            chunk.RowCount = values.Length;
            appender.AppendChunk(chunk);
        }
        var read = db.ReadColumn("SELECT s FROM t ORDER BY k", (v, row) => v.GetString(row));
        Assert.Equal(values, read);
        Assert.Equal(800L, db.Connection.ExecuteScalar<long>("SELECT strlen(s) FROM t WHERE k = 3"));
    }
}
