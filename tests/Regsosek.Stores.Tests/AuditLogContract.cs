using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Storage;
using Regsosek.Stores.Tests.Support;

namespace Regsosek.Stores.Tests;

/// <summary>The behaviour every audit log must have; run against SQLite and PostgreSQL.</summary>
public abstract class AuditLogContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    private StoreBackend _backend = null!;
    private protected ManualTimeProvider Time { get; } = new(Start);
    private protected SqlAuditLog Log { get; private set; } = null!;
    private protected StoreBackend Backend => _backend;

    internal abstract StoreBackend CreateBackend();

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        await _backend.InitialiseAsync();
        Log = _backend.CreateAuditLog(Time);
    }

    public async Task DisposeAsync()
    {
        if (Log is not null) await Log.DisposeAsync();
        if (_backend is not null) await _backend.DisposeAsync();
    }

    internal static AuditEntry Entry(int i, string? grant = "g_01JTEST0000000000000000000", AuditDecision decision = AuditDecision.Allowed) => new()
    {
        GrantId = grant,
        Organisation = grant is null ? null : "Dinas Sosial Kota Bandung",
        Unit = grant is null ? null : "Bidang Data",
        Method = "/regsosek.v1.AggregateService/Aggregate",
        Request = $$"""{"indicators":["air_minum_layak"],"region":"3273","n":{{i}}}""",
        Scope = RegionCode.Parse("3273"),
        Decision = decision,
        Rule = decision == AuditDecision.Denied ? "scope.outside_grant" : null,
        Cells = 10 + i,
        Rows = 0,
        Bytes = 100 * i,
        Latency = TimeSpan.FromTicks(12_345),
        StatusCode = decision == AuditDecision.Denied ? 7 : 0,
    };

    private async Task<List<AuditRecord>> AppendManyAsync(int n)
    {
        var list = new List<AuditRecord>();
        for (int i = 1; i <= n; i++)
        {
            list.Add(await Log.AppendAsync(Entry(i)));
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        return list;
    }

    private async Task<List<AuditRecord>> ReadAllAsync(IAuditLog? log = null)
    {
        var list = new List<AuditRecord>();
        await foreach (var r in (log ?? Log).ReadAsync(AuditQuery.All)) list.Add(r);
        return list;
    }

    private Task Tamper(string sql, params (string, object?)[] p) => Backend.ExecuteAsync(Backend.DisableAuditTriggersSql + " " + sql, p);

    [Fact]
    public async Task Appends_that_arrive_while_one_is_written_are_committed_together_each_with_its_own_record()
    {
        await Log.AppendAsync(Entry(0));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int writes = 0;
        Log.BeforeBatchForTests = async () =>
        {
            if (Interlocked.Increment(ref writes) != 1) return;
            entered.SetResult();
            await release.Task;
        };
        long commitsBefore = Log.Commits;

        // The first append's writer holds; twenty more arrive meanwhile, and one caller gives up waiting.
        var first = Log.AppendAsync(Entry(1));
        await entered.Task;
        var rest = Enumerable.Range(2, 20).Select(i => Log.AppendAsync(Entry(i))).ToList();
        using var giveUp = new CancellationTokenSource();
        var withdrawn = Log.AppendAsync(Entry(99), giveUp.Token);
        while (Log.Queued < 21) await Task.Delay(5);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn);
        release.SetResult();
        var records = (await Task.WhenAll(rest.Prepend(first))).ToList();

        // One transaction (one fsync) for all of them, the withdrawn one not written at all.
        Assert.Equal(1, Log.Commits - commitsBefore);
        Assert.Equal(Enumerable.Range(2, 21).Select(i => (long)i).ToHashSet(), records.Select(r => r.Sequence).ToHashSet());
        for (int i = 0; i < records.Count; i++) Assert.Equal(Entry(i + 1).Request, records[i].Entry.Request);
        var stored = await ReadAllAsync();
        Assert.Equal(22, stored.Count);
        Assert.DoesNotContain(stored, r => r.Entry.Request == Entry(99).Request);
        foreach (var r in records) Assert.Equal(r.Hash, stored.Single(x => x.Sequence == r.Sequence).Hash);
        Assert.True((await Log.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task Concurrent_appends_form_one_unbroken_chain_and_every_caller_gets_its_own_record()
    {
        var tasks = Enumerable.Range(1, 64).Select(i => Task.Run(() => Log.AppendAsync(Entry(i)))).ToList();
        var records = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(1, 64).Select(i => (long)i).ToHashSet(), records.Select(r => r.Sequence).ToHashSet());
        for (int i = 0; i < records.Length; i++) Assert.Equal(Entry(i + 1).Request, records[i].Entry.Request);
        Assert.True((await Log.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task Appends_are_numbered_from_one_and_linked_by_hash()
    {
        var records = await AppendManyAsync(4);

        Assert.Equal([1L, 2, 3, 4], records.Select(r => r.Sequence));
        Assert.Equal(new string('0', 64), records[0].PrevHash);
        for (int i = 1; i < records.Count; i++) Assert.Equal(records[i - 1].Hash, records[i].PrevHash);
        Assert.Equal(4, records.Select(r => r.Hash).Distinct().Count());
        Assert.Equal(Start, records[0].Time);
        Assert.Equal(Start.AddSeconds(3), records[3].Time);
    }

    [Fact]
    public async Task Records_read_back_exactly_as_appended()
    {
        var written = new List<AuditRecord>
        {
            await Log.AppendAsync(Entry(1)),
            await Log.AppendAsync(Entry(2, grant: null, decision: AuditDecision.Denied) with { Scope = RegionCode.National }),
            await Log.AppendAsync(Entry(3) with { Method = "/regsosek.v1.ExtractService/Extract", Rows = 5_000_000_000, ExtractSha256 = new string('A', 64) }),
        };

        var read = await ReadAllAsync();
        Assert.Equal(written, read);
        Assert.Equal(new string('a', 64), read[2].Entry.ExtractSha256);
        Assert.Equal(TimeSpan.FromTicks(12_340), read[0].Entry.Latency); // whole microseconds
        Assert.Null(read[1].Entry.GrantId);
        Assert.Equal(RegionCode.National, read[1].Entry.Scope);
    }

    [Fact]
    public async Task An_untouched_chain_verifies_and_reports_its_head()
    {
        var records = await AppendManyAsync(6);

        var result = await Log.VerifyAsync();
        Assert.True(result.IsIntact, result.ToString());
        Assert.Equal(6, result.RecordsChecked);
        Assert.Equal(new AuditAnchor(6, records[5].Hash), result.Head);
        Assert.Equal(result.Head, await Log.GetHeadAsync());
        Assert.True((await Log.VerifyAsync(new AuditAnchor(3, records[2].Hash))).IsIntact);
    }

    [Fact]
    public async Task An_empty_log_verifies()
    {
        var result = await Log.VerifyAsync();
        Assert.True(result.IsIntact);
        Assert.Equal(0, result.RecordsChecked);
        Assert.Null(result.Head);
    }

    [Fact]
    public async Task Plain_updates_and_deletes_are_refused_by_the_database()
    {
        await AppendManyAsync(2);
        await Assert.ThrowsAnyAsync<Exception>(() => Backend.ExecuteAsync("UPDATE audit_log SET cells = 0 WHERE seq = 1"));
        await Assert.ThrowsAnyAsync<Exception>(() => Backend.ExecuteAsync("DELETE FROM audit_log WHERE seq = 2"));
        Assert.True((await Log.VerifyAsync()).IsIntact);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET rows_returned = 999 WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET cells = cells + 1 WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET request = '{}' WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET grant_id = 'g_01JOTHER000000000000000000' WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET organisation = NULL, unit = NULL, grant_id = NULL WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET scope = '32' WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET decision = 'denied', rule = 'x' WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET status_code = 7 WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET latency_us = 1 WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET extract_sha256 = 'ab' WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET method = 'x' WHERE seq = 3")]
    [InlineData("UPDATE audit_log SET prev_hash = hash WHERE seq = 3")]
    public async Task A_field_edited_in_the_database_is_found_at_its_record(string edit)
    {
        await AppendManyAsync(5);
        await Tamper(edit);

        var result = await Log.VerifyAsync();
        Assert.False(result.IsIntact);
        Assert.Equal(3, result.Problem!.Sequence);
        Assert.Equal(AuditProblemKind.Altered, result.Problem.Kind);
        Assert.Equal(2, result.RecordsChecked);
    }

    [Fact]
    public async Task An_edited_hash_is_found()
    {
        await AppendManyAsync(5);
        await Tamper("UPDATE audit_log SET hash = @h WHERE seq = 3", ("@h", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((3L, AuditProblemKind.Altered), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task An_edited_time_is_found()
    {
        await AppendManyAsync(5);
        await Tamper("UPDATE audit_log SET time = @t WHERE seq = 4", ("@t", Backend.TimeParameter(Timestamps.ToUnixMicroseconds(Start) + 1)));

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((4L, AuditProblemKind.Altered), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task A_deleted_record_is_found()
    {
        await AppendManyAsync(5);
        await Tamper("DELETE FROM audit_log WHERE seq = 3");

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((3L, AuditProblemKind.Deleted), (problem!.Sequence, problem.Kind));
        Assert.Contains("#3", problem.Message);
    }

    [Fact]
    public async Task A_deleted_record_is_found_when_the_later_ones_were_renumbered()
    {
        await AppendManyAsync(6);
        await Tamper("DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq + 1000 WHERE seq > 3; UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000;");

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((3L, AuditProblemKind.Deleted), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task Two_swapped_records_are_found_as_reordered()
    {
        await AppendManyAsync(6);
        await Tamper("UPDATE audit_log SET seq = 1000 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 1000;");

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((3L, AuditProblemKind.Reordered), (problem!.Sequence, problem.Kind));
        Assert.Contains("written as #4", problem.Message);
    }

    [Fact]
    public async Task Swapping_the_last_two_records_is_found_as_reordered()
    {
        await AppendManyAsync(4);
        await Tamper("UPDATE audit_log SET seq = 1000 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 1000;");

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((3L, AuditProblemKind.Reordered), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task A_forged_record_with_a_valid_hash_but_a_wrong_link_is_found_as_inserted()
    {
        var records = await AppendManyAsync(4);
        var forged = SqlAuditLog.ToRow(Entry(99), 5, Timestamps.ToUnixMicroseconds(Time.GetUtcNow()), Convert.FromHexString(records[1].Hash));
        await InsertRowAsync(forged);

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((5L, AuditProblemKind.Inserted), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task A_record_inserted_in_the_middle_with_renumbering_is_found()
    {
        var records = await AppendManyAsync(5);
        await Tamper("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 3; UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000;");
        // A careful forger links the new record to #2 and hashes it correctly as #3.
        var forged = SqlAuditLog.ToRow(Entry(77), 3, Timestamps.ToUnixMicroseconds(records[1].Time) + 1, Convert.FromHexString(records[1].Hash));
        await InsertRowAsync(forged);

        var problem = (await Log.VerifyAsync()).Problem;
        Assert.Equal((3L, AuditProblemKind.Inserted), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task Deleting_the_newest_records_is_found_against_a_checkpoint()
    {
        var records = await AppendManyAsync(5);
        var checkpoint = await Log.GetHeadAsync();
        await Tamper("DELETE FROM audit_log WHERE seq >= 4");

        Assert.True((await Log.VerifyAsync()).IsIntact); // without a checkpoint a truncated chain looks whole
        var problem = (await Log.VerifyAsync(checkpoint)).Problem;
        Assert.Equal((4L, AuditProblemKind.Truncated), (problem!.Sequence, problem.Kind));
        Assert.Equal(records[4].Hash, checkpoint!.Hash);
    }

    [Fact]
    public async Task A_chain_recomputed_after_an_edit_is_found_against_a_checkpoint()
    {
        var records = await AppendManyAsync(5);
        var checkpoint = await Log.GetHeadAsync();
        // Edit record #2 and recompute every hash after it, as someone with the encoding but not the checkpoint could.
        var prev = Convert.FromHexString(records[0].Hash);
        var tampered = new List<(long Seq, string Request, byte[] Prev, byte[] Hash)>();
        for (int i = 1; i < records.Count; i++)
        {
            var r = records[i];
            var entry = i == 1 ? r.Entry with { Request = "{\"indicators\":[\"innocent\"]}" } : r.Entry;
            var row = SqlAuditLog.ToRow(entry, r.Sequence, Timestamps.ToUnixMicroseconds(r.Time), prev);
            tampered.Add((r.Sequence, entry.Request, row.PrevHash, row.Hash));
            prev = row.Hash;
        }
        foreach (var t in tampered)
            await Tamper("UPDATE audit_log SET request = @r, prev_hash = @p, hash = @h WHERE seq = @s", ("@r", t.Request), ("@p", t.Prev), ("@h", t.Hash), ("@s", t.Seq));

        Assert.True((await Log.VerifyAsync()).IsIntact);
        var problem = (await Log.VerifyAsync(checkpoint)).Problem;
        Assert.Equal((5L, AuditProblemKind.Rewritten), (problem!.Sequence, problem.Kind));
    }

    [Fact]
    public async Task Appends_from_two_log_instances_at_once_stay_one_gapless_chain()
    {
        await using var second = Backend.CreateAuditLog(Time);
        var tasks = Enumerable.Range(0, 24).Select(i => (i % 2 == 0 ? Log : second).AppendAsync(Entry(i))).ToList();
        var records = await Task.WhenAll(tasks);

        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), records.Select(r => r.Sequence).Order());
        var verification = await Log.VerifyAsync();
        Assert.True(verification.IsIntact, verification.ToString());
        Assert.Equal(24, verification.RecordsChecked);
    }

    [Fact]
    public async Task Three_log_instances_appending_hard_at_once_lose_no_append_and_stay_one_gapless_chain()
    {
        // Three replicas of the service on one store (issue 16), each with many callers: no append may fail for
        // want of retries, and the chain stays one.
        await using var second = Backend.CreateAuditLog(Time);
        await using var third = Backend.CreateAuditLog(Time);
        SqlAuditLog[] logs = [Log, second, third];
        const int callers = 96, each = 10;
        var tasks = Enumerable.Range(0, callers).Select(k => Task.Run(async () =>
        {
            for (int j = 0; j < each; j++) await logs[(k + j) % logs.Length].AppendAsync(Entry(k * each + j));
        })).ToList();
        await Task.WhenAll(tasks);

        var verification = await Log.VerifyAsync();
        Assert.True(verification.IsIntact, verification.ToString());
        Assert.Equal(callers * each, verification.RecordsChecked);
    }

    [Fact]
    public async Task A_locked_store_fails_the_append_with_AuditUnavailable_and_writes_nothing()
    {
        await AppendManyAsync(2);
        await using var impatient = Backend.CreateAuditLog(Time, timeout: TimeSpan.FromSeconds(1));
        await impatient.EnsureCreatedAsync();
        var blocker = await Backend.LockAuditLogAsync();
        try
        {
            var error = await Assert.ThrowsAsync<AuditUnavailableException>(() => impatient.AppendAsync(Entry(3)));
            Assert.Contains("audit log", error.Message);
            Assert.NotNull(error.InnerException);
        }
        finally
        {
            await blocker.DisposeAsync();
        }
        var after = await Log.VerifyAsync();
        Assert.True(after.IsIntact);
        Assert.Equal(2, after.RecordsChecked);
        Assert.Equal(3, (await impatient.AppendAsync(Entry(3))).Sequence); // works again once the lock is gone
    }

    [Fact]
    public async Task An_unreachable_store_fails_the_append_with_AuditUnavailable()
    {
        await using var log = Backend.CreateUnreachableAuditLog();
        var error = await Assert.ThrowsAsync<AuditUnavailableException>(() => log.AppendAsync(Entry(1)));
        Assert.IsAssignableFrom<StoreUnavailableException>(error);
    }

    [Fact]
    public async Task A_database_with_a_newer_audit_schema_fails_closed()
    {
        await Log.EnsureCreatedAsync();
        await Backend.ExecuteAsync("INSERT INTO schema_version (component, version, description, applied_at) VALUES ('audit', 99, 'future', @t)",
            ("@t", Backend.TimeParameter(0)));
        await using var second = Backend.CreateAuditLog(Time);

        var error = await Assert.ThrowsAsync<AuditUnavailableException>(() => second.AppendAsync(Entry(1)));
        Assert.IsType<StoreSchemaException>(error.InnerException);
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task An_injected_fault_fails_appends_without_touching_the_chain()
    {
        await AppendManyAsync(2);
        var faulty = new FaultInjectingAuditLog(Log) { FailAppends = true };

        await Assert.ThrowsAsync<AuditUnavailableException>(() => faulty.AppendAsync(Entry(3)));
        Assert.Equal(1, faulty.RefusedAppends);
        Assert.Equal(2, (await Log.GetHeadAsync())!.Sequence);
        faulty.FailAppends = false;
        Assert.Equal(3, (await faulty.AppendAsync(Entry(3))).Sequence);
    }

    [Fact]
    public async Task Read_filters_by_grant_and_time()
    {
        await Log.AppendAsync(Entry(1, grant: "g_01JAAAAAAAAAAAAAAAAAAAAAAA"));
        Time.Advance(TimeSpan.FromHours(1));
        var b = await Log.AppendAsync(Entry(2, grant: "g_01JBBBBBBBBBBBBBBBBBBBBBBB"));
        Time.Advance(TimeSpan.FromHours(1));
        var a2 = await Log.AppendAsync(Entry(3, grant: "g_01JAAAAAAAAAAAAAAAAAAAAAAA"));

        var forA = new List<long>();
        await foreach (var r in Log.ReadAsync(new AuditQuery { GrantId = "g_01JAAAAAAAAAAAAAAAAAAAAAAA", From = Start.AddMinutes(30) })) forA.Add(r.Sequence);
        var window = new List<long>();
        await foreach (var r in Log.ReadAsync(new AuditQuery { From = Start.AddMinutes(30), Until = a2.Time })) window.Add(r.Sequence);

        Assert.Equal([a2.Sequence], forA);
        Assert.Equal([b.Sequence], window);
    }

    [Fact]
    public async Task Malformed_entries_are_rejected_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1, decision: AuditDecision.Denied) with { Rule = null }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { ExtractSha256 = "xyz" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { Organisation = "Dinas\0Sosial" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { Decision = AuditDecision.Interrupted, Rule = null }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { RequestSha256 = "abc" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { RequestId = "a b" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { RequestId = new string('r', 65) }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { Organisation = null }));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Entry(1) with { Cells = -1 }));
        Assert.Null(await Log.GetHeadAsync());
    }

    private Task InsertRowAsync(AuditRow row) => Backend.ExecuteAsync("""
        INSERT INTO audit_log (seq, time, grant_id, organisation, unit, method, request, scope, decision, rule, cells, rows_returned, bytes,
                               extract_sha256, latency_us, status_code, request_sha256, request_id, hash_version, prev_hash, hash)
        VALUES (@seq, @time, @grant, @org, @unit, @method, @request, @scope, @decision, @rule, @cells, @rows, @bytes, @sha, @latency, @status,
                @reqsha, @reqid, @hv, @prev, @hash)
        """,
        ("@seq", row.Sequence), ("@time", Backend.TimeParameter(row.TimeMicros)), ("@grant", row.GrantId), ("@org", row.Organisation),
        ("@unit", row.Unit), ("@method", row.Method), ("@request", row.Request), ("@scope", row.Scope), ("@decision", row.Decision),
        ("@rule", row.Rule), ("@cells", row.Cells), ("@rows", row.Rows), ("@bytes", row.Bytes), ("@sha", row.ExtractSha256),
        ("@latency", row.LatencyMicros), ("@status", (int)row.StatusCode), ("@reqsha", row.RequestSha256), ("@reqid", row.RequestId),
        ("@hv", row.HashVersion), ("@prev", row.PrevHash), ("@hash", row.Hash));
}

public sealed class SqliteAuditLogTests : AuditLogContract
{
    internal override StoreBackend CreateBackend() => new SqliteBackend();

    [Fact]
    public async Task The_audit_file_runs_in_WAL_with_synchronous_FULL()
    {
        await Log.AppendAsync(Entry(1));
        Assert.Equal("wal", await Backend.ScalarAsync("PRAGMA journal_mode"));
        // synchronous is per connection: ask through a connection the log itself configured.
        var dialect = new SqliteDialect(new SqliteStoreOptions { Path = ((SqliteBackend)Backend).Path });
        await using var c = await dialect.OpenAsync(CancellationToken.None);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous";
        Assert.Equal(2L, await cmd.ExecuteScalarAsync()); // 2 = FULL
    }

    [Fact]
    public async Task Every_connection_the_dialect_hands_out_is_configured_fresh_or_pooled()
    {
        var dialect = new SqliteDialect(new SqliteStoreOptions { Path = ((SqliteBackend)Backend).Path, BusyTimeout = TimeSpan.FromSeconds(7) });
        // Open several at once (new native connections), return them to the pool, then reopen (pooled ones): the
        // pragmas run once per native connection, and every connection handed out must carry them.
        for (int round = 0; round < 3; round++)
        {
            var held = new List<System.Data.Common.DbConnection>();
            try
            {
                for (int i = 0; i < 4; i++) held.Add(await dialect.OpenAsync(CancellationToken.None));
                foreach (var c in held)
                {
                    foreach (var (pragma, expected) in new[] { ("synchronous", 2L), ("foreign_keys", 1L), ("busy_timeout", 7000L) })
                    {
                        await using var cmd = c.CreateCommand();
                        cmd.CommandText = "PRAGMA " + pragma;
                        Assert.Equal(expected, await cmd.ExecuteScalarAsync());
                    }
                }
            }
            finally
            {
                foreach (var c in held) await c.DisposeAsync();
            }
        }
    }
}

public sealed class PostgresAuditLogTests : AuditLogContract
{
    internal override StoreBackend CreateBackend() => new PostgresBackend();
}
