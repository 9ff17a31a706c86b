using System.Data.Common;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>Our layer over DuckDB.NET (Regsosek.DataAccess): parameters, cancellation, chunk reads and appends.</summary>
public class DataAccessTests
{
    // Hours of work for DuckDB: only an interrupt ends these within a test's lifetime.
    private const string LongAggregate = "SELECT sum(hash(i))::BIGINT FROM range(1000000000000) t(i)";
    private const string LongStream = "SELECT i, hash(i) FROM range(1000000000000) t(i)";

    /// <summary>Liveness guard only: a cancelled query must end well before this (it would otherwise run for hours).</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly QueryParameter[] EveryKind =
        [new Int64Parameter(3273), new DoubleParameter(0.5), new StringParameter("Kota Bandung — Jawa Barat, long enough not to be inlined"),
         new BooleanParameter(true), new Int64ListParameter([1101, 3273]), new DoubleListParameter([0.1, 0.025, 0.9]), new Int64ListParameter([])];

    private const string EchoSql =
        "SELECT $1::VARCHAR || '|' || typeof($1) || '|' || $2::VARCHAR || '|' || typeof($2) || '|' || $3 || '|' || $4::VARCHAR || '|' " +
        "|| $5::VARCHAR || '|' || typeof($5) || '|' || $6::VARCHAR || '|' || typeof($6) || '|' || $7::VARCHAR";

    private const string EchoExpected =
        "3273|BIGINT|0.5|DOUBLE|Kota Bandung — Jawa Barat, long enough not to be inlined|true|[1101, 3273]|BIGINT[]|[0.1, 0.025, 0.9]|DOUBLE[]|[]";

    [Fact]
    public void Every_parameter_kind_binds_in_order_through_the_ADO_NET_command()
    {
        using var connection = DuckDbSettings.Open(null);
        Assert.Equal(EchoExpected, connection.Scalar<string>(EchoSql, EveryKind));
    }

    [Fact]
    public void Every_parameter_kind_binds_in_order_through_a_prepared_query_and_can_be_rebound()
    {
        using var connection = DuckDbSettings.Open(null);
        using var query = PreparedQuery.Prepare(connection, EchoSql);
        query.Bind(EveryKind);
        Assert.Equal(EchoExpected, Single(query));

        var other = EveryKind.ToArray();
        other[4] = new Int64ListParameter([32]);
        query.Bind(other);
        Assert.Contains("|[32]|BIGINT[]|", Single(query), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => query.Bind([new Int64Parameter(1)]));

        static string Single(PreparedQuery query)
        {
            using var stream = query.Execute();
            Assert.True(stream.Next());
            Assert.Equal(1, stream.RowCount);
            return stream.String(0, 0);
        }
    }

    [Fact]
    public void A_bound_BIGINT_list_filters_with_list_contains()
    {
        using var connection = DuckDbSettings.Open(null);
        long count = connection.Scalar<long>("SELECT count(*) FROM range(100) t(i) WHERE list_contains($1, i)", [new Int64ListParameter([3, 5, 99, 1000])]);
        Assert.Equal(3, count);
    }

    [Fact]
    public void Cancelling_a_running_command_interrupts_it_and_the_connection_keeps_serving()
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => connection.Scalar<long>(LongAggregate, null, cts.Token));
        Thread.Sleep(300);
        Assert.False(run.IsCompleted, "the query should still be running before the cancellation");
        cts.Cancel();

        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(Deadline), "the query did not stop after cancellation");
        var error = Assert.IsType<OperationCanceledException>(Assert.Throws<AggregateException>(() => run.Wait()).InnerException);
        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.Equal(42, connection.Scalar<int>("SELECT 42"));
    }

    [Fact]
    public void Cancelling_a_streaming_query_inside_its_first_fetch_interrupts_it_and_the_connection_keeps_serving()
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() =>
        {
            using var stream = ChunkStream.Open(connection, $"SELECT count(*) FROM ({LongStream}) WHERE hash(i) % 1000 = 1001", null, cts.Token);
            while (stream.Next()) { }
        });
        Thread.Sleep(300);
        Assert.False(run.IsCompleted, "the query should still be running before the cancellation");
        cts.Cancel();

        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(Deadline), "the query did not stop after cancellation");
        var error = Assert.IsType<OperationCanceledException>(Assert.Throws<AggregateException>(() => run.Wait()).InnerException);
        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.Equal(42, connection.Scalar<int>("SELECT 42"));
    }

    [Fact]
    public void Cancelling_between_chunks_stops_the_stream()
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        using var cts = new CancellationTokenSource();
        using (var stream = ChunkStream.Open(connection, LongStream, null, cts.Token))
        {
            for (int i = 0; i < 3; i++) Assert.True(stream.Next());
            cts.Cancel();
            Assert.Equal(cts.Token, Assert.Throws<OperationCanceledException>(() => stream.Next()).CancellationToken);
        }
        Assert.Equal(42, connection.Scalar<int>("SELECT 42"));
    }

    [Fact]
    public void A_cancelled_token_stops_a_statement_before_it_starts()
    {
        using var connection = DuckDbSettings.Open(null);
        connection.Execute("CREATE TABLE t (x BIGINT)");
        Assert.Throws<OperationCanceledException>(() => connection.Execute("INSERT INTO t VALUES (1)", new CancellationToken(true)));
        Assert.Equal(0, connection.Scalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void A_stream_reads_every_row_across_chunks_with_nulls_and_long_and_short_strings()
    {
        using var connection = DuckDbSettings.Open(null);
        const int rows = 5000; // three chunks
        using var stream = ChunkStream.Open(connection,
            $"SELECT i::BIGINT, CASE WHEN i % 7 = 0 THEN NULL ELSE i::INTEGER END, CASE WHEN i % 2 = 0 THEN 'd' || i ELSE 'Desa number ' || i || ' of Kabupaten Aceh' END FROM range({rows}) t(i)");
        Assert.Equal([DuckDBType.BigInt, DuckDBType.Integer, DuckDBType.Varchar], Enumerable.Range(0, 3).Select(stream.ColumnType));
        long next = 0, nulls = 0, chunks = 0;
        while (stream.Next())
        {
            chunks++;
            var ids = stream.Column<long>(0);
            var ints = stream.Column<int>(1);
            for (int r = 0; r < stream.RowCount; r++, next++)
            {
                Assert.Equal(next, ids[r]);
                if (next % 7 == 0) { Assert.False(stream.IsValid(1, r)); nulls++; }
                else Assert.Equal((int)next, ints[r]);
                Assert.Equal(next % 2 == 0 ? $"d{next}" : $"Desa number {next} of Kabupaten Aceh", stream.String(2, r));
            }
        }
        Assert.Equal(rows, next);
        Assert.Equal((rows + 6) / 7, nulls);
        Assert.True(chunks >= 3);
        Assert.Throws<InvalidOperationException>(() => stream.Column<int>(0)); // BIGINT is 8 bytes wide
    }

    [Fact]
    public void A_query_error_is_a_DbException_with_DuckDBs_text()
    {
        using var connection = DuckDbSettings.Open(null);
        var prepare = Assert.ThrowsAny<DbException>(() => ChunkStream.Open(connection, "SELEC 1"));
        Assert.Contains("syntax", prepare.Message, StringComparison.OrdinalIgnoreCase);
        var run = Assert.ThrowsAny<DbException>(() => ChunkStream.Open(connection, "SELECT * FROM read_parquet('/nonexistent/x.parquet')"));
        Assert.Contains("x.parquet", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chunk_appender_writes_values_nulls_and_strings_over_several_chunks()
    {
        using var connection = DuckDbSettings.Open(null);
        connection.Execute("CREATE TABLE t (id BIGINT, h UBIGINT, small SMALLINT, name VARCHAR, d DATE)");
        const int rows = 5000;
        using (var appender = new ChunkAppender(connection, "t"))
        {
            int filled = 0;
            for (int i = 0; i < rows; i++)
            {
                appender.Column<long>(0)[filled] = i;
                appender.Column<ulong>(1)[filled] = ulong.MaxValue - (ulong)i;
                appender.Column<short>(2)[filled] = (short)(i % 300);
                if (i % 5 == 0) appender.SetNull(3, filled);
                else appender.SetString(3, filled, System.Text.Encoding.UTF8.GetBytes(i % 2 == 0 ? $"n{i}" : $"a name longer than twelve bytes {i} ñ"));
                appender.Column<int>(4)[filled] = 19000 + i;
                if (++filled == Chunks.Capacity) { appender.Append(filled); filled = 0; }
            }
            appender.Append(filled);
            Assert.Equal(rows, appender.RowsAppended);
        }
        Assert.Equal(rows, connection.Scalar<long>("SELECT count(*) FROM t"));
        Assert.Equal(rows / 5, connection.Scalar<long>("SELECT count(*) FROM t WHERE name IS NULL"));
        Assert.Equal(0, connection.Scalar<long>(
            "SELECT count(*) FROM t WHERE h <> 18446744073709551615 - id OR small <> id % 300 OR d <> DATE '1970-01-01' + (19000 + id)::INTEGER " +
            "OR (id % 5 <> 0 AND name <> CASE WHEN id % 2 = 0 THEN 'n' || id ELSE 'a name longer than twelve bytes ' || id || ' ñ' END)"));
        // the nulls of one chunk do not leak into the next
        Assert.Equal(0, connection.Scalar<long>("SELECT count(*) FROM t WHERE name IS NULL AND id % 5 <> 0"));
    }

    [Fact]
    public void The_chunk_appender_rejects_a_missing_table_and_a_wrongly_sized_span()
    {
        using var connection = DuckDbSettings.Open(null);
        Assert.ThrowsAny<DbException>(() => new ChunkAppender(connection, "missing"));
        connection.Execute("CREATE TABLE t (id BIGINT)");
        using var appender = new ChunkAppender(connection, "t");
        Assert.Throws<InvalidOperationException>(() => appender.Column<int>(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => appender.Append(Chunks.Capacity + 1));
    }
}
