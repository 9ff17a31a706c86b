using FsCheck;
using FsCheck.Fluent;
using Regsosek.Stores.Jobs;
using Regsosek.Stores.Tests.Support;

namespace Regsosek.Stores.Tests;

/// <summary>The behaviour every extract-job store must have; run against SQLite and PostgreSQL.</summary>
public abstract class ExtractJobStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly ExtractJobLimits Generous = new(100, long.MaxValue);

    private StoreBackend _backend = null!;
    private readonly ManualTimeProvider _time = new(Start);
    private IExtractJobStore _store = null!;

    internal abstract StoreBackend CreateBackend();

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        await _backend.InitialiseAsync();
        _store = _backend.CreateExtractJobStore(_time);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        if (_backend is not null) await _backend.DisposeAsync();
    }

    private static int _next;

    private ExtractJobRecord Job(string grant = "g-1", DateTimeOffset? at = null) => new()
    {
        Id = $"xj_{Interlocked.Increment(ref _next):D32}",
        GrantId = grant,
        State = ExtractJobState.Queued,
        Phase = "queued",
        Request = [1, 2, 3, 0, 255],
        RequestId = "req-" + _next,
        Scope = "3201",
        SubmittedAt = at ?? _time.GetUtcNow(),
    };

    [Fact]
    public async Task A_submitted_job_reads_back_equal_and_a_full_update_reads_back_equal_through_a_new_store()
    {
        var job = Job();
        await _store.SubmitAsync(job, Generous);
        var read = await _store.GetAsync(job.Id);
        Assert.NotNull(read);
        Assert.Equal(job with { Request = read.Request }, read);
        Assert.Equal(job.Request, read.Request);

        var ready = job with
        {
            State = ExtractJobState.Ready, Phase = "ready", Records = 12_345, Attempts = 2,
            StartedAt = Start.AddTicks(10_000_017), FinishedAt = Start.AddSeconds(9), ExpiresAt = Start.AddDays(3),
            Bytes = 987_654_321_012, Sha256 = new string('a', 64), Result = [9, 8, 7], Failure = null, FailureRule = null, Node = "replica-2:/srv/jobs",
        };
        Assert.True(await _store.TryUpdateAsync(ready, [ExtractJobState.Queued]));

        await using var reopened = _backend.CreateExtractJobStore(_time);
        var again = await reopened.GetAsync(job.Id);
        Assert.NotNull(again);
        Assert.Equal(Start.AddTicks(10_000_010), again.StartedAt); // whole microseconds
        Assert.Equal(ready with { StartedAt = again.StartedAt, Request = again.Request, Result = again.Result }, again);
        Assert.Equal(ready.Result, again.Result);
        Assert.Null(await reopened.GetAsync("xj_unknown"));
    }

    [Fact]
    public async Task A_state_change_is_a_compare_and_set_on_the_state()
    {
        var job = Job();
        await _store.SubmitAsync(job, Generous);
        var running = job with { State = ExtractJobState.Running, Attempts = 1 };
        Assert.True(await _store.TryUpdateAsync(running, [ExtractJobState.Queued]));
        Assert.False(await _store.TryUpdateAsync(running with { Phase = "second worker" }, [ExtractJobState.Queued]));
        Assert.True(await _store.TryUpdateAsync(running with { State = ExtractJobState.Cancelled, Failure = "cancelled" }, ExtractJobStates.Active));
        Assert.False(await _store.TryUpdateAsync(running with { State = ExtractJobState.Ready }, [ExtractJobState.Running]));
        Assert.Equal(ExtractJobState.Cancelled, (await _store.GetAsync(job.Id))!.State);
        Assert.False(await _store.TryUpdateAsync(Job() with { State = ExtractJobState.Running }, [ExtractJobState.Queued]), "an unknown job changes nothing");
    }

    [Fact]
    public async Task Lists_hold_one_grant_newest_first_and_states_oldest_first()
    {
        var a1 = Job("g-a");
        await _store.SubmitAsync(a1, Generous);
        _time.Advance(TimeSpan.FromSeconds(1));
        var b1 = Job("g-b");
        await _store.SubmitAsync(b1, Generous);
        _time.Advance(TimeSpan.FromSeconds(1));
        var a2 = Job("g-a");
        await _store.SubmitAsync(a2, Generous);
        await _store.TryUpdateAsync(a2 with { State = ExtractJobState.Running }, [ExtractJobState.Queued]);

        Assert.Equal([a2.Id, a1.Id], (await _store.ListByGrantAsync("g-a", 10)).Select(j => j.Id));
        Assert.Equal([a2.Id], (await _store.ListByGrantAsync("g-a", 1)).Select(j => j.Id));
        Assert.Empty(await _store.ListByGrantAsync("g-c", 10));
        Assert.Equal([a1.Id, b1.Id], (await _store.ListByStateAsync([ExtractJobState.Queued])).Select(j => j.Id));
        Assert.Equal([a1.Id, b1.Id, a2.Id], (await _store.ListByStateAsync(ExtractJobStates.Active)).Select(j => j.Id));
    }

    [Fact]
    public async Task The_active_job_limit_refuses_naming_the_limit_and_counts_only_queued_and_running_jobs_of_the_grant()
    {
        var limits = new ExtractJobLimits(2, long.MaxValue);
        var first = Job();
        await _store.SubmitAsync(first, limits);
        await _store.SubmitAsync(Job(), limits);
        await _store.SubmitAsync(Job("another grant"), limits);
        var refused = await Assert.ThrowsAsync<ExtractJobLimitException>(() => _store.SubmitAsync(Job(), limits));
        Assert.Equal(ExtractJobLimitException.ActiveJobs, refused.Limit);
        Assert.Contains("2", refused.Message);

        await _store.TryUpdateAsync(first with { State = ExtractJobState.Failed }, [ExtractJobState.Queued]);
        await _store.SubmitAsync(Job(), limits);
        Assert.Equal(3, (await _store.ListByGrantAsync("g-1", 10)).Count);
        await Assert.ThrowsAsync<ExtractJobLimitException>(() => _store.SubmitAsync(Job(), limits));
    }

    [Fact]
    public async Task Concurrent_submissions_never_pass_the_active_job_limit_together()
    {
        var limits = new ExtractJobLimits(3, long.MaxValue);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                await _store.SubmitAsync(Job(), limits);
                return true;
            }
            catch (ExtractJobLimitException)
            {
                return false;
            }
        }));
        Assert.Equal(3, outcomes.Count(ok => ok));
        Assert.Equal(3, (await _store.ListByGrantAsync("g-1", 100)).Count);
    }

    [Fact]
    public async Task The_daily_byte_limit_counts_the_files_of_the_last_24_hours()
    {
        var limits = new ExtractJobLimits(100, 1000);
        var big = Job();
        await _store.SubmitAsync(big, limits);
        await _store.TryUpdateAsync(big with { State = ExtractJobState.Ready, Bytes = 600, FinishedAt = _time.GetUtcNow() }, [ExtractJobState.Queued]);
        _time.Advance(TimeSpan.FromHours(1));
        var second = Job();
        await _store.SubmitAsync(second, limits); // 600 < 1000: allowed
        await _store.TryUpdateAsync(second with { State = ExtractJobState.Ready, Bytes = 400, FinishedAt = _time.GetUtcNow() }, [ExtractJobState.Queued]);

        var refused = await Assert.ThrowsAsync<ExtractJobLimitException>(() => _store.SubmitAsync(Job(), limits));
        Assert.Equal(ExtractJobLimitException.BytesPerDay, refused.Limit);
        Assert.Contains("1000", refused.Message);
        await _store.SubmitAsync(Job("another grant"), limits);

        _time.Advance(TimeSpan.FromHours(23).Add(TimeSpan.FromSeconds(1))); // the 600-byte file left the window
        await _store.SubmitAsync(Job(), limits);
    }

    /// <summary>
    /// Model-based: any sequence of submissions, completions and passing time gives exactly the acceptances and
    /// refusals (with the limit named) of the rules written out plainly — never more than 2 active jobs, no submission
    /// once 1000 bytes were produced in the last 24 hours.
    /// </summary>
    [Fact]
    public void Any_sequence_of_submissions_completions_and_time_meets_the_limits_exactly()
    {
        var limits = new ExtractJobLimits(2, 1000);
        var op = Gen.Choose(0, 2).SelectMany(kind => Gen.Choose(0, 1).SelectMany(g => Gen.OneOf(Gen.Elements(0, 250, 500, 1000), Gen.Choose(0, 600)).Select(amount => (Kind: kind, Grant: g, Amount: amount)))); // (submit | finish | wait, grant, bytes or hours/20); round byte counts reach the limit exactly
        int run = 0;
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(25).WithQuietOnSuccess(true), Prop.ForAll(
            Gen.ListOf(op).Select(l => l.Take(30).ToList()).ToArbitrary(), (List<(int Kind, int Grant, int Amount)> ops) =>
            {
                run++;
                var active = new[] { new Queue<ExtractJobRecord>(), new Queue<ExtractJobRecord>() };
                var produced = new[] { new List<(DateTimeOffset At, long Bytes)>(), new List<(DateTimeOffset At, long Bytes)>() };
                foreach (var (kind, g, amount) in ops)
                {
                    var now = _time.GetUtcNow();
                    var grant = $"p{run}-g{g}";
                    switch (kind)
                    {
                        case 0:
                            string? expected = active[g].Count >= limits.MaxActiveJobs ? ExtractJobLimitException.ActiveJobs
                                : produced[g].Where(p => p.At > now.AddDays(-1)).Sum(p => p.Bytes) >= limits.MaxBytesPerDay ? ExtractJobLimitException.BytesPerDay
                                : null;
                            var job = Job(grant);
                            string? actual = null;
                            try
                            {
                                _store.SubmitAsync(job, limits).GetAwaiter().GetResult();
                                active[g].Enqueue(job);
                            }
                            catch (ExtractJobLimitException e)
                            {
                                actual = e.Limit;
                            }
                            Assert.Equal(expected, actual);
                            break;
                        case 1 when active[g].Count > 0:
                            var done = active[g].Dequeue();
                            Assert.True(_store.TryUpdateAsync(done with { State = ExtractJobState.Ready, Bytes = amount, FinishedAt = now },
                                ExtractJobStates.Active).GetAwaiter().GetResult());
                            produced[g].Add((now, amount));
                            break;
                        case 2:
                            _time.Advance(TimeSpan.FromHours(amount / 20.0));
                            break;
                    }
                }
            }));
    }
}

public sealed class SqliteExtractJobStoreTests : ExtractJobStoreContract
{
    internal override StoreBackend CreateBackend() => new SqliteBackend();
}

public sealed class PostgresExtractJobStoreTests : ExtractJobStoreContract
{
    internal override StoreBackend CreateBackend() => new PostgresBackend();
}
