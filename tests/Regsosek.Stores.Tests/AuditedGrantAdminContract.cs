using System.Text.Json;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Tests.Support;

namespace Regsosek.Stores.Tests;

/// <summary>
/// Grants changed from the command line are audited like AdminService's calls, and a grant for a region that does
/// not exist is refused; run against SQLite and PostgreSQL.
/// </summary>
public abstract class AuditedGrantAdminContract : IAsyncLifetime
{
    private static readonly RegionSet Regions = new(new[] { "32", "3273", "11", "1101" }.Select(RegionCode.Parse), "test regions");

    private StoreBackend _backend = null!;
    private protected ManualTimeProvider Time { get; } = new(GrantStoreContract.Start);
    private IGrantStore _store = null!;
    private SqlAuditLog _audit = null!;
    private AuditedGrantAdmin _admin = null!;

    internal abstract StoreBackend CreateBackend();

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        await _backend.InitialiseAsync();
        _store = new RegionCheckedGrantStore(_backend.CreateGrantStore(Time), Regions);
        _audit = _backend.CreateAuditLog(Time);
        _admin = new AuditedGrantAdmin(_store, _audit, AdminActor.CommandLine("ani"), Time);
    }

    public async Task DisposeAsync()
    {
        if (_audit is not null) await _audit.DisposeAsync();
        if (_store is not null) await _store.DisposeAsync();
        if (_backend is not null) await _backend.DisposeAsync();
    }

    private async Task<List<AuditRecord>> TrailAsync() => await _audit.ReadAsync(AuditQuery.All).ToListAsync();

    private static JsonElement Json(AuditRecord r) => JsonDocument.Parse(r.Entry.Request).RootElement;

    [Fact]
    public async Task An_issued_grant_is_recorded_with_the_operator_the_request_and_the_new_grant_id()
    {
        var issued = await _admin.IssueAsync(GrantStoreContract.Request(region: "3273"));

        var record = Assert.Single(await TrailAsync());
        var e = record.Entry;
        Assert.Equal((AuditedGrantAdmin.IssueMethod, "cli", "cli", "ani"), (e.Method, e.GrantId, e.Organisation, e.Unit));
        Assert.Equal((AuditDecision.Allowed, (string?)null, 0), (e.Decision, e.Rule, e.StatusCode));
        Assert.Equal(RegionCode.Parse("3273"), e.Scope);
        Assert.Equal(issued.Grant.Id, Json(record).GetProperty("grantId").GetString());
        Assert.Equal("3273", Json(record).GetProperty("region").GetString());
        Assert.Equal(3, Json(record).GetProperty("tier").GetInt32());
        Assert.DoesNotContain(issued.Token, e.Request); // the token never reaches the trail
        Assert.NotNull(e.RequestSha256);
        Assert.NotNull(e.RequestId);
        Assert.True((await _audit.VerifyAsync()).IsIntact);
    }

    [Theory]
    [InlineData("3299")]        // a regency that does not exist in province 32
    [InlineData("99")]          // no province 99
    [InlineData("110199")]      // no such district
    [InlineData("3273012001")]  // a village whose district is not in the tables
    public async Task A_grant_for_a_region_that_does_not_exist_is_refused_recorded_and_not_stored(string region)
    {
        var e = await Assert.ThrowsAsync<InvalidGrantRequestException>(() => _admin.IssueAsync(GrantStoreContract.Request(region: region)));

        Assert.Equal("region", e.Field);
        Assert.Contains(region, e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Empty(await _store.ListAsync(GrantFilter.All));
        var refusal = Assert.Single(await TrailAsync()).Entry;
        Assert.Equal((AuditDecision.Denied, AuditedGrantAdmin.RegionUnknownRule, 3), (refusal.Decision, refusal.Rule, refusal.StatusCode));
        Assert.Equal(region, Json((await TrailAsync())[0]).GetProperty("region").GetString());
    }

    [Fact]
    public async Task The_region_check_holds_for_the_store_itself_whoever_calls_it()
    {
        // AdminService issues through the same store: the check is not a command-line feature.
        var e = await Assert.ThrowsAsync<InvalidGrantRequestException>(() => _store.IssueAsync(GrantStoreContract.Request(region: "3274")));
        Assert.Equal(RegionCheckedGrantStore.RegionField, e.Field);
        await _store.IssueAsync(GrantStoreContract.Request(region: "1101"));
        await _store.IssueAsync(GrantStoreContract.Request(org: "Kementerian Sosial", region: ""));   // national always exists
        Assert.Equal(2, (await _store.ListAsync(GrantFilter.All)).Count);
    }

    [Fact]
    public async Task Revocations_and_extensions_are_recorded_and_so_are_refused_attempts()
    {
        var issued = await _admin.IssueAsync(GrantStoreContract.Request(region: "32", withoutForum: true));
        await _admin.ExtendAsync(issued.Grant.Id, issued.Grant.ValidUntil.AddMonths(3));
        Time.Advance(TimeSpan.FromDays(1));
        var revoked = await _admin.RevokeAsync(issued.Grant.Id, "agreement ended");
        Assert.NotNull(revoked.Grant.RevokedAt);
        await Assert.ThrowsAsync<GrantStateException>(() => _admin.ExtendAsync(issued.Grant.Id, issued.Grant.ValidUntil.AddMonths(4)));
        await Assert.ThrowsAsync<GrantNotFoundException>(() => _admin.RevokeAsync("g_01JNOSUCHGRANT000000000000", "typo"));

        var trail = await TrailAsync();
        Assert.Equal(
            [
                (AuditedGrantAdmin.IssueMethod, AuditDecision.Allowed, (string?)null, 0),
                (AuditedGrantAdmin.ExtendMethod, AuditDecision.Allowed, null, 0),
                (AuditedGrantAdmin.RevokeMethod, AuditDecision.Allowed, null, 0),
                (AuditedGrantAdmin.ExtendMethod, AuditDecision.Denied, AuditedGrantAdmin.StateRule, 9),
                (AuditedGrantAdmin.RevokeMethod, AuditDecision.Denied, AuditedGrantAdmin.NotFoundRule, 5),
            ],
            trail.Select(r => (r.Entry.Method, r.Entry.Decision, r.Entry.Rule, r.Entry.StatusCode)));
        Assert.Equal(issued.Grant.Id, Json(trail[2]).GetProperty("grantId").GetString());
        Assert.Equal("agreement ended", Json(trail[2]).GetProperty("reason").GetString());
        Assert.Equal(RegionCode.Parse("32"), trail[2].Entry.Scope);
        Assert.All(trail, r => Assert.Equal("cli", r.Entry.GrantId));
        Assert.True((await _audit.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task The_first_operator_is_recorded()
    {
        var issued = await _admin.InitOperatorAsync("Direktorat Data", force: false);
        await Assert.ThrowsAsync<GrantStateException>(() => _admin.InitOperatorAsync("Direktorat Data", force: false));

        var trail = await TrailAsync();
        Assert.Equal([AuditDecision.Allowed, AuditDecision.Denied], trail.Select(r => r.Entry.Decision));
        Assert.All(trail, r => Assert.Equal(AuditedGrantAdmin.InitOperatorMethod, r.Entry.Method));
        Assert.Equal(issued.Grant.Id, Json(trail[0]).GetProperty("grantId").GetString());
    }

    [Fact]
    public async Task A_grant_whose_issue_cannot_be_recorded_is_revoked_at_once_and_its_token_withheld()
    {
        await using var broken = _backend.CreateUnreachableAuditLog();
        var admin = new AuditedGrantAdmin(_store, broken, AdminActor.CommandLine("ani"), Time);

        var e = await Assert.ThrowsAsync<AuditUnavailableException>(() => admin.IssueAsync(GrantStoreContract.Request()));

        var stored = Assert.Single(await _store.ListAsync(GrantFilter.All));
        Assert.NotNull(stored.Grant.RevokedAt);
        Assert.Contains(stored.Grant.Id, e.Message);
        Assert.Empty(await _store.ListAsync(new GrantFilter { ActiveOnly = true }));
    }

    [Fact]
    public void The_command_line_actor_is_the_OS_user_under_the_reserved_id_cli()
    {
        var actor = AdminActor.CommandLine();
        Assert.Equal(("cli", "cli"), (actor.GrantId, actor.Organisation));
        Assert.Equal(Environment.UserName, actor.Unit);
        Assert.False(GrantIds.IsWellFormed(actor.GrantId)); // never mistaken for a real grant
    }
}

public sealed class SqliteAuditedGrantAdminTests : AuditedGrantAdminContract
{
    internal override StoreBackend CreateBackend() => new SqliteBackend();
}

public sealed class PostgresAuditedGrantAdminTests : AuditedGrantAdminContract
{
    internal override StoreBackend CreateBackend() => new PostgresBackend();
}
