using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Regsosek.Core;
using Regsosek.Stores.Grants;

namespace Regsosek.Stores.Tokens;

/// <summary>
/// Turns the raw value of the gRPC "authorization" header into a caller: no header is the public
/// (tier 1); "Bearer rgs_…" or "Bearer &lt;JWT&gt;" is the grant it names, if that grant is active now.
/// Every call reads the grant from the store (no cache), so revocation and expiry take effect on the
/// very next call. Storage failures propagate as <see cref="Storage.StoreUnavailableException"/>.
/// </summary>
public sealed class TokenAuthenticator
{
    /// <summary>Longest header accepted, in characters.</summary>
    public const int MaxHeaderLength = 8192;

    /// <summary>The claim that names the grant in a JWT (falls back to "jti").</summary>
    public const string GrantIdClaim = "grant_id";

    private readonly IGrantStore _store;
    private readonly TimeProvider _time;
    private readonly JwtValidationOptions? _jwt;
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = MaxHeaderLength };
    private readonly TokenValidationParameters? _parameters;

    /// <summary>Creates an authenticator over <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">The JWT options are incomplete or weak.</exception>
    public TokenAuthenticator(IGrantStore store, TokenAuthenticatorOptions? options = null, TimeProvider? time = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? TimeProvider.System;
        _jwt = options?.Jwt;
        if (_jwt is null) return;
        _jwt.Validate();
        var keys = new List<SecurityKey>();
        var algorithms = new List<string>();
        if (_jwt.HmacKey is { } hmac)
        {
            keys.Add(new SymmetricSecurityKey(hmac));
            algorithms.Add(SecurityAlgorithms.HmacSha256);
        }
        if (_jwt.RsaPublicKeys.Count > 0)
        {
            keys.AddRange(_jwt.RsaPublicKeys);
            algorithms.Add(SecurityAlgorithms.RsaSha256);
        }
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = _jwt.Issuer,
            ValidAudience = _jwt.Audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = algorithms,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            TryAllIssuerSigningKeys = true,
            ClockSkew = _jwt.ClockSkew,
            // Lifetime against our clock (TimeProvider), so tests and the grant check share one notion of now.
            LifetimeValidator = ValidateLifetime,
        };
    }

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters p)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null) throw new SecurityTokenNoExpirationException("the JWT has no exp claim");
        if (notBefore is { } nbf && now + p.ClockSkew < nbf)
            throw new SecurityTokenNotYetValidException("the JWT is not valid yet") { NotBefore = nbf };
        if (now - p.ClockSkew >= expires.Value)
            throw new SecurityTokenExpiredException("the JWT has expired") { Expires = expires.Value };
        return true;
    }

    /// <summary>Authenticates the raw "authorization" header value (null when the header is absent).</summary>
    public async Task<AuthenticationResult> AuthenticateAsync(string? authorizationHeader, CancellationToken ct = default)
    {
        if (authorizationHeader is null) return AuthenticationResult.PublicCaller;
        if (authorizationHeader.Length > MaxHeaderLength)
            return AuthenticationResult.Fail(AuthFailure.MalformedHeader, $"the authorization header is longer than {MaxHeaderLength} characters");
        var header = authorizationHeader.Trim();
        if (header.Length == 0)
            return AuthenticationResult.Fail(AuthFailure.MalformedHeader, "the authorization header is empty: send 'Bearer <token>', or no header for public access");
        int space = header.IndexOf(' ');
        if (space < 0 || !header[..space].Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var scheme = space < 0 ? "" : header[..space];
            return AuthenticationResult.Fail(AuthFailure.MalformedHeader, space < 0
                ? "the authorization header must be 'Bearer <token>'"
                : $"the authorization scheme '{Clip(scheme)}' is not supported: send 'Bearer <token>'");
        }
        var token = header[(space + 1)..].Trim();
        if (token.Length == 0 || token.Any(char.IsWhiteSpace))
            return AuthenticationResult.Fail(AuthFailure.MalformedHeader, "the authorization header must be 'Bearer <token>' with exactly one token");

        if (token.StartsWith(AccessTokens.Prefix, StringComparison.Ordinal))
            return await OpaqueAsync(token, ct).ConfigureAwait(false);
        if (token.Count(c => c == '.') == 2)
            return await JwtAsync(token, ct).ConfigureAwait(false);
        return AuthenticationResult.Fail(AuthFailure.MalformedToken, $"the token is neither a Regsosek token ({AccessTokens.Prefix}…) nor a JWT");
    }

    private async Task<AuthenticationResult> OpaqueAsync(string token, CancellationToken ct)
    {
        if (!AccessTokens.IsWellFormed(token))
            return AuthenticationResult.Fail(AuthFailure.MalformedToken,
                $"the token is not a complete {AccessTokens.Prefix} token ({AccessTokens.TokenLength} characters: {AccessTokens.Prefix} and 43 base64url characters); copy it whole", TokenKind.Opaque);
        var grant = await _store.FindByTokenAsync(token, ct).ConfigureAwait(false);
        if (grant is null)
            return AuthenticationResult.Fail(AuthFailure.UnknownToken, "the token is not known: it may be mistyped, or replaced by a newer one", TokenKind.Opaque);
        return CheckGrant(grant, TokenKind.Opaque);
    }

    private async Task<AuthenticationResult> JwtAsync(string token, CancellationToken ct)
    {
        if (_parameters is null)
            return AuthenticationResult.Fail(AuthFailure.JwtNotAccepted, $"this server accepts no JWTs; use a {AccessTokens.Prefix} token", TokenKind.Jwt);
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT could not be read: " + ex.GetType().Name, TokenKind.Jwt);
        }
        if (!result.IsValid)
            return Describe(result.Exception);
        var jwt = (JsonWebToken)result.SecurityToken;
        string? grantId = jwt.TryGetPayloadValue<string>(GrantIdClaim, out var g) ? g : null;
        if (string.IsNullOrEmpty(grantId)) grantId = string.IsNullOrEmpty(jwt.Id) ? null : jwt.Id;
        if (grantId is null)
            return AuthenticationResult.Fail(AuthFailure.InvalidJwt, $"the JWT names no grant: it needs a '{GrantIdClaim}' (or 'jti') claim", TokenKind.Jwt);
        ct.ThrowIfCancellationRequested();
        var record = await _store.GetAsync(grantId, ct).ConfigureAwait(false);
        if (record is null)
            return AuthenticationResult.Fail(AuthFailure.UnknownGrant, $"the JWT names grant '{Clip(grantId)}', which does not exist", TokenKind.Jwt);
        return CheckGrant(record.Grant, TokenKind.Jwt);
    }

    private static AuthenticationResult Describe(Exception? ex) => ex switch
    {
        SecurityTokenExpiredException e => AuthenticationResult.Fail(AuthFailure.JwtExpired, $"the JWT expired at {GrantValidity.Show(new DateTimeOffset(e.Expires, TimeSpan.Zero))}; get a new one", TokenKind.Jwt),
        SecurityTokenNotYetValidException e => AuthenticationResult.Fail(AuthFailure.JwtExpired, $"the JWT is not valid before {GrantValidity.Show(new DateTimeOffset(e.NotBefore, TimeSpan.Zero))}", TokenKind.Jwt),
        SecurityTokenNoExpirationException => AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT has no expiry (exp claim); tokens without one are refused", TokenKind.Jwt),
        SecurityTokenInvalidIssuerException => AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT's issuer (iss) is not the one this server trusts", TokenKind.Jwt),
        SecurityTokenInvalidAudienceException => AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT's audience (aud) is not this server", TokenKind.Jwt),
        SecurityTokenInvalidAlgorithmException => AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT's signing algorithm is not accepted (HS256 or RS256 with a configured key)", TokenKind.Jwt),
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT's signature does not verify with any key this server trusts", TokenKind.Jwt),
        SecurityTokenMalformedException => AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT is malformed", TokenKind.Jwt),
        _ => AuthenticationResult.Fail(AuthFailure.InvalidJwt, "the JWT is not valid" + (ex is null ? "" : $" ({ex.GetType().Name})"), TokenKind.Jwt),
    };

    private AuthenticationResult CheckGrant(Grant grant, TokenKind kind)
    {
        return grant.StateAt(_time.GetUtcNow()) switch
        {
            GrantState.Active => new AuthenticationResult { Outcome = AuthOutcome.Authenticated, Grant = grant, TokenKind = kind },
            GrantState.Revoked => AuthenticationResult.Fail(AuthFailure.GrantRevoked,
                $"grant {grant.Id} was closed by the data owner at {GrantValidity.Show(grant.RevokedAt!.Value)}", kind, grant),
            GrantState.NotYetValid => AuthenticationResult.Fail(AuthFailure.GrantNotYetValid,
                $"grant {grant.Id} is valid from {GrantValidity.Show(grant.ValidFrom)}", kind, grant),
            _ => AuthenticationResult.Fail(AuthFailure.GrantExpired,
                $"grant {grant.Id} expired at {GrantValidity.Show(grant.ValidUntil)}; ask the data owner to extend it", kind, grant),
        };
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
