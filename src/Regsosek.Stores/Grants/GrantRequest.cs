using Regsosek.Core;

namespace Regsosek.Stores.Grants;

/// <summary>
/// What the data owner's operator fills in to issue a grant: the signed agreement (PKS) in data form.
/// <see cref="GrantValidity"/> turns it into a validity period; <see cref="IGrantStore.IssueAsync"/> stores it.
/// </summary>
public sealed record GrantRequest
{
    /// <summary>The organisation: ministry, agency, or regional government (pemerintah daerah).</summary>
    public required string Organisation { get; init; }
    /// <summary>The unit (unit kerja / OPD) that uses the data.</summary>
    public required string Unit { get; init; }
    /// <summary>The access tier (1–4); a higher tier includes every lower one.</summary>
    public required Tier Tier { get; init; }
    /// <summary>National for central government; a province, regency/city or village for a regional government.</summary>
    public required RegionCode Region { get; init; }
    /// <summary>The purpose of use, as in the PKS.</summary>
    public required string Purpose { get; init; }
    /// <summary>When the PKS was signed; the grant is valid from then. Defaults to now.</summary>
    public DateTimeOffset? SignedAt { get; init; }
    /// <summary>
    /// A regional government that has not yet established its Satu Data forum (circular, Forum Satu Data
    /// requirement): access for six months only, extendable once the forum exists.
    /// </summary>
    public bool WithoutSatuDataForum { get; init; }
    /// <summary>An earlier end than the rules allow, when the agreement says so; never later.</summary>
    public DateTimeOffset? ValidUntil { get; init; }
    /// <summary>An operator of the data owner (Bappenas): may call the admin API.</summary>
    public bool IsOperator { get; init; }
}

/// <summary>A newly issued grant and its token. The token is shown this once; the store keeps only its hash.</summary>
/// <param name="Grant">The stored grant.</param>
/// <param name="Token">The bearer token, "rgs_" followed by 43 base64url characters.</param>
public sealed record IssuedGrant(Grant Grant, string Token)
{
    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"IssuedGrant {{ Grant = {Grant.Id}, Token = rgs_… }}";
}

/// <summary>A grant as stored, with what the store keeps beside the <see cref="Grant"/> itself.</summary>
public sealed record GrantRecord
{
    /// <summary>The grant itself.</summary>
    public required Grant Grant { get; init; }
    /// <summary>Issued under the six-month rule for a regional government without a Satu Data forum.</summary>
    public bool WithoutSatuDataForum { get; init; }
    /// <summary>Why the data owner closed the grant, when it did.</summary>
    public string? RevocationReason { get; init; }
    /// <summary>When the grant was written to the store.</summary>
    public required DateTimeOffset IssuedAt { get; init; }
    /// <summary>When <see cref="Grant.ValidUntil"/> was last extended, if ever.</summary>
    public DateTimeOffset? ExtendedAt { get; init; }
}

/// <summary>Which grants <see cref="IGrantStore.ListAsync"/> returns. All criteria combine with AND.</summary>
public sealed record GrantFilter
{
    /// <summary>Only grants active at <see cref="At"/> (not revoked, inside their validity).</summary>
    public bool ActiveOnly { get; init; }
    /// <summary>The instant for <see cref="ActiveOnly"/>; defaults to the store's current time.</summary>
    public DateTimeOffset? At { get; init; }
    /// <summary>Exact organisation name.</summary>
    public string? Organisation { get; init; }
    /// <summary>Grants whose region lies inside this region (national: all).</summary>
    public RegionCode? Region { get; init; }
    /// <summary>Only operators (true) or only non-operators (false).</summary>
    public bool? IsOperator { get; init; }

    /// <summary>Every grant.</summary>
    public static GrantFilter All { get; } = new();
}
