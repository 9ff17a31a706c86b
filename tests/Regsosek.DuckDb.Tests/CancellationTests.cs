using System.Diagnostics;

namespace Regsosek.DuckDb.Tests;

public class CancellationTests
{
    // Hours of work for DuckDB: only an interrupt ends these in a test's lifetime.
    private const string LongAggregate = "SELECT sum(hash(i)) FROM range(1000000000000) t(i)";
    private const string LongStream = "SELECT i, hash(i) FROM range(1000000000000) t(i)";

    /// <summary>Liveness guard: a cancelled query must end well before this (it would otherwise run for hours).</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Cancelling_a_long_query_during_execution_throws_OperationCanceledException()
    {
        using var db = new TestDatabase();
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() =>
        {
            using var result = db.Connection.Query(LongAggregate, cts.Token);
            return result.FetchChunk();
        });
        Thread.Sleep(300);
        Assert.False(run.IsCompleted, "the query should still be running before the cancellation");
        cts.Cancel();

        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(Deadline), "the query did not stop after cancellation");
        var error = Assert.Throws<AggregateException>(() => run.Wait()).InnerException;
        var cancelled = Assert.IsType<OperationCanceledException>(error);
        Assert.Equal(cts.Token, cancelled.CancellationToken);
    }

    [Fact]
    public void Cancelling_between_chunks_of_a_streaming_result_throws_OperationCanceledException()
    {
        using var db = new TestDatabase();
        using var cts = new CancellationTokenSource();
        using var result = db.Connection.Query(LongStream, cts.Token);
        for (int i = 0; i < 3; i++)
        {
            using var chunk = result.FetchChunk();
            Assert.NotNull(chunk);
        }
        cts.Cancel();
        var error = Assert.Throws<OperationCanceledException>(() => result.FetchChunk());
        Assert.Equal(cts.Token, error.CancellationToken);
    }

    [Fact]
    public void Cancelling_while_a_fetch_is_running_interrupts_it()
    {
        using var db = new TestDatabase();
        using var cts = new CancellationTokenSource();
        // the aggregate runs inside the first fetch of a streaming result only if the pipeline is
        // streamed; either way, execution or fetch must end with an OperationCanceledException
        var run = Task.Run(() =>
        {
            using var result = db.Connection.Query($"SELECT count(*) FROM ({LongStream}) WHERE hash(i) % 1000 = 1001", cts.Token);
            while (result.FetchChunk() is { } chunk) chunk.Dispose();
        });
        Thread.Sleep(300);
        Assert.False(run.IsCompleted);
        cts.Cancel();
        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(Deadline), "the query did not stop after cancellation");
        Assert.IsType<OperationCanceledException>(Assert.Throws<AggregateException>(() => run.Wait()).InnerException);
    }

    [Fact]
    public void Cancelling_ExecuteNonQuery_and_Execute_throws_OperationCanceledException()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(x BIGINT)");
        using var statement = db.Connection.Prepare($"INSERT INTO t SELECT i FROM range(1000000000000) t(i) WHERE hash(i) % 1000 = 1001");

        using var cts1 = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var sw = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => statement.ExecuteNonQuery(cts1.Token));
        Assert.True(sw.Elapsed < Deadline);

        using var cts2 = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.Throws<OperationCanceledException>(() => db.Connection.Execute("SELECT 1; " + LongAggregate, cts2.Token));
        Assert.Equal(0L, db.Connection.ExecuteScalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void An_already_cancelled_token_runs_nothing()
    {
        using var db = new TestDatabase();
        db.Connection.Execute("CREATE TABLE t(x INTEGER)");
        var cancelled = new CancellationToken(canceled: true);
        Assert.Throws<OperationCanceledException>(() => db.Connection.Execute("INSERT INTO t VALUES (1)", cancelled));
        Assert.Throws<OperationCanceledException>(() => db.Connection.Query("INSERT INTO t VALUES (2)", cancelled));
        Assert.Equal(0L, db.Connection.ExecuteScalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void The_connection_remains_usable_after_a_cancellation()
    {
        using var db = new TestDatabase();
        for (int round = 0; round < 3; round++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Assert.Throws<OperationCanceledException>(() =>
            {
                using var result = db.Connection.Query(LongAggregate, cts.Token);
                result.FetchChunk();
            });
            Assert.Equal(4950L, db.Connection.ExecuteScalar<long>("SELECT sum(i)::BIGINT FROM range(100) t(i)"));
            using var statement = db.Connection.Prepare("SELECT ?::INTEGER + 1");
            statement.Bind(1, 41);
            using var result2 = statement.ExecuteStreaming();
            using var chunk = result2.FetchChunk();
            Assert.Equal(42, chunk!.GetVector(0).GetData<int>(1)[0]);
        }
    }

    [Fact]
    public void A_cancellation_after_the_result_was_read_does_not_affect_later_queries()
    {
        using var db = new TestDatabase();
        using var cts = new CancellationTokenSource();
        using (var result = db.Connection.Query("SELECT 1", cts.Token))
        {
            while (result.FetchChunk() is { } chunk) chunk.Dispose();
            cts.Cancel();
        }
        Assert.Equal(7L, db.Connection.ExecuteScalar<long>("SELECT 7::BIGINT"));
    }

    [Fact]
    public void Interrupt_without_a_token_surfaces_as_a_DuckDbException_of_type_Interrupt()
    {
        using var db = new TestDatabase();
        var run = Task.Run(() =>
        {
            using var result = db.Connection.Query(LongAggregate);
            return result.FetchChunk();
        });
        Thread.Sleep(300);
        db.Connection.Interrupt();
        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(Deadline), "the query did not stop after Interrupt");
        var error = Assert.IsType<DuckDbException>(Assert.Throws<AggregateException>(() => run.Wait()).InnerException);
        Assert.Equal(DuckDbErrorType.Interrupt, error.ErrorType);
        Assert.Contains("Interrupt", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1L, db.Connection.ExecuteScalar<long>("SELECT 1::BIGINT"));
    }
}
