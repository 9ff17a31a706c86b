namespace Regsosek.Core;

/// <summary>
/// An access grant (hak akses): who, at which tier, over which region, for what, and for how long
/// (circular §III, PKS art. 5, 6, 10). Tokens are not part of the grant; stores keep only their hashes.
/// </summary>
public sealed record Grant
{
    /// <summary>Stable identifier, e.g. "g_01J…"; appears in audit records and pseudonym keys.</summary>
    public required string Id { get; init; }
    /// <summary>The organisation: ministry, agency, or regional government.</summary>
    public required string Organisation { get; init; }
    /// <summary>The unit inside the organisation that uses the data.</summary>
    public required string Unit { get; init; }
    public required Tier Tier { get; init; }
    /// <summary>Administrative scope: national for central government, else the grantee's region.</summary>
    public required RegionCode Region { get; init; }
    public required string Purpose { get; init; }
    public required DateTimeOffset ValidFrom { get; init; }
    public required DateTimeOffset ValidUntil { get; init; }
    /// <summary>Set when the data owner closed the grant (PKS art. 6(1)c); takes effect at once.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>True when this grant is an operator of the data owner (may call AdminService).</summary>
    public bool IsOperator { get; init; }

    /// <summary>
    /// Whether the grant may be used at <paramref name="now"/>, and if not why: the one home of the validity rule
    /// (revoked at once; valid from <see cref="ValidFrom"/> inclusive to <see cref="ValidUntil"/> exclusive), which the
    /// token authenticator and the access policy both ask.
    /// </summary>
    public GrantState StateAt(DateTimeOffset now) =>
        RevokedAt is not null ? GrantState.Revoked
        : now < ValidFrom ? GrantState.NotYetValid
        : now >= ValidUntil ? GrantState.Expired
        : GrantState.Active;

    /// <summary>True when the grant may be used at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => StateAt(now) == GrantState.Active;
}

/// <summary>Whether a grant may be used at a given time (<see cref="Grant.StateAt"/>).</summary>
public enum GrantState
{
    /// <summary>Usable.</summary>
    Active,
    /// <summary>Closed by the data owner; revocation takes effect at once, whatever the dates.</summary>
    Revoked,
    /// <summary>Before its valid-from time.</summary>
    NotYetValid,
    /// <summary>At or after its valid-until time.</summary>
    Expired,
}
