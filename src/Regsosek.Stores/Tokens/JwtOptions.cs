using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Regsosek.Stores.Tokens;

/// <summary>
/// How signed JWTs are checked: HS256 with a shared key and/or RS256 with public keys; issuer,
/// audience and lifetime (exp required) always validated. The grant named by the token's
/// "grant_id" claim (or, without it, "jti") must exist and be active in the store.
/// </summary>
public sealed record JwtValidationOptions
{
    /// <summary>The required "iss".</summary>
    public required string Issuer { get; init; }
    /// <summary>The required "aud".</summary>
    public required string Audience { get; init; }
    /// <summary>The HS256 key, at least 32 bytes (256 bits); null to accept no HS256 tokens.</summary>
    public byte[]? HmacKey { get; init; }
    /// <summary>RSA public keys for RS256; empty to accept no RS256 tokens.</summary>
    public IReadOnlyList<RsaSecurityKey> RsaPublicKeys { get; init; } = [];
    /// <summary>Tolerance for clock differences on exp and nbf (default 30 s).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An RS256 public key from PEM text ("-----BEGIN PUBLIC KEY-----…").</summary>
    public static RsaSecurityKey RsaKeyFromPem(string pem, string? keyId = null)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa) { KeyId = keyId };
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Issuer)) throw new ArgumentException("JWT validation needs the issuer (iss) to require");
        if (string.IsNullOrWhiteSpace(Audience)) throw new ArgumentException("JWT validation needs the audience (aud) to require");
        if (HmacKey is null && RsaPublicKeys.Count == 0)
            throw new ArgumentException("JWT validation needs an HS256 key or at least one RS256 public key");
        if (HmacKey is { Length: < 32 })
            throw new ArgumentException($"the HS256 key is {HmacKey.Length * 8} bits; use at least 256 bits (32 random bytes)");
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
            throw new ArgumentException("the JWT clock skew must be between 0 and 5 minutes");
    }
}

/// <summary>Settings of <see cref="TokenAuthenticator"/>.</summary>
public sealed record TokenAuthenticatorOptions
{
    /// <summary>JWT checking; null to accept opaque rgs_ tokens only.</summary>
    public JwtValidationOptions? Jwt { get; init; }
}
