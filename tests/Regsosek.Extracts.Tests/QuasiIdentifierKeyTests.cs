using DuckDB.NET.Data;
using Regsosek.DataAccess;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Extracts.KAnonymity;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// The packed quasi-identifier key, evaluated by DuckDB: it must be exact (equal keys if and only if equal values,
/// NULL only equal to NULL), decode to the values it packed, and clear exactly one field when a quasi-identifier is
/// suppressed — for narrow fields (BIGINT keys) and wide ones (HUGEINT keys), negative values included.
/// </summary>
public sealed class QuasiIdentifierKeyTests
{
    private static readonly string[] Columns = ["a", "b", "c"];

    /// <summary>Records of three columns whose values stay inside per-column ranges [min, min + span].</summary>
    private static Gen<(long Min, long Span)[]> Ranges(long maxSpan) =>
        from m1 in Gen.Choose(-1000, 1000)
            from s1 in Gen.Elements(0L, 1L, 3L, 120L, maxSpan)
            from m2 in Gen.Choose(-5, 5)
            from s2 in Gen.Elements(0L, 2L, 9_999L, maxSpan)
            from m3 in Gen.Choose(0, 3)
            from s3 in Gen.Elements(1L, 7L, maxSpan)
            select new[] { ((long)m1, s1), ((long)m2, s2), ((long)m3, s3) };

    private static Gen<long?> ValueIn((long Min, long Span) range) =>
        Gen.Frequency(
            (1, Gen.Constant<long?>(null)),
            (2, Gen.Constant<long?>(range.Min)),
            (2, Gen.Constant<long?>(range.Min + range.Span)),
            (4, Gen.Choose(0, 1000).Select(x => (long?)(range.Min + (long)((double)x / 1000 * range.Span)))));

    private static string Literal(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "NULL";

    /// <summary>Loads the records and returns the key built, as the runner builds it, from their ranges.</summary>
    private static QuasiIdentifierKey Load(DuckDBConnection c, IReadOnlyList<long?[]> records)
    {
        c.Execute("CREATE TABLE t (id INTEGER, a BIGINT, b BIGINT, c BIGINT)");
        if (records.Count > 0)
            c.Execute("INSERT INTO t VALUES " + string.Join(", ", records.Select((r, i) => $"({i}, {Literal(r[0])}, {Literal(r[1])}, {Literal(r[2])})")));
        using var result = ChunkStream.Open(c, QuasiIdentifierKey.RangesSql("t", Columns));
        Assert.True(result.Next());
        long? Get(int col) => result.IsValid(col, 0) ? result.Column<long>(col)[0] : null;
        return QuasiIdentifierKey.Create(Columns, Enumerable.Range(0, Columns.Length).Select(i => (Get(2 * i), Get(2 * i + 1))).ToArray());
    }

    /// <summary>For each record (by id): the key as text, the decoded values, and the key with field <paramref name="cleared"/> cleared, decoded.</summary>
    private static List<(string Key, long?[] Values, long?[] AfterClear)> Evaluate(DuckDBConnection c, QuasiIdentifierKey key, int cleared)
    {
        var decode = string.Join(", ", Enumerable.Range(0, 3).Select(i => key.Value("k", i)));
        // The key with the field cleared as suppression clears it: AND NOT its FieldMask.
        var mask = key.FieldMask<Int128>(cleared).ToString(CultureInfo.InvariantCulture);
        var clearedKey = $"(k & ~CAST({mask} AS {key.SqlType}))";
        var decodeCleared = string.Join(", ", Enumerable.Range(0, 3).Select(i => key.Value(clearedKey, i)));
        var rows = new List<(string, long?[], long?[])>();
        using var result = ChunkStream.Open(c, $"SELECT CAST(k AS VARCHAR), {decode}, {decodeCleared} FROM (SELECT id, {key.Pack("t")} AS k FROM t) ORDER BY id");
        while (result.Next())
        {
            int n = result.RowCount;
            for (int row = 0; row < n; row++)
            {
                long? V(int col) => result.IsValid(col, row) ? result.Column<long>(col)[row] : null;
                rows.Add((result.String(0, row), [V(1), V(2), V(3)], [V(4), V(5), V(6)]));
            }
        }
        return rows;
    }

    [Theory]
    [InlineData(1_000L)]
    [InlineData(1L << 40)] // three wide fields: a HUGEINT key
    public void Property_the_key_is_exact_decodes_its_values_and_clears_one_field(long maxSpan)
    {
        var gen =
            from ranges in Ranges(maxSpan)
            from records in Gen.ListOf(
                from a in ValueIn(ranges[0])
                from b in ValueIn(ranges[1])
                from x in ValueIn(ranges[2])
                select new[] { a, b, x })
            from cleared in Gen.Choose(0, 2)
            select (Records: records.ToList(), Cleared: cleared);
        PropertyRunner.ForAll(gen.ToArbitrary(), input =>
        {
            using var c = DuckDbSettings.Open(null);
            var key = Load(c, input.Records);
            var rows = Evaluate(c, key, input.Cleared);
            Assert.Equal(input.Records.Count, rows.Count);
            for (int i = 0; i < rows.Count; i++)
            {
                Assert.Equal(input.Records[i], rows[i].Values);
                var expected = (long?[])input.Records[i].Clone();
                expected[input.Cleared] = null;
                Assert.Equal(expected, rows[i].AfterClear);
                Assert.DoesNotContain('-', rows[i].Key); // keys stay positive
            }
            // Equal keys exactly when the values are equal (NULL equal only to NULL).
            for (int i = 0; i < rows.Count; i++)
                for (int j = i + 1; j < rows.Count; j++)
                    Assert.Equal(input.Records[i].SequenceEqual(input.Records[j]), rows[i].Key == rows[j].Key);
        }, maxTest: 40);
    }

    [Fact]
    public void Values_at_the_ends_of_BIGINT_pack_exactly_whichever_way_the_code_is_written()
    {
        // a near long.MinValue: 1 − min does not fit a BIGINT, so its code is written value − min + 1; b near
        // long.MaxValue and c around 0: one added constant each.
        long?[][] records =
        [
            [long.MinValue, long.MaxValue - 3, -1],
            [long.MinValue + 2, long.MaxValue, 1],
            [null, long.MaxValue - 1, null],
            [long.MinValue + 1, null, 0],
        ];
        using var c = DuckDbSettings.Open(null);
        var key = Load(c, records);
        Assert.Equal("BIGINT", key.SqlType);
        var rows = Evaluate(c, key, 0);
        for (int i = 0; i < records.Length; i++)
        {
            Assert.Equal(records[i], rows[i].Values);
            Assert.Equal([null, records[i][1], records[i][2]], rows[i].AfterClear);
        }
        Assert.Equal(records.Length, rows.Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public void Column_types_are_integer_types_only_and_decoded_values_come_back_in_them()
    {
        var key = QuasiIdentifierKey.Create(["a", "b"], [(1, 5), (0, 3)], ["SMALLINT", "UTINYINT"]);
        Assert.Equal(["SMALLINT", "UTINYINT"], key.ColumnTypes);
        using var c = DuckDbSettings.Open(null);
        Assert.Equal("SMALLINT", c.Scalar<string>($"SELECT typeof({key.TypedValue("CAST(5 AS BIGINT)", 0)})"));
        // A type is SQL text in the release's statements: only DuckDB's integer type names pass.
        Assert.Throws<ArgumentException>(() => QuasiIdentifierKey.Create(["a"], [(1, 5)], ["VARCHAR"]));
        Assert.Throws<ArgumentException>(() => QuasiIdentifierKey.Create(["a"], [(1, 5)], ["INTEGER); DROP TABLE classes; --"]));
        Assert.Throws<ArgumentException>(() => QuasiIdentifierKey.Create(["a"], [(1, 5)], ["INTEGER", "INTEGER"]));
    }

    [Fact]
    public void Narrow_fields_make_a_BIGINT_key_and_wide_ones_a_HUGEINT()
    {
        // The dictionary's quasi-identifiers: regency 1101–9471 (14 bits), age 0–120 (7 bits), eight small codes.
        var narrow = QuasiIdentifierKey.Create(["regency_code", "r407"], [(1101, 9471), (0, 120)]);
        Assert.Equal("BIGINT", narrow.SqlType);
        Assert.Equal(14 + 7, narrow.Bits);
        Assert.Equal((0, 14), (narrow.Shift(0), narrow.Width(0)));
        Assert.Equal((14, 7), (narrow.Shift(1), narrow.Width(1)));
        var wide = QuasiIdentifierKey.Create(["a", "b"], [(0, 1L << 40), (-(1L << 30), 1L << 30)]);
        Assert.Equal("HUGEINT", wide.SqlType);
        Assert.Equal(41 + 32, wide.Bits);
    }

    [Fact]
    public void An_all_NULL_column_takes_no_bits_and_reads_back_as_NULL()
    {
        var key = QuasiIdentifierKey.Create(["a", "b"], [(null, null), (1, 2)]);
        Assert.Equal(0, key.Width(0));
        Assert.Equal(2, key.Bits);
        using var c = DuckDbSettings.Open(null);
        Assert.True(c.Scalar<long>($"SELECT CASE WHEN {key.Value("5", 0)} IS NULL THEN 1 ELSE 0 END") == 1);
    }

    [Fact]
    public void Fields_wider_than_a_HUGEINT_are_refused_with_the_column_named()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            QuasiIdentifierKey.Create(["a", "b", "c"], [(long.MinValue, long.MaxValue), (0, 1L << 62), (0, 1)]));
        Assert.Contains("b", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => QuasiIdentifierKey.Create(["a"], [(5, 4)]));
    }
}
