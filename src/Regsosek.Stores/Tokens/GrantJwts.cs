using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Regsosek.Core;

namespace Regsosek.Stores.Tokens;

/// <summary>How JWTs for grants are signed: HS256 with <see cref="HmacKey"/>, or RS256 with <see cref="RsaPrivateKey"/>.</summary>
public sealed record JwtSigningOptions
{
    /// <summary>The "iss" to write.</summary>
    public required string Issuer { get; init; }
    /// <summary>The "aud" to write.</summary>
    public required string Audience { get; init; }
    /// <summary>HS256 key (at least 32 bytes).</summary>
    public byte[]? HmacKey { get; init; }
    /// <summary>RS256 private key (used when <see cref="HmacKey"/> is null).</summary>
    public RsaSecurityKey? RsaPrivateKey { get; init; }
}

/// <summary>Mints JWTs that name a grant, for clients that prefer signed tokens to opaque ones.</summary>
public static class GrantJwts
{
    /// <summary>
    /// A JWT for <paramref name="grant"/>: claims iss, aud, sub (the organisation), grant_id, a unique jti,
    /// iat/nbf = <paramref name="now"/>, exp = the earlier of now + <paramref name="lifetime"/> and the grant's end.
    /// The server still checks the grant in the store on every call, so revocation applies at once.
    /// </summary>
    public static string Create(Grant grant, JwtSigningOptions options, TimeSpan lifetime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(options);
        if (lifetime <= TimeSpan.Zero) throw new ArgumentException("the JWT lifetime must be positive", nameof(lifetime));
        SigningCredentials credentials = options switch
        {
            { HmacKey: { Length: >= 32 } k } => new SigningCredentials(new SymmetricSecurityKey(k), SecurityAlgorithms.HmacSha256),
            { HmacKey: { } } => throw new ArgumentException("the HS256 key must be at least 32 bytes", nameof(options)),
            { RsaPrivateKey: { } rsa } => new SigningCredentials(rsa, SecurityAlgorithms.RsaSha256),
            _ => throw new ArgumentException("give an HS256 key or an RSA private key to sign with", nameof(options)),
        };
        var exp = now + lifetime < grant.ValidUntil ? now + lifetime : grant.ValidUntil;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = exp.UtcDateTime,
            Subject = new ClaimsIdentity([new Claim("sub", grant.Organisation)]),
            Claims = new Dictionary<string, object>
            {
                [TokenAuthenticator.GrantIdClaim] = grant.Id,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = credentials,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
