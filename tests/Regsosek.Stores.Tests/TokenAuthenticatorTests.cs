using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Regsosek.Core;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Tests.Support;
using Regsosek.Stores.Tokens;

namespace Regsosek.Stores.Tests;

/// <summary>Header parsing and JWT checks (the store behind it is SQLite; both stores are covered by the contracts).</summary>
public sealed class TokenAuthenticatorTests : IAsyncLifetime
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly RSA Rsa = RSA.Create(2048);
    private readonly SqliteBackend _backend = new();
    private readonly ManualTimeProvider _time = new(GrantStoreContract.Start);
    private IGrantStore _store = null!;
    private TokenAuthenticator _auth = null!;
    private IssuedGrant _grant = null!;

    private static JwtValidationOptions JwtOptions => new()
    {
        Issuer = "https://regsosek.bappenas.go.id", Audience = "regsosek-data-service", HmacKey = Key,
        RsaPublicKeys = [new RsaSecurityKey(Rsa.ExportParameters(false)) { KeyId = "rsa-1" }],
    };

    private JwtSigningOptions Signing(byte[]? key = null, string? issuer = null, string? audience = null) => new()
    {
        Issuer = issuer ?? "https://regsosek.bappenas.go.id", Audience = audience ?? "regsosek-data-service", HmacKey = key ?? Key,
    };

    public async Task InitializeAsync()
    {
        _store = _backend.CreateGrantStore(_time);
        _auth = new TokenAuthenticator(_store, new TokenAuthenticatorOptions { Jwt = JwtOptions }, _time);
        _grant = await _store.IssueAsync(GrantStoreContract.Request());
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task No_header_is_the_public_at_tier_1()
    {
        var r = await _auth.AuthenticateAsync(null);
        Assert.Equal(AuthOutcome.Public, r.Outcome);
        Assert.Equal(Tier.Public, r.EffectiveTier);
        Assert.Null(r.Grant);
        Assert.False(r.IsOperator);
    }

    [Fact]
    public async Task A_valid_token_authenticates_as_its_grant_whatever_the_scheme_case()
    {
        foreach (var header in new[] { "Bearer " + _grant.Token, "bearer " + _grant.Token, "  BEARER   " + _grant.Token + " " })
        {
            var r = await _auth.AuthenticateAsync(header);
            Assert.Equal(AuthOutcome.Authenticated, r.Outcome);
            Assert.Equal(_grant.Grant, r.Grant);
            Assert.Equal(TokenKind.Opaque, r.TokenKind);
            Assert.Equal(Tier.Microdata, r.EffectiveTier);
            Assert.False(r.IsOperator);
        }
    }

    [Theory]
    [InlineData("", AuthFailure.MalformedHeader)]
    [InlineData("   ", AuthFailure.MalformedHeader)]
    [InlineData("Bearer", AuthFailure.MalformedHeader)]
    [InlineData("Bearer    ", AuthFailure.MalformedHeader)]
    [InlineData("Basic dXNlcjpwYXNz", AuthFailure.MalformedHeader)]
    [InlineData("Bearer a b", AuthFailure.MalformedHeader)]
    [InlineData("Bearer hello", AuthFailure.MalformedToken)]
    [InlineData("Bearer rgs_short", AuthFailure.MalformedToken)]
    [InlineData("Bearer rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", AuthFailure.UnknownToken)]
    [InlineData("Bearer a.b.c", AuthFailure.InvalidJwt)]
    public async Task Bad_headers_fail_with_distinct_unauthenticated_reasons(string header, AuthFailure expected)
    {
        var r = await _auth.AuthenticateAsync(header);
        Assert.Equal(AuthOutcome.Failed, r.Outcome);
        Assert.Equal(expected, r.Failure);
        Assert.False(r.IsPermissionDenied);
        Assert.Null(r.EffectiveTier);
        Assert.False(string.IsNullOrWhiteSpace(r.Message));
    }

    [Fact]
    public async Task An_oversized_header_is_refused_without_parsing()
    {
        var r = await _auth.AuthenticateAsync("Bearer " + new string('a', TokenAuthenticator.MaxHeaderLength));
        Assert.Equal(AuthFailure.MalformedHeader, r.Failure);
    }

    [Fact]
    public async Task Failure_messages_never_repeat_the_token()
    {
        var unknown = AccessTokens.Generate();
        var r = await _auth.AuthenticateAsync("Bearer " + unknown);
        Assert.Equal(AuthFailure.UnknownToken, r.Failure);
        Assert.DoesNotContain(unknown[4..], r.Message);
    }

    [Fact]
    public async Task Grant_state_failures_are_permission_denied_and_carry_the_grant()
    {
        var future = await _store.IssueAsync(GrantStoreContract.Request(signedAt: GrantStoreContract.Start.AddDays(5)));
        var r = await _auth.AuthenticateAsync("Bearer " + future.Token);
        Assert.Equal(AuthFailure.GrantNotYetValid, r.Failure);
        Assert.True(r.IsPermissionDenied);
        Assert.Equal(future.Grant.Id, r.Grant!.Id);

        _time.Set(_grant.Grant.ValidUntil.AddTicks(-10));
        Assert.Equal(AuthOutcome.Authenticated, (await _auth.AuthenticateAsync("Bearer " + _grant.Token)).Outcome);
        _time.Set(_grant.Grant.ValidUntil);
        var expired = await _auth.AuthenticateAsync("Bearer " + _grant.Token);
        Assert.Equal(AuthFailure.GrantExpired, expired.Failure);
        Assert.True(expired.IsPermissionDenied);
    }

    [Fact]
    public async Task An_operator_token_is_recognised_as_operator()
    {
        var op = await OperatorBootstrap.InitAsync(_store, "Direktorat Perlindungan dan Kesejahteraan Masyarakat");
        Assert.True((await _auth.AuthenticateAsync("Bearer " + op.Token)).IsOperator);
    }

    [Fact]
    public async Task An_HS256_JWT_naming_an_active_grant_authenticates()
    {
        var jwt = GrantJwts.Create(_grant.Grant, Signing(), TimeSpan.FromHours(1), _time.GetUtcNow());
        var r = await _auth.AuthenticateAsync("Bearer " + jwt);
        Assert.Equal(AuthOutcome.Authenticated, r.Outcome);
        Assert.Equal(TokenKind.Jwt, r.TokenKind);
        Assert.Equal(_grant.Grant, r.Grant);
    }

    [Fact]
    public async Task An_RS256_JWT_verifies_with_the_public_key_and_fails_with_another_key()
    {
        var good = GrantJwts.Create(_grant.Grant, new JwtSigningOptions
        {
            Issuer = JwtOptions.Issuer, Audience = JwtOptions.Audience, RsaPrivateKey = new RsaSecurityKey(Rsa) { KeyId = "rsa-1" },
        }, TimeSpan.FromHours(1), _time.GetUtcNow());
        using var other = RSA.Create(2048);
        var bad = GrantJwts.Create(_grant.Grant, new JwtSigningOptions
        {
            Issuer = JwtOptions.Issuer, Audience = JwtOptions.Audience, RsaPrivateKey = new RsaSecurityKey(other) { KeyId = "rsa-1" },
        }, TimeSpan.FromHours(1), _time.GetUtcNow());

        Assert.Equal(AuthOutcome.Authenticated, (await _auth.AuthenticateAsync("Bearer " + good)).Outcome);
        Assert.Equal(AuthFailure.InvalidJwt, (await _auth.AuthenticateAsync("Bearer " + bad)).Failure);
    }

    [Fact]
    public async Task JWTs_with_a_wrong_key_issuer_or_audience_are_invalid()
    {
        var now = _time.GetUtcNow();
        var wrongKey = GrantJwts.Create(_grant.Grant, Signing(key: RandomNumberGenerator.GetBytes(32)), TimeSpan.FromHours(1), now);
        var wrongIssuer = GrantJwts.Create(_grant.Grant, Signing(issuer: "https://evil.example"), TimeSpan.FromHours(1), now);
        var wrongAudience = GrantJwts.Create(_grant.Grant, Signing(audience: "another-service"), TimeSpan.FromHours(1), now);

        var a = await _auth.AuthenticateAsync("Bearer " + wrongKey);
        var b = await _auth.AuthenticateAsync("Bearer " + wrongIssuer);
        var c = await _auth.AuthenticateAsync("Bearer " + wrongAudience);
        Assert.Equal((AuthFailure.InvalidJwt, AuthFailure.InvalidJwt, AuthFailure.InvalidJwt), (a.Failure!.Value, b.Failure!.Value, c.Failure!.Value));
        Assert.Contains("signature", a.Message);
        Assert.Contains("issuer", b.Message);
        Assert.Contains("audience", c.Message);
    }

    [Fact]
    public async Task An_expired_JWT_fails_even_though_its_grant_is_active()
    {
        var jwt = GrantJwts.Create(_grant.Grant, Signing(), TimeSpan.FromMinutes(10), _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(11)); // beyond exp + 30 s skew
        var r = await _auth.AuthenticateAsync("Bearer " + jwt);
        Assert.Equal(AuthFailure.JwtExpired, r.Failure);
        Assert.False(r.IsPermissionDenied);
    }

    [Fact]
    public async Task A_JWT_never_outlives_its_grant()
    {
        var shortGrant = await _store.IssueAsync(GrantStoreContract.Request(withoutForum: true));
        var jwt = GrantJwts.Create(shortGrant.Grant, Signing(), TimeSpan.FromDays(3650), _time.GetUtcNow());
        var exp = new JsonWebToken(jwt).ValidTo;
        Assert.Equal(shortGrant.Grant.ValidUntil.UtcDateTime, exp, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_JWT_naming_no_stored_grant_or_no_grant_at_all_fails()
    {
        var ghost = _grant.Grant with { Id = "g_00000000000000000000000000" };
        var r = await _auth.AuthenticateAsync("Bearer " + GrantJwts.Create(ghost, Signing(), TimeSpan.FromHours(1), _time.GetUtcNow()));
        Assert.Equal(AuthFailure.UnknownGrant, r.Failure);

        var anonymous = Sign(new Dictionary<string, object> { ["sub"] = "x" }, expires: true);
        Assert.Equal(AuthFailure.InvalidJwt, (await _auth.AuthenticateAsync("Bearer " + anonymous)).Failure);
    }

    [Fact]
    public async Task A_JWT_may_name_its_grant_by_jti()
    {
        var jwt = Sign(new Dictionary<string, object> { ["jti"] = _grant.Grant.Id }, expires: true);
        var r = await _auth.AuthenticateAsync("Bearer " + jwt);
        Assert.Equal(AuthOutcome.Authenticated, r.Outcome);
        Assert.Equal(_grant.Grant.Id, r.Grant!.Id);
    }

    [Fact]
    public async Task A_JWT_without_expiry_is_refused()
    {
        var jwt = Sign(new Dictionary<string, object> { ["grant_id"] = _grant.Grant.Id }, expires: false);
        var r = await _auth.AuthenticateAsync("Bearer " + jwt);
        Assert.Equal(AuthFailure.InvalidJwt, r.Failure);
        Assert.Contains("exp", r.Message);
    }

    [Fact]
    public async Task An_unsigned_alg_none_JWT_is_refused()
    {
        static string B64(string s) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(s));
        var exp = _time.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        var token = B64("""{"alg":"none","typ":"JWT"}""") + "." +
                    B64($$"""{"iss":"https://regsosek.bappenas.go.id","aud":"regsosek-data-service","grant_id":"{{_grant.Grant.Id}}","exp":{{exp}}}""") + ".";
        var r = await _auth.AuthenticateAsync("Bearer " + token);
        Assert.Equal(AuthFailure.InvalidJwt, r.Failure);
    }

    [Fact]
    public async Task Without_JWT_settings_JWTs_are_not_accepted()
    {
        var plain = new TokenAuthenticator(_store, time: _time);
        var jwt = GrantJwts.Create(_grant.Grant, Signing(), TimeSpan.FromHours(1), _time.GetUtcNow());
        Assert.Equal(AuthFailure.JwtNotAccepted, (await plain.AuthenticateAsync("Bearer " + jwt)).Failure);
        Assert.Equal(AuthOutcome.Authenticated, (await plain.AuthenticateAsync("Bearer " + _grant.Token)).Outcome);
    }

    [Fact]
    public void A_weak_HS256_key_or_incomplete_settings_are_refused_at_start()
    {
        var weak = Assert.Throws<ArgumentException>(() => new TokenAuthenticator(_store, new() { Jwt = JwtOptions with { HmacKey = new byte[16] } }));
        Assert.Contains("256 bits", weak.Message);
        Assert.Throws<ArgumentException>(() => new TokenAuthenticator(_store, new() { Jwt = JwtOptions with { Audience = "" } }));
        Assert.Throws<ArgumentException>(() => new TokenAuthenticator(_store, new() { Jwt = JwtOptions with { HmacKey = null, RsaPublicKeys = [] } }));
    }

    private string Sign(Dictionary<string, object> claims, bool expires)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwtOptions.Issuer,
            Audience = JwtOptions.Audience,
            IssuedAt = now,
            Expires = expires ? now.AddHours(1) : null,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Key), SecurityAlgorithms.HmacSha256),
        });
    }
}
