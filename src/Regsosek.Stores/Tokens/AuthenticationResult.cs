using Regsosek.Core;

namespace Regsosek.Stores.Tokens;

/// <summary>Who the caller is, as far as the authorization header says.</summary>
public enum AuthOutcome
{
    /// <summary>No authorization header: the public, tier 1.</summary>
    Public,
    /// <summary>A valid token of an active grant.</summary>
    Authenticated,
    /// <summary>A header was sent but does not authenticate; see <see cref="AuthFailure"/>.</summary>
    Failed,
}

/// <summary>Which kind of token the caller sent.</summary>
public enum TokenKind
{
    /// <summary>An opaque "rgs_…" token issued by the grant store.</summary>
    Opaque,
    /// <summary>A signed JWT naming a grant.</summary>
    Jwt,
}

/// <summary>
/// Why a header did not authenticate. The first group maps to UNAUTHENTICATED (the credential itself is
/// bad); <see cref="GrantNotYetValid"/>, <see cref="GrantExpired"/> and <see cref="GrantRevoked"/> map to
/// PERMISSION_DENIED (a genuine credential whose grant does not allow use now).
/// </summary>
public enum AuthFailure
{
    /// <summary>The header is not "Bearer &lt;token&gt;" (empty, another scheme, extra parts, too long).</summary>
    MalformedHeader,
    /// <summary>The token is neither a complete rgs_ token nor a JWT.</summary>
    MalformedToken,
    /// <summary>A well-formed rgs_ token that no grant has.</summary>
    UnknownToken,
    /// <summary>A JWT was sent but this server accepts no JWTs.</summary>
    JwtNotAccepted,
    /// <summary>A JWT with a bad signature, issuer, audience, algorithm or claims.</summary>
    InvalidJwt,
    /// <summary>A JWT outside its own lifetime (exp / nbf).</summary>
    JwtExpired,
    /// <summary>A valid JWT naming a grant that does not exist.</summary>
    UnknownGrant,
    /// <summary>The grant starts later.</summary>
    GrantNotYetValid,
    /// <summary>The grant's validity has ended.</summary>
    GrantExpired,
    /// <summary>The data owner closed the grant.</summary>
    GrantRevoked,
}

/// <summary>The result of <see cref="TokenAuthenticator.AuthenticateAsync"/>.</summary>
public sealed record AuthenticationResult
{
    /// <summary>Public, authenticated, or failed.</summary>
    public required AuthOutcome Outcome { get; init; }
    /// <summary>The caller's grant when authenticated; also set for grant-state failures (for the audit record).</summary>
    public Grant? Grant { get; init; }
    /// <summary>Why authentication failed; null unless <see cref="Outcome"/> is <see cref="AuthOutcome.Failed"/>.</summary>
    public AuthFailure? Failure { get; init; }
    /// <summary>A user-facing explanation of the failure (never contains the token).</summary>
    public string? Message { get; init; }
    /// <summary>The kind of token sent, when one was recognised.</summary>
    public TokenKind? TokenKind { get; init; }

    /// <summary>True for failures that are PERMISSION_DENIED rather than UNAUTHENTICATED.</summary>
    public bool IsPermissionDenied => Failure is AuthFailure.GrantNotYetValid or AuthFailure.GrantExpired or AuthFailure.GrantRevoked;

    /// <summary>True when the caller holds an active operator grant (may call the admin API).</summary>
    public bool IsOperator => Outcome == AuthOutcome.Authenticated && Grant is { IsOperator: true };

    /// <summary>The tier the caller may use: the grant's, or tier 1 for the public.</summary>
    public Tier? EffectiveTier => Outcome switch
    {
        AuthOutcome.Public => Tier.Public,
        AuthOutcome.Authenticated => Grant!.Tier,
        _ => null,
    };

    internal static AuthenticationResult PublicCaller { get; } = new() { Outcome = AuthOutcome.Public };

    internal static AuthenticationResult Fail(AuthFailure failure, string message, TokenKind? kind = null, Grant? grant = null) =>
        new() { Outcome = AuthOutcome.Failed, Failure = failure, Message = message, TokenKind = kind, Grant = grant };
}
