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

    /// <summary>True when the grant may be used at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) =>
        RevokedAt is null && now >= ValidFrom && now < ValidUntil;
}
