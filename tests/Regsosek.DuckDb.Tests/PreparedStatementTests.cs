namespace Regsosek.DuckDb.Tests;

public class PreparedStatementTests
{
    /// <summary>Runs a one-parameter statement and returns DuckDB's text rendering of the bound value and its type.</summary>
    private static (string? Value, string Type) Echo(TestDatabase db, Action<DuckDbPreparedStatement> bind)
    {
        using var statement = db.Connection.Prepare("SELECT CAST($1 AS VARCHAR), typeof($1)");
        Assert.Equal(1, statement.ParameterCount);
        bind(statement);
        using var result = statement.ExecuteStreaming();
        using var chunk = result.FetchChunk()!;
        var value = chunk.GetVector(0);
        return (value.IsValid(0) ? value.GetString(0) : null, chunk.GetVector(1).GetString(0));
    }

    [Fact]
    public void Each_parameter_type_binds_with_its_DuckDB_type()
    {
        using var db = new TestDatabase();
        Assert.Equal(("true", "BOOLEAN"), Echo(db, s => s.Bind(1, true)));
        Assert.Equal(("-2147483648", "INTEGER"), Echo(db, s => s.Bind(1, int.MinValue)));
        Assert.Equal(("3273010001", "BIGINT"), Echo(db, s => s.Bind(1, 3273010001L)));
        Assert.Equal(("0.25", "DOUBLE"), Echo(db, s => s.Bind(1, 0.25)));
        Assert.Equal(("Kota Bandung — Jawa Barat, long enough not to be inlined", "VARCHAR"),
            Echo(db, s => s.Bind(1, "Kota Bandung — Jawa Barat, long enough not to be inlined")));
        Assert.Equal(("2022-10-15", "DATE"), Echo(db, s => s.Bind(1, new DateOnly(2022, 10, 15))));
        Assert.Equal((null, "\"NULL\""), Echo(db, s => s.BindNull(1)));
        Assert.Null(Echo(db, s => s.Bind(1, (string?)null)).Value);
        Assert.Equal(("[1101, 3273]", "BIGINT[]"), Echo(db, s => s.BindList(1, new long[] { 1101, 3273 })));
        Assert.Equal(("[Aceh, Papua Barat Daya, ñ]", "VARCHAR[]"), Echo(db, s => s.BindList(1, new[] { "Aceh", "Papua Barat Daya", "ñ" })));
        Assert.Equal(("[]", "BIGINT[]"), Echo(db, s => s.BindList(1, ReadOnlySpan<long>.Empty)));
        Assert.Equal(("[0.1, 0.025, 0.9]", "DOUBLE[]"), Echo(db, s => s.BindList(1, new[] { 0.1, 0.025, 0.9 })));
    }

    [Fact]
    public void DuckDbParameters_bind_in_order_and_compare_lists_by_value()
    {
        using var db = new TestDatabase();
        using var statement = db.Connection.Prepare("SELECT $1::VARCHAR || '|' || $2::VARCHAR || '|' || $3 || '|' || $4::VARCHAR || '|' || $5::VARCHAR");
        DuckDbParameter[] parameters =
            [new Int64Parameter(3273), new DoubleParameter(0.5), new StringParameter("x"), new Int64ListParameter([1, 2]), new DoubleListParameter([0.25])];
        DuckDbParameter.BindAll(statement, parameters);
        using var result = statement.ExecuteStreaming();
        using var chunk = result.FetchChunk()!;
        Assert.Equal("3273|0.5|x|[1, 2]|[0.25]", chunk.GetVector(0).GetString(0));

        Assert.True(new Int64ListParameter(new List<long> { 1, 2 }).SameValue(new Int64ListParameter(new long[] { 1, 2 })));
        Assert.False(new Int64ListParameter([1, 2]).SameValue(new Int64ListParameter([2, 1])));
        Assert.True(new DoubleListParameter([0.1, 0.9]).SameValue(new DoubleListParameter(new List<double> { 0.1, 0.9 })));
        Assert.False(new DoubleListParameter([0.1]).SameValue(new Int64ListParameter([0])));
        Assert.True(new Int64Parameter(5).SameValue(new Int64Parameter(5)));
        Assert.False(new Int64Parameter(5).SameValue(new DoubleParameter(5)));
    }

    [Fact]
    public void A_bound_DOUBLE_list_drives_a_list_quantile_and_can_be_rebound()
    {
        using var db = new TestDatabase();
        using var statement = db.Connection.Prepare("SELECT quantile_cont(i::DOUBLE, ?) FROM range(101) t(i)");
        foreach (var probabilities in new[] { new[] { 0.1, 0.5, 0.9 }, new[] { 0.25 } })
        {
            statement.BindList(1, probabilities);
            using var result = statement.ExecuteStreaming();
            using var chunk = result.FetchChunk()!;
            var list = chunk.GetVector(0);
            var entry = list.GetData<DuckDbListEntry>(1)[0];
            Assert.Equal((ulong)probabilities.Length, entry.Length);
            var values = list.ListChild.GetData<double>((int)(entry.Offset + entry.Length));
            for (int i = 0; i < probabilities.Length; i++) Assert.Equal(probabilities[i] * 100, values[(int)entry.Offset + i], 9);
        }
    }

    [Fact]
    public void List_parameters_filter_with_IN_unnest_and_list_contains()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE r AS SELECT i::BIGINT AS code, 'r' || i AS name FROM range(1000) t(i)");
        using var byCode = db.Connection.Prepare("SELECT count(*), sum(code) FROM r WHERE code IN (SELECT unnest(?))");
        byCode.BindList(1, new long[] { 5, 7, 999, 5000 });
        using (var result = byCode.ExecuteStreaming())
        using (var chunk = result.FetchChunk()!)
        {
            Assert.Equal(3L, chunk.GetVector(0).GetData<long>(1)[0]);
        }

        using var byName = db.Connection.Prepare("SELECT count(*) FROM r WHERE list_contains(?, name)");
        byName.BindList(1, new[] { "r1", "r2", "nope" });
        using (var result = byName.ExecuteStreaming())
        using (var chunk = result.FetchChunk()!)
        {
            Assert.Equal(2L, chunk.GetVector(0).GetData<long>(1)[0]);
        }
    }

    [Fact]
    public void A_statement_runs_again_with_new_bindings_and_ExecuteNonQuery_counts_rows()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(k INTEGER, s VARCHAR, d DATE)");
        using var insert = db.Connection.Prepare("INSERT INTO t VALUES (?, ?, ?)");
        Assert.Equal(3, insert.ParameterCount);
        for (int i = 0; i < 5; i++)
        {
            insert.Bind(1, i);
            insert.Bind(2, $"row {i}");
            insert.Bind(3, new DateOnly(2022, 1, 1).AddDays(i));
            Assert.Equal(1L, insert.ExecuteNonQuery());
        }
        using var update = db.Connection.Prepare("UPDATE t SET s = NULL WHERE k >= ?");
        update.Bind(1, 2L);
        Assert.Equal(3L, update.ExecuteNonQuery());
        Assert.Equal(2L, db.Connection.ExecuteScalar<long>("SELECT count(s) FROM t"));
        Assert.Equal(new DateOnly(2022, 1, 5), db.Connection.ExecuteScalar<DateOnly>("SELECT max(d) FROM t"));
    }

    [Fact]
    public void Unbound_parameters_and_bad_indexes_give_clear_errors()
    {
        using var db = new TestDatabase();
        using var statement = db.Connection.Prepare("SELECT ?::INTEGER + ?::INTEGER");
        Assert.Equal(2, statement.ParameterCount);

        var index = Assert.Throws<ArgumentOutOfRangeException>(() => statement.Bind(3, 1));
        Assert.Contains("1 to 2", index.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => statement.Bind(0, 1));

        statement.Bind(1, 1);
        var missing = Assert.Throws<DuckDbException>(() => statement.ExecuteStreaming());
        Assert.Contains("2", missing.Message); // DuckDB names the parameter that has no value

        statement.Bind(2, 2);
        using (var result = statement.ExecuteStreaming())
        using (var chunk = result.FetchChunk()!)
            Assert.Equal(3, chunk.GetVector(0).GetData<int>(1)[0]);

        statement.ClearBindings();
        Assert.Throws<DuckDbException>(() => statement.ExecuteNonQuery());
        Assert.Throws<ArgumentException>(() => statement.BindList(1, new string[] { "a", null! }));
    }
}
