namespace Regsosek.DuckDb.Tests;

public class ErrorTests
{
    [Fact]
    public void A_syntax_error_carries_DuckDBs_parser_message()
    {
        using var db = new TestDatabase();
        var error = Assert.Throws<DuckDbException>(() => db.Connection.Query("SELEKT 1"));
        Assert.Contains("Parser Error", error.Message);
        Assert.Contains("SELEKT", error.Message);
        Assert.Throws<DuckDbException>(() => db.Connection.Execute("SELECT 1; SELEKT 2"));
    }

    [Fact]
    public void A_missing_table_carries_DuckDBs_catalog_message()
    {
        using var db = new TestDatabase();
        var error = Assert.Throws<DuckDbException>(() => db.Connection.Execute("SELECT * FROM keluarga_tidak_ada"));
        Assert.Contains("Catalog Error", error.Message);
        Assert.Contains("keluarga_tidak_ada", error.Message);
        Assert.Throws<DuckDbException>(() => db.Connection.Prepare("SELECT * FROM keluarga_tidak_ada"));
        Assert.Throws<DuckDbException>(() => db.Connection.CreateAppender("keluarga_tidak_ada"));
    }

    [Fact]
    public void An_error_during_execution_carries_DuckDBs_error_type()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t AS SELECT 'abc' AS s");
        var error = Assert.Throws<DuckDbException>(() => db.Connection.Execute("SELECT CAST(s AS INTEGER) FROM t"));
        Assert.Equal(DuckDbErrorType.Conversion, error.ErrorType);
        Assert.Contains("abc", error.Message);

        var streamed = Assert.Throws<DuckDbException>(() =>
        {
            using var result = db.Connection.Query("SELECT CAST(s AS INTEGER) FROM t");
            while (result.FetchChunk() is { } chunk) chunk.Dispose();
        });
        Assert.Equal(DuckDbErrorType.Conversion, streamed.ErrorType);
    }

    [Fact]
    public void A_constraint_violation_is_reported()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(k INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)");
        var error = Assert.Throws<DuckDbException>(() => db.Connection.Execute("INSERT INTO t VALUES (1)"));
        Assert.Equal(DuckDbErrorType.Constraint, error.ErrorType);
        Assert.Equal(1L, db.Connection.ExecuteScalar<long>("SELECT count(*) FROM t")); // connection still usable
    }

    [Fact]
    public void Bad_options_are_refused_with_the_option_name()
    {
        var error = Assert.Throws<DuckDbException>(() => DuckDbDatabase.Open(null, new DuckDbOptions
        {
            Settings = new Dictionary<string, string> { ["no_such_option"] = "1" },
        }));
        Assert.Contains("no_such_option", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DuckDbDatabase.Open(null, new DuckDbOptions { Threads = 0 }));
    }

    [Fact]
    public void Opening_an_impossible_path_carries_DuckDBs_reason()
    {
        var error = Assert.Throws<DuckDbException>(() => DuckDbDatabase.Open("/proc/no/such/dir/x.duckdb"));
        Assert.Contains("/proc/no/such/dir/x.duckdb", error.Message);
    }

    [Fact]
    public void Empty_sql_does_nothing_and_null_sql_is_refused()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("  -- only a comment\n");
        Assert.Throws<ArgumentNullException>(() => db.Connection.Execute(null!));
    }
}
