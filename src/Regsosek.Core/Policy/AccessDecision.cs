namespace Regsosek.Core.Policy;

/// <summary>The access policy's decision.</summary>
public abstract record AccessDecision;

/// <summary>The request may run, over <paramref name="EffectiveRegion"/>, for a caller of <paramref name="Tier"/>.</summary>
/// <remarks>The disclosure rules to apply are those of <see cref="DisclosureTier"/>, which may be lower than the
/// caller's tier (issue 11, class 5): pass it, not <see cref="Tier"/>, to <c>IDisclosureControl.Apply</c>.</remarks>
public sealed record Allowed(RegionCode EffectiveRegion, Tier Tier) : AccessDecision
{
    private readonly Tier? _disclosureTier;

    /// <summary>The tier whose disclosure-control rules the response gets: the caller's tier, except tier-3
    /// aggregates whose finest region level is below regency/city, which get the tier-2 rules
    /// (<see cref="AccessRules.ExactBelowExtractGeography"/>).</summary>
    public Tier DisclosureTier { get => _disclosureTier ?? Tier; init => _disclosureTier = value; }
}

/// <summary>The request is refused.</summary>
/// <param name="Rule">Stable machine id, one of <see cref="AccessRules"/>.</param>
/// <param name="Message">User-facing: what was refused and what to do instead.</param>
public sealed record Denied(string Rule, string Message) : AccessDecision;

/// <summary>Stable ids of the access rules, as they appear in <see cref="Denied.Rule"/> and error details.</summary>
public static class AccessRules
{
    /// <summary>The region, a region filter or the breakdown reaches outside the grant's region.</summary>
    public const string ScopeOutsideGrant = "scope.outside-grant";
    /// <summary>Tier 1 (the public) sees national and province figures only.</summary>
    public const string Tier1RegionLevel = "tier1.region-level";
    /// <summary>Tier 1 (the public) sees the open indicators only.</summary>
    public const string Tier1OpenIndicatorsOnly = "tier1.open-indicators-only";
    /// <summary>The indicator or the extract needs a higher tier than the caller's.</summary>
    public const string TierInsufficient = "tier.insufficient";
    /// <summary>The request reaches below the lowest region level the indicator may be shown at.</summary>
    public const string IndicatorRegionLevel = "indicator.region-level";
    /// <summary>The breakdown is not finer than the requested region.</summary>
    public const string BreakdownLevel = "request.breakdown-level";
    /// <summary>Tier-3 extracts carry geography down to regency/city only (tier 4: village).</summary>
    public const string ExtractGeography = "extract.geography";
    /// <summary>Identity variables (BNBA) need tier 4.</summary>
    public const string ExtractIdentity = "extract.identity";
    /// <summary>A group-by or filter dimension needs a higher tier than the caller's (issue 11, class 1).</summary>
    public const string TierDimension = "tier.dimension";
    /// <summary>A numeric variable a measure summarises needs a higher tier than the caller's (issue 11, class 1).</summary>
    public const string TierVariable = "tier.variable";
    /// <summary>Not a refusal: tier-3 aggregates below regency/city get the tier-2 disclosure rules, since tier-3
    /// extracts stop at regency/city and exact village figures would place their records (issue 11, class 5).
    /// Reported as the reason of <see cref="Allowed.DisclosureTier"/> being lower than the caller's tier.</summary>
    public const string ExactBelowExtractGeography = "tier.exact-below-extract-geography";
    /// <summary>The grant's validity ended.</summary>
    public const string GrantExpired = "grant.expired";
    /// <summary>The data owner closed the grant.</summary>
    public const string GrantRevoked = "grant.revoked";
    /// <summary>The grant's validity has not started.</summary>
    public const string GrantNotYetValid = "grant.not-yet-valid";
}
