using System.Text;

namespace Regsosek.DuckDb.Tests;

/// <summary>Values written by SQL literals come back through the chunk API unchanged, NULLs included.</summary>
public class TypeRoundTripTests
{
    private static List<T?> Read<T>(TestDatabase db, string sqlType, string literals) where T : unmanaged
    {
        // one row per literal, in order, NULLs allowed
        var sql = $"SELECT CAST(v AS {sqlType}) AS v FROM unnest([{literals}]) WITH ORDINALITY AS t(v, n) ORDER BY n";
        return db.ReadColumn(sql, (vector, row) => vector.IsValid(row) ? vector.GetData<T>(row + 1)[row] : (T?)null);
    }

    [Fact]
    public void Booleans()
    {
        using var db = new TestDatabase();
        Assert.Equal([true, null, false], Read<bool>(db, "BOOLEAN", "true, NULL, false"));
    }

    [Fact]
    public void All_integer_widths()
    {
        using var db = new TestDatabase();
        Assert.Equal([sbyte.MinValue, null, (sbyte)0, sbyte.MaxValue], Read<sbyte>(db, "TINYINT", "-128, NULL, 0, 127"));
        Assert.Equal([short.MinValue, null, (short)-1, short.MaxValue], Read<short>(db, "SMALLINT", "-32768, NULL, -1, 32767"));
        Assert.Equal([int.MinValue, null, 1101, int.MaxValue], Read<int>(db, "INTEGER", "-2147483648, NULL, 1101, 2147483647"));
        Assert.Equal([long.MinValue, null, 1101012001L, long.MaxValue],
            Read<long>(db, "BIGINT", "-9223372036854775808, NULL, 1101012001, 9223372036854775807"));
        Assert.Equal([(byte)0, null, byte.MaxValue], Read<byte>(db, "UTINYINT", "0, NULL, 255"));
        Assert.Equal([(ushort)0, null, ushort.MaxValue], Read<ushort>(db, "USMALLINT", "0, NULL, 65535"));
        Assert.Equal([0u, null, uint.MaxValue], Read<uint>(db, "UINTEGER", "0, NULL, 4294967295"));
        Assert.Equal([0ul, null, ulong.MaxValue], Read<ulong>(db, "UBIGINT", "0, NULL, 18446744073709551615"));
    }

    [Fact]
    public void HugeInt()
    {
        using var db = new TestDatabase();
        var expected = Int128.Parse("-170141183460469231731687303715884105728");
        Assert.Equal([expected, null, (Int128)1 << 100],
            Read<Int128>(db, "HUGEINT", "-170141183460469231731687303715884105728, NULL, 1267650600228229401496703205376"));
    }

    [Fact]
    public void Doubles_and_floats()
    {
        using var db = new TestDatabase();
        Assert.Equal([0.1, null, -1e300, double.PositiveInfinity], Read<double>(db, "DOUBLE", "0.1, NULL, -1e300, 'inf'"));
        Assert.Equal([1.5f, null], Read<float>(db, "FLOAT", "1.5, NULL"));
    }

    [Fact]
    public void Dates_are_days_since_1970()
    {
        using var db = new TestDatabase();
        var days = Read<int>(db, "DATE", "'1970-01-01', NULL, '2022-10-15', '0001-01-01', '9999-12-31', '1969-12-31'");
        Assert.Equal([0, null, 19280, DuckDbDate.ToDays(new DateOnly(1, 1, 1)), DuckDbDate.ToDays(new DateOnly(9999, 12, 31)), -1], days);
        Assert.Equal(new DateOnly(2022, 10, 15), DuckDbDate.ToDateOnly(days[2]!.Value));
    }

    [Fact]
    public void DuckDbDate_agrees_with_DuckDB_date_arithmetic()
    {
        using var db = new TestDatabase();
        foreach (var date in new[] { new DateOnly(1970, 1, 1), new DateOnly(2000, 2, 29), new DateOnly(1, 1, 1), new DateOnly(9999, 12, 31), new DateOnly(1945, 8, 17) })
        {
            var days = db.Connection.ExecuteScalar<long>($"SELECT DATE '{date:yyyy-MM-dd}' - DATE '1970-01-01'");
            Assert.Equal(days, DuckDbDate.ToDays(date));
            Assert.Equal(date, DuckDbDate.ToDateOnly((int)days));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => DuckDbDate.ToDateOnly(int.MaxValue));
    }

    [Fact]
    public void Varchar_short_inlined_long_and_non_ascii()
    {
        using var db = new TestDatabase();
        string[] inputs =
        [
            "", "a", "twelve bytes", // 12 bytes: the longest inlined string
            "thirteen byte", // 13 bytes: the shortest pointer string
            "Kabupaten Aceh Selatan",
            "Kelurahan Pasar Baru — Sawahlunto", // non-ASCII, long
            "Ñusantara", "日本語", "🙂🙂🙂🙂", // non-ASCII: 10, 9 and 16 bytes
            new string('x', 5000),
        ];
        var literals = string.Join(", ", inputs.Select(s => $"'{s}'")) + ", NULL";
        var sql = $"SELECT v FROM unnest([{literals}]) WITH ORDINALITY AS t(v, n) ORDER BY n";

        var asStrings = db.ReadColumn(sql, (v, row) => v.IsValid(row) ? v.GetString(row) : null);
        Assert.Equal([.. inputs, null], asStrings);

        var asBytes = db.ReadColumn(sql, (v, row) => v.IsValid(row) ? v.GetStringUtf8(row).ToArray() : null);
        Assert.Equal([.. inputs.Select(Encoding.UTF8.GetBytes), null], asBytes);

        // DuckDB's own byte lengths agree with the spans
        var octets = db.ReadColumn($"SELECT strlen(v) FROM ({sql})", (v, row) => v.IsValid(row) ? v.GetData<long>(row + 1)[row] : -1);
        Assert.Equal(asBytes.Select(b => b is null ? -1L : b.Length), octets);
    }

    [Fact]
    public void Column_names_and_types()
    {
        using var db = new TestDatabase();
        using var result = db.Connection.Query(
            "SELECT true AS b, 1::TINYINT AS t, 1::SMALLINT AS s, 1::INTEGER AS i, 1::BIGINT AS l, 1.5::DOUBLE AS d, " +
            "'x' AS v, DATE '2024-01-01' AS dt, TIMESTAMP '2024-01-01' AS ts, 1.25::DECIMAL(10,2) AS dec, 1::HUGEINT AS h, [1, 2] AS lst");
        Assert.Equal(12, result.ColumnCount);
        Assert.Equal(["b", "t", "s", "i", "l", "d", "v", "dt", "ts", "dec", "h", "lst"],
            Enumerable.Range(0, result.ColumnCount).Select(result.ColumnName));
        Assert.Equal(
            [DuckDbType.Boolean, DuckDbType.TinyInt, DuckDbType.SmallInt, DuckDbType.Integer, DuckDbType.BigInt, DuckDbType.Double,
             DuckDbType.Varchar, DuckDbType.Date, DuckDbType.Timestamp, DuckDbType.Decimal, DuckDbType.HugeInt, DuckDbType.List],
            Enumerable.Range(0, result.ColumnCount).Select(result.ColumnType));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.ColumnName(12));
    }

    [Fact]
    public void Lists_through_the_child_vector()
    {
        using var db = new TestDatabase();
        var lists = db.ReadColumn("SELECT v FROM unnest([[1, 2, 3], NULL, [], [NULL, 5]]) WITH ORDINALITY AS t(v, n) ORDER BY n", (vector, row) =>
        {
            if (!vector.IsValid(row)) return null;
            var entry = vector.GetData<DuckDbListEntry>(row + 1)[row];
            var child = vector.ListChild;
            Assert.Equal(DuckDbType.Integer, child.Type);
            var values = child.GetData<int>(child.Capacity);
            var list = new List<int?>();
            for (int i = (int)entry.Offset; i < (int)(entry.Offset + entry.Length); i++)
                list.Add(child.IsValid(i) ? values[i] : null);
            return list;
        });
        Assert.Equal([[1, 2, 3], null, [], [null, 5]], lists);
    }

    [Fact]
    public void Reading_with_a_type_of_the_wrong_width_is_refused()
    {
        using var db = new TestDatabase();
        using var result = db.Connection.Query("SELECT 1::INTEGER AS i, 'x' AS v");
        using var chunk = result.FetchChunk()!;
        var error = Assert.Throws<InvalidOperationException>(() => chunk.GetVector(0).GetData<long>(1));
        Assert.Contains("4-byte", error.Message);
        Assert.Throws<InvalidOperationException>(() => chunk.GetVector(0).GetStringUtf8(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => chunk.GetVector(0).GetData<int>(DuckDbDataChunk.Capacity + 1));
        Assert.Throws<InvalidOperationException>(() => chunk.GetVector(1).ListChild);
        Assert.Throws<ArgumentOutOfRangeException>(() => chunk.GetVector(2));
    }

    [Fact]
    public void ExecuteScalar_converts_and_reports_nulls()
    {
        using var db = new TestDatabase();
        var c = db.Connection;
        Assert.Equal(42L, c.ExecuteScalar<long>("SELECT 42::BIGINT"));
        Assert.Equal(42, c.ExecuteScalar<int>("SELECT 42::TINYINT"));
        Assert.Equal(4950L, c.ExecuteScalar<long>("SELECT sum(i) FROM range(100) t(i)")); // HUGEINT
        Assert.Equal(2.5, c.ExecuteScalar<double>("SELECT 2.5::DOUBLE"));
        Assert.Equal(12.34m, c.ExecuteScalar<decimal>("SELECT 12.34::DECIMAL(10, 2)"));
        Assert.Equal("Sawahlunto", c.ExecuteScalar<string>("SELECT 'Sawahlunto'"));
        Assert.True(c.ExecuteScalar<bool>("SELECT 1 < 2"));
        Assert.Equal(new DateOnly(2022, 10, 15), c.ExecuteScalar<DateOnly>("SELECT DATE '2022-10-15'"));
        Assert.Null(c.ExecuteScalar<long?>("SELECT NULL::BIGINT"));
        Assert.Null(c.ExecuteScalar<string>("SELECT 'x' WHERE false"));
        Assert.Equal(3L, c.ExecuteScalar<long?>("SELECT 3::INTEGER"));
        Assert.Throws<InvalidOperationException>(() => c.ExecuteScalar<long>("SELECT NULL::BIGINT"));
        Assert.Throws<InvalidCastException>(() => c.ExecuteScalar<DateOnly>("SELECT 1::INTEGER"));
    }
}
