using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Storage;
using Regsosek.Stores.Tests.Support;

namespace Regsosek.Stores.Tests;

/// <summary>
/// What the log stores of a request (clipped, hashed, with a request id), interrupted calls, and the upgrade of an
/// audit_log written by schema version 1; run against SQLite and PostgreSQL.
/// </summary>
public abstract class AuditRequestStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 6, 2, 1, 0, 0, TimeSpan.Zero);

    private StoreBackend _backend = null!;
    private protected ManualTimeProvider Time { get; } = new(Start);
    private protected SqlAuditLog Log { get; private set; } = null!;

    internal abstract StoreBackend CreateBackend();

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        await _backend.InitialiseAsync();
        Log = _backend.CreateAuditLog(Time); // the table is created on first use, not here
    }

    public async Task DisposeAsync()
    {
        if (Log is not null) await Log.DisposeAsync();
        if (_backend is not null) await _backend.DisposeAsync();
    }

    private static AuditEntry Public(string request) => new()
    {
        Method = "/regsosek.v1.AggregateService/Aggregate",
        Request = request,
        Scope = RegionCode.National,
        Decision = AuditDecision.Denied,
        Rule = "request.invalid",
        StatusCode = 3,
    };

    private async Task<long> StoredRequestBytesAsync() =>
        Convert.ToInt64(await _backend.ScalarAsync(
            $"SELECT COALESCE(SUM({(_backend.Name == "SQLite" ? "length(CAST(request AS BLOB))" : "octet_length(request)")}), 0) FROM audit_log"));

    [Fact]
    public async Task Any_request_is_stored_within_the_limit_with_the_hash_of_the_whole_and_the_chain_verifies()
    {
        int appended = 0;
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true), Prop.ForAll(
            Gen.OneOf(Gen.Choose(0, 3000), Gen.Choose(3000, 6000), Gen.Choose(6000, 400_000)).ToArbitrary(),
            Gen.Choose(0, int.MaxValue - 1).ToArbitrary(),
            Gen.Elements(true, false).ToArbitrary(),
            (length, seed, withWireBytes) =>
            {
                var json = AuditRequestTests.Junk(length, seed);
                // Either the pipeline hashes the bytes it received, or the log hashes the JSON it is given.
                byte[] wire = withWireBytes ? RandomNumberGenerator.GetBytes(length % 5000) : Encoding.UTF8.GetBytes(json);
                var entry = withWireBytes
                    ? Public(json) with { RequestSha256 = AuditRequest.From(wire, json).Sha256 }
                    : Public(json);
                var record = Log.AppendAsync(entry).GetAwaiter().GetResult();
                appended++;
                var stored = Log.ReadAsync(AuditQuery.All).ToBlockingEnumerable().Single(r => r.Sequence == record.Sequence);
                Assert.True(Encoding.UTF8.GetByteCount(stored.Entry.Request) <= AuditRequest.MaxStoredBytes);
                Assert.Equal(AuditRequest.Clip(json), stored.Entry.Request);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(wire)), stored.Entry.RequestSha256);
                Assert.True(AuditRequest.IsValidRequestId(stored.Entry.RequestId));
                Assert.Equal(record.Entry, stored.Entry);
            }));
        var verification = await Log.VerifyAsync();
        Assert.True(verification.IsIntact, verification.ToString());
        Assert.Equal(appended, verification.RecordsChecked);
    }

    [Fact]
    public async Task Megabytes_of_junk_from_an_anonymous_caller_grow_the_trail_by_at_most_the_limit_per_call()
    {
        var junk = new string('A', 4 * 1024 * 1024);
        for (int i = 0; i < 5; i++) await Log.AppendAsync(Public($"{{\"region\":\"{junk}{i}\"}}"));
        long stored = await StoredRequestBytesAsync();
        Assert.InRange(stored, 5 * 1024, 5L * AuditRequest.MaxStoredBytes);
        var records = await Log.ReadAsync(AuditQuery.All).ToListAsync();
        Assert.Equal(5, records.Select(r => r.Entry.RequestSha256).Distinct().Count()); // the hashes still tell them apart
    }

    [Fact]
    public async Task A_given_request_id_is_kept_and_finds_every_record_of_the_call()
    {
        var id = AuditRequest.NewRequestId();
        var commit = Public("{}") with { Decision = AuditDecision.Allowed, Rule = null, StatusCode = 0, Rows = 1000, RequestId = id };
        var cut = commit with { Decision = AuditDecision.Interrupted, Rule = AuditRules.DeadlineExceeded, StatusCode = 4, Rows = 312 };
        await Log.AppendAsync(commit);
        await Log.AppendAsync(Public("{}")); // another call, with an id of its own
        await Log.AppendAsync(cut);
        var call = await Log.ReadAsync(new AuditQuery { RequestId = id }).ToListAsync();
        Assert.Equal([AuditDecision.Allowed, AuditDecision.Interrupted], call.Select(r => r.Entry.Decision));
        Assert.Equal([1000L, 312L], call.Select(r => r.Entry.Rows));
        Assert.Equal(AuditRules.DeadlineExceeded, call[1].Entry.Rule);
        var other = (await Log.ReadAsync(AuditQuery.All).ToListAsync())[1];
        Assert.NotEqual(id, other.Entry.RequestId);
        Assert.True((await Log.VerifyAsync()).IsIntact);
    }

    [Theory]
    [InlineData(CallInterruption.DeadlineExceeded, "call.deadline-exceeded", 4)]
    [InlineData(CallInterruption.Cancelled, "call.cancelled", 1)]
    [InlineData(CallInterruption.AbortedAtShutdown, "call.aborted-at-shutdown", 14)]
    [InlineData(CallInterruption.Failed, "call.failed", 13)]
    public async Task An_interruption_is_recorded_with_its_rule_status_and_what_was_actually_sent(CallInterruption why, string rule, int status)
    {
        var committed = await Log.AppendAsync(Public("{\"table\":\"TABLE_INDIVIDU\"}") with
        {
            Decision = AuditDecision.Allowed, Rule = null, StatusCode = 0, Rows = 9000, Bytes = 1_000_000,
        });
        var cut = await Log.AppendAsync(committed.Entry.AsInterrupted(why, cellsSent: 0, rowsSent: 4096, bytesSent: 300_000, TimeSpan.FromSeconds(10)));

        Assert.Equal((AuditDecision.Interrupted, rule, status), (cut.Entry.Decision, cut.Entry.Rule, cut.Entry.StatusCode));
        Assert.Equal((4096L, 300_000L), (cut.Entry.Rows, cut.Entry.Bytes));
        Assert.Equal((committed.Entry.RequestId, committed.Entry.RequestSha256, committed.Entry.Request),
            (cut.Entry.RequestId, cut.Entry.RequestSha256, cut.Entry.Request));
        var read = await Log.ReadAsync(new AuditQuery { RequestId = committed.Entry.RequestId }).ToListAsync();
        Assert.Equal([committed.Entry, cut.Entry], read.Select(r => r.Entry));
        Assert.True((await Log.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task An_audit_log_of_schema_version_1_is_upgraded_and_its_old_records_still_verify()
    {
        // A database as the previous release left it: schema version 1 and three records sealed with encoding 1.
        await using (var dialect = _backend.CreateDialect())
            await Migrator.MigrateAsync(dialect, StoreComponents.Audit, Time, CancellationToken.None, targetVersion: 1);
        byte[] prev = new byte[32];
        for (int i = 1; i <= 3; i++)
        {
            var entry = AuditLogContract.Entry(i, decision: i == 2 ? AuditDecision.Denied : AuditDecision.Allowed);
            var row = SqlAuditLog.ToRow(entry, i, Timestamps.ToUnixMicroseconds(Start.AddSeconds(i)), prev)
                with { RequestSha256 = null, RequestId = null, HashVersion = 1 };
            row = row with { Hash = AuditHash.Compute(row) };
            await _backend.ExecuteAsync("""
                INSERT INTO audit_log (seq, time, grant_id, organisation, unit, method, request, scope, decision, rule, cells, rows_returned, bytes,
                                       extract_sha256, latency_us, status_code, prev_hash, hash)
                VALUES (@seq, @time, @grant, @org, @unit, @method, @request, @scope, @decision, @rule, @cells, @rows, @bytes, @sha, @latency, @status, @prev, @hash)
                """,
                ("@seq", row.Sequence), ("@time", _backend.TimeParameter(row.TimeMicros)), ("@grant", row.GrantId), ("@org", row.Organisation),
                ("@unit", row.Unit), ("@method", row.Method), ("@request", row.Request), ("@scope", row.Scope), ("@decision", row.Decision),
                ("@rule", row.Rule), ("@cells", row.Cells), ("@rows", row.Rows), ("@bytes", row.Bytes), ("@sha", row.ExtractSha256),
                ("@latency", row.LatencyMicros), ("@status", (int)row.StatusCode), ("@prev", row.PrevHash), ("@hash", row.Hash));
            prev = row.Hash;
        }

        // This build upgrades it on first use; the old records verify under encoding 1.
        var before = await Log.VerifyAsync();
        Assert.True(before.IsIntact, before.ToString());
        Assert.Equal(3, before.RecordsChecked);
        Assert.Equal(2L, Convert.ToInt64(await _backend.ScalarAsync("SELECT MAX(version) FROM schema_version WHERE component = 'audit'")));
        var old = await Log.ReadAsync(AuditQuery.All).ToListAsync();
        Assert.All(old, r => Assert.Null(r.Entry.RequestId));
        Assert.All(old, r => Assert.Null(r.Entry.RequestSha256));
        Assert.Equal(AuditDecision.Denied, old[1].Entry.Decision);

        // New records chain on to the old ones, in encoding 2; the append-only triggers are back.
        await Log.AppendAsync(AuditLogContract.Entry(4) with { Decision = AuditDecision.Interrupted, Rule = AuditRules.AbortedAtShutdown, StatusCode = 14 });
        await Log.AppendAsync(AuditLogContract.Entry(5));
        var after = await Log.VerifyAsync();
        Assert.True(after.IsIntact, after.ToString());
        Assert.Equal(5, after.RecordsChecked);
        Assert.Equal(2L, Convert.ToInt64(await _backend.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE hash_version = 2")));
        await Assert.ThrowsAnyAsync<Exception>(() => _backend.ExecuteAsync("DELETE FROM audit_log WHERE seq = 1"));
        await Assert.ThrowsAnyAsync<Exception>(() => _backend.ExecuteAsync("UPDATE audit_log SET cells = 0 WHERE seq = 4"));

        // Passing a new record off as an old one (to shed its request hash and id) is found.
        await _backend.ExecuteAsync(_backend.DisableAuditTriggersSql + " UPDATE audit_log SET hash_version = 1 WHERE seq = 5");
        var tampered = await Log.VerifyAsync();
        Assert.Equal((5L, AuditProblemKind.Altered), (tampered.Problem!.Sequence, tampered.Problem.Kind));
    }
}

public sealed class SqliteAuditRequestStoreTests : AuditRequestStoreContract
{
    internal override StoreBackend CreateBackend() => new SqliteBackend();
}

public sealed class PostgresAuditRequestStoreTests : AuditRequestStoreContract
{
    internal override StoreBackend CreateBackend() => new PostgresBackend();
}
