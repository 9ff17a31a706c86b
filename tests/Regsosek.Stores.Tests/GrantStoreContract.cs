using System.Security.Cryptography;
using System.Text;
using Regsosek.Core;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Storage;
using Regsosek.Stores.Tests.Support;
using Regsosek.Stores.Tokens;

namespace Regsosek.Stores.Tests;

/// <summary>The behaviour every grant store must have; run against SQLite and PostgreSQL.</summary>
public abstract class GrantStoreContract : IAsyncLifetime
{
    internal static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private StoreBackend _backend = null!;
    private protected ManualTimeProvider Time { get; } = new(Start);
    private protected IGrantStore Store { get; private set; } = null!;
    private protected StoreBackend Backend => _backend;

    internal abstract StoreBackend CreateBackend();

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        await _backend.InitialiseAsync();
        Store = _backend.CreateGrantStore(Time);
    }

    public async Task DisposeAsync()
    {
        if (Store is not null) await Store.DisposeAsync();
        if (_backend is not null) await _backend.DisposeAsync();
    }

    internal static GrantRequest Request(string org = "Dinas Sosial Kota Bandung", string region = "3273", Tier tier = Tier.Microdata,
        bool withoutForum = false, DateTimeOffset? signedAt = null, bool isOperator = false) => new()
    {
        Organisation = org,
        Unit = "Bidang Data dan Informasi",
        Tier = tier,
        Region = RegionCode.Parse(region),
        Purpose = "Penargetan program perlindungan sosial",
        WithoutSatuDataForum = withoutForum,
        SignedAt = signedAt,
        IsOperator = isOperator,
    };

    [Fact]
    public async Task Issued_grant_reads_back_equal_with_a_two_year_validity()
    {
        var issued = await Store.IssueAsync(Request());
        var record = await Store.GetAsync(issued.Grant.Id);

        Assert.NotNull(record);
        Assert.Equal(issued.Grant, record.Grant);
        Assert.Equal("3273", record.Grant.Region.Value);
        Assert.Equal(Tier.Microdata, record.Grant.Tier);
        Assert.Equal(Start, record.Grant.ValidFrom);
        Assert.Equal(new DateTimeOffset(2028, 3, 1, 8, 0, 0, TimeSpan.Zero), record.Grant.ValidUntil);
        Assert.False(record.WithoutSatuDataForum);
        Assert.Null(record.RevocationReason);
        Assert.Equal(Start, record.IssuedAt);
    }

    [Fact]
    public async Task Times_with_sub_microsecond_ticks_read_back_exactly_as_issue_returned_them()
    {
        var signed = Start.AddTicks(1234567); // 123.4567 ms: not a whole microsecond
        var issued = await Store.IssueAsync(Request(signedAt: signed));
        var record = await Store.GetAsync(issued.Grant.Id);

        Assert.Equal(issued.Grant.ValidFrom, record!.Grant.ValidFrom);
        Assert.Equal(signed.AddTicks(-7), record.Grant.ValidFrom); // truncated to the microsecond
    }

    [Fact]
    public async Task The_token_finds_its_grant_and_only_its_SHA256_is_stored()
    {
        var a = await Store.IssueAsync(Request(org: "Dinas Sosial Provinsi Aceh", region: "11"));
        var b = await Store.IssueAsync(Request(org: "Bappeda Kabupaten Aceh Selatan", region: "1101"));

        Assert.Equal(a.Grant, await Store.FindByTokenAsync(a.Token));
        Assert.Equal(b.Grant, await Store.FindByTokenAsync(b.Token));
        Assert.NotEqual(a.Token, b.Token);

        var expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(a.Token)));
        var stored = (byte[])(await Backend.ScalarAsync($"SELECT token_hash FROM grants WHERE id = '{a.Grant.Id}'"))!;
        Assert.Equal(expected, Convert.ToHexString(stored));
    }

    [Fact]
    public async Task Unknown_or_malformed_tokens_find_nothing()
    {
        var issued = await Store.IssueAsync(Request());
        var other = AccessTokens.Generate();

        Assert.Null(await Store.FindByTokenAsync(other));
        Assert.Null(await Store.FindByTokenAsync(issued.Token[..^1]));
        Assert.Null(await Store.FindByTokenAsync(issued.Token.ToUpperInvariant()));
        Assert.Null(await Store.FindByTokenAsync(""));
    }

    [Fact]
    public async Task Get_of_an_unknown_id_is_null()
    {
        Assert.Null(await Store.GetAsync("g_00000000000000000000000000"));
    }

    [Fact]
    public async Task Revocation_is_recorded_and_the_first_one_stands()
    {
        var issued = await Store.IssueAsync(Request());
        var at = Start.AddDays(10);
        var revoked = await Store.RevokeAsync(issued.Grant.Id, "PKS diakhiri (Pasal 6 ayat 1 huruf c)", at);
        var again = await Store.RevokeAsync(issued.Grant.Id, "second reason", at.AddDays(1));

        Assert.Equal(at, revoked.Grant.RevokedAt);
        Assert.Equal("PKS diakhiri (Pasal 6 ayat 1 huruf c)", revoked.RevocationReason);
        Assert.False(revoked.Grant.IsActiveAt(at.AddSeconds(-1)));
        Assert.Equal(at, again.Grant.RevokedAt);
        Assert.Equal(revoked.RevocationReason, again.RevocationReason);
        Assert.Equal(at, (await Store.FindByTokenAsync(issued.Token))!.RevokedAt);
    }

    [Fact]
    public async Task Revoking_an_unknown_grant_or_without_a_reason_fails_precisely()
    {
        var issued = await Store.IssueAsync(Request());
        var nf = await Assert.ThrowsAsync<GrantNotFoundException>(() => Store.RevokeAsync("g_00000000000000000000000000", "x", Start));
        Assert.Equal("g_00000000000000000000000000", nf.GrantId);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RevokeAsync(issued.Grant.Id, "  ", Start));
        Assert.Null((await Store.GetAsync(issued.Grant.Id))!.Grant.RevokedAt);
    }

    [Fact]
    public async Task List_filters_by_activity_organisation_region_and_operator()
    {
        var aceh = await Store.IssueAsync(Request(org: "Pemprov Aceh", region: "11"));
        var acehSelatan = await Store.IssueAsync(Request(org: "Pemkab Aceh Selatan", region: "1101"));
        var village = await Store.IssueAsync(Request(org: "Pemdes Keude Bakongan", region: "1101012001"));
        var bandung = await Store.IssueAsync(Request(org: "Pemkot Bandung", region: "3273"));
        var revoked = await Store.IssueAsync(Request(org: "Pemkot Bandung", region: "3273"));
        await Store.RevokeAsync(revoked.Grant.Id, "closed", Start);
        var future = await Store.IssueAsync(Request(org: "Kementerian Sosial", region: "", signedAt: Start.AddDays(30)));
        var op = await Store.IssueAsync(Request(org: OperatorBootstrap.DataOwner, region: "", tier: Tier.Public, isOperator: true));

        static string[] Ids(IEnumerable<GrantRecord> rs) => rs.Select(r => r.Grant.Id).Order().ToArray();
        static string[] Of(params IssuedGrant[] gs) => gs.Select(g => g.Grant.Id).Order().ToArray();

        Assert.Equal(Of(aceh, acehSelatan, village, bandung, revoked, future, op), Ids(await Store.ListAsync(GrantFilter.All)));
        Assert.Equal(Of(aceh, acehSelatan, village, bandung, op), Ids(await Store.ListAsync(new GrantFilter { ActiveOnly = true })));
        Assert.Equal(Of(aceh, acehSelatan, village, bandung, future, op), Ids(await Store.ListAsync(new GrantFilter { ActiveOnly = true, At = Start.AddDays(31) })));
        Assert.Equal(Of(bandung, revoked), Ids(await Store.ListAsync(new GrantFilter { Organisation = "Pemkot Bandung" })));
        Assert.Equal(Of(aceh, acehSelatan, village), Ids(await Store.ListAsync(new GrantFilter { Region = RegionCode.Parse("11") })));
        Assert.Equal(Of(acehSelatan, village), Ids(await Store.ListAsync(new GrantFilter { Region = RegionCode.Parse("1101") })));
        Assert.Equal(Of(op), Ids(await Store.ListAsync(new GrantFilter { IsOperator = true })));
        Assert.Equal(7, (await Store.ListAsync(new GrantFilter { Region = RegionCode.National })).Count);
    }

    [Fact]
    public async Task A_six_month_grant_extends_up_to_the_two_year_term_and_no_further()
    {
        var issued = await Store.IssueAsync(Request(region: "3273", withoutForum: true));
        Assert.Equal(Start.AddMonths(6), issued.Grant.ValidUntil);
        Assert.True((await Store.GetAsync(issued.Grant.Id))!.WithoutSatuDataForum);

        Time.Advance(TimeSpan.FromDays(100));
        var beyond = Start.AddYears(2).AddSeconds(1);
        var error = await Assert.ThrowsAsync<InvalidGrantRequestException>(() => Store.ExtendAsync(issued.Grant.Id, beyond));
        Assert.Contains("2 years", error.Message);

        var extended = await Store.ExtendAsync(issued.Grant.Id, Start.AddYears(2));
        Assert.Equal(Start.AddYears(2), extended.Grant.ValidUntil);
        Assert.Equal(Start.AddDays(100), extended.ExtendedAt);
        Assert.Equal(extended, await Store.GetAsync(issued.Grant.Id));
    }

    [Fact]
    public async Task Extension_is_refused_for_revoked_unknown_or_earlier_ends()
    {
        var issued = await Store.IssueAsync(Request(withoutForum: true));
        await Assert.ThrowsAsync<InvalidGrantRequestException>(() => Store.ExtendAsync(issued.Grant.Id, issued.Grant.ValidUntil));
        await Assert.ThrowsAsync<GrantNotFoundException>(() => Store.ExtendAsync("g_00000000000000000000000000", Start.AddYears(1)));
        await Store.RevokeAsync(issued.Grant.Id, "Forum Satu Data belum ditetapkan", Start.AddMonths(7));
        await Assert.ThrowsAsync<GrantStateException>(() => Store.ExtendAsync(issued.Grant.Id, Start.AddYears(1)));
        Assert.Equal(issued.Grant.ValidUntil, (await Store.GetAsync(issued.Grant.Id))!.Grant.ValidUntil);
    }

    [Fact]
    public async Task An_invalid_request_stores_nothing()
    {
        var error = await Assert.ThrowsAsync<InvalidGrantRequestException>(() => Store.IssueAsync(Request(region: "", withoutForum: true)));
        Assert.Contains("regional governments", error.Message);
        Assert.Empty(await Store.ListAsync(GrantFilter.All));
    }

    [Fact]
    public async Task A_second_store_over_the_same_database_sees_the_grants_and_the_schema_is_versioned()
    {
        var issued = await Store.IssueAsync(Request());
        await using var second = Backend.CreateGrantStore(Time);

        Assert.Equal(issued.Grant, await second.FindByTokenAsync(issued.Token));
        Assert.Equal(1L, Convert.ToInt64(await Backend.ScalarAsync("SELECT MAX(version) FROM schema_version WHERE component = 'grants'")));
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_with_a_clear_error()
    {
        await Store.ListAsync(GrantFilter.All); // creates the tables
        await Backend.ExecuteAsync("INSERT INTO schema_version (component, version, description, applied_at) VALUES ('grants', 99, 'future', @t)",
            ("@t", Backend.TimeParameter(0)));
        await using var second = Backend.CreateGrantStore(Time);

        var error = await Assert.ThrowsAsync<StoreSchemaException>(() => second.ListAsync(GrantFilter.All));
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task Concurrent_issues_give_distinct_ids_and_tokens_that_all_resolve()
    {
        var issued = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Store.IssueAsync(Request(org: $"Organisasi {i}"))));

        Assert.Equal(16, issued.Select(i => i.Grant.Id).Distinct().Count());
        Assert.Equal(16, issued.Select(i => i.Token).Distinct().Count());
        foreach (var i in issued)
            Assert.Equal(i.Grant.Organisation, (await Store.FindByTokenAsync(i.Token))!.Organisation);
    }

    [Fact]
    public async Task Revocation_and_expiry_take_effect_on_the_very_next_authentication()
    {
        var auth = new TokenAuthenticator(Store, time: Time);
        var issued = await Store.IssueAsync(Request());
        var other = await Store.IssueAsync(Request(withoutForum: true));

        Assert.Equal(AuthOutcome.Authenticated, (await auth.AuthenticateAsync("Bearer " + issued.Token)).Outcome);
        await Store.RevokeAsync(issued.Grant.Id, "penyalahgunaan data", Time.GetUtcNow());
        var after = await auth.AuthenticateAsync("Bearer " + issued.Token);
        Assert.Equal(AuthFailure.GrantRevoked, after.Failure);
        Assert.True(after.IsPermissionDenied);

        Assert.Equal(AuthOutcome.Authenticated, (await auth.AuthenticateAsync("Bearer " + other.Token)).Outcome);
        Time.Set(other.Grant.ValidUntil);
        Assert.Equal(AuthFailure.GrantExpired, (await auth.AuthenticateAsync("Bearer " + other.Token)).Failure);
        await Store.ExtendAsync(other.Grant.Id, Start.AddYears(1));
        Assert.Equal(AuthOutcome.Authenticated, (await auth.AuthenticateAsync("Bearer " + other.Token)).Outcome);
    }

    [Fact]
    public async Task A_JWT_naming_a_grant_stops_working_when_the_grant_is_revoked()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var auth = new TokenAuthenticator(Store, new TokenAuthenticatorOptions { Jwt = new() { Issuer = "bappenas", Audience = "regsosek", HmacKey = key } }, Time);
        var issued = await Store.IssueAsync(Request());
        var jwt = GrantJwts.Create(issued.Grant, new JwtSigningOptions { Issuer = "bappenas", Audience = "regsosek", HmacKey = key }, TimeSpan.FromHours(1), Time.GetUtcNow());

        var before = await auth.AuthenticateAsync("Bearer " + jwt);
        Assert.Equal(AuthOutcome.Authenticated, before.Outcome);
        Assert.Equal(issued.Grant, before.Grant);
        await Store.RevokeAsync(issued.Grant.Id, "closed", Time.GetUtcNow());
        Assert.Equal(AuthFailure.GrantRevoked, (await auth.AuthenticateAsync("Bearer " + jwt)).Failure);
    }

    [Fact]
    public async Task Operator_init_creates_one_operator_and_refuses_a_second_unless_forced()
    {
        var first = await OperatorBootstrap.InitAsync(Store, "Direktorat Perlindungan dan Kesejahteraan Masyarakat");
        var auth = await new TokenAuthenticator(Store, time: Time).AuthenticateAsync("Bearer " + first.Token);

        Assert.True(auth.IsOperator);
        Assert.Equal(RegionCode.National, first.Grant.Region);
        Assert.Equal(Tier.Public, first.Grant.Tier);
        var error = await Assert.ThrowsAsync<GrantStateException>(() => OperatorBootstrap.InitAsync(Store, "Unit lain"));
        Assert.Contains(first.Grant.Id, error.Message);
        var forced = await OperatorBootstrap.InitAsync(Store, "Unit lain", force: true);
        Assert.Equal(2, (await Store.ListAsync(new GrantFilter { IsOperator = true })).Count);
        Assert.NotEqual(first.Grant.Id, forced.Grant.Id);
    }
}

public sealed class SqliteGrantStoreTests : GrantStoreContract
{
    internal override StoreBackend CreateBackend() => new SqliteBackend();

    [Fact]
    public async Task The_file_is_created_on_first_use_in_WAL_mode_and_never_holds_the_token()
    {
        var backend = (SqliteBackend)Backend;
        Assert.False(File.Exists(backend.Path));

        var issued = await Store.IssueAsync(Request());
        Assert.True(File.Exists(backend.Path));
        Assert.Equal("wal", await backend.ScalarAsync("PRAGMA journal_mode"));

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = Directory.GetFiles(Path.GetDirectoryName(backend.Path)!).SelectMany(File.ReadAllBytes).ToArray();
        var secret = Encoding.ASCII.GetBytes(issued.Token[AccessTokens.Prefix.Length..]);
        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(issued.Grant.Id)) >= 0, "the grant id should be in the file (sanity check of the scan)");
        Assert.True(bytes.AsSpan().IndexOf(secret) < 0, "the token's secret must not be stored");
    }
}

public sealed class PostgresGrantStoreTests : GrantStoreContract
{
    internal override StoreBackend CreateBackend() => new PostgresBackend();
}
