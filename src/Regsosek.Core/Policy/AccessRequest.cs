namespace Regsosek.Core.Policy;

/// <summary>What the policy needs to know about an indicator (from the catalogue).</summary>
/// <param name="Id">Catalogue id.</param>
/// <param name="Open">True when the data owner lists it as open (tier 1).</param>
/// <param name="MinTier">The lowest tier that may see it.</param>
/// <param name="LowestLevel">The lowest region level it may be shown at (region and breakdown).</param>
public sealed record IndicatorAccess(string Id, bool Open, Tier MinTier, RegionLevel LowestLevel);

/// <summary>An aggregate request as the access policy sees it.</summary>
/// <param name="Caller">Who is asking.</param>
/// <param name="Region">The requested region (ignored when <paramref name="WholeScope"/> is true).</param>
/// <param name="Breakdown">The region level the table breaks the region down to, if any.</param>
/// <param name="Indicators">The indicators asked for.</param>
/// <param name="RegionFilters">Regions the request filters on (each must lie inside the scope).</param>
/// <param name="Dimensions">The non-region group-by dimensions (catalogue ids).</param>
/// <param name="WholeScope">"My whole scope": the effective region becomes the grant's region.</param>
/// <param name="DimensionTiers">Every catalogue dimension the request groups by or filters on (DesilDistribution: the
/// desil dimension included), with its minimum tier from dimensions.yaml (issue 11, class 1). The region dimension
/// may be left out (its limits are the region rules). Null is treated as empty.</param>
/// <param name="Variables">Every catalogue numeric a measure summarises (mean, sum, percentiles, min, max), with its
/// minimum tier (issue 11, class 1). Null is treated as empty.</param>
public sealed record AggregateAccessRequest(
    Caller Caller,
    RegionCode Region,
    RegionLevel? Breakdown,
    IReadOnlyList<IndicatorAccess> Indicators,
    IReadOnlyList<RegionCode> RegionFilters,
    IReadOnlyList<string> Dimensions,
    bool WholeScope,
    IReadOnlyList<DimensionAccess>? DimensionTiers = null,
    IReadOnlyList<VariableAccess>? Variables = null);

/// <summary>How a request uses a dimension (for the message naming it).</summary>
public enum DimensionUse
{
    /// <summary>The table is grouped (broken down) by it.</summary>
    GroupBy,
    /// <summary>The request filters records on it.</summary>
    Filter,
}

/// <summary>What the policy needs to know about a dimension a request uses (issue 11, class 1).</summary>
/// <param name="Id">Catalogue id ("disability", "desil").</param>
/// <param name="MinTier">The lowest tier that may group by or filter on it (dimensions.yaml min_tier).</param>
/// <param name="Use">Group-by or filter.</param>
public sealed record DimensionAccess(string Id, Tier MinTier, DimensionUse Use);

/// <summary>What the policy needs to know about a numeric variable a measure summarises (issue 11, class 1).</summary>
/// <param name="Id">Catalogue id of the numeric ("floor_area", "hours_worked").</param>
/// <param name="MinTier">The lowest tier that may see statistics of it (its min_tier in indicators.yaml).</param>
public sealed record VariableAccess(string Id, Tier MinTier);

/// <summary>A record-level extract request (tier 3 microdata or tier 4 BNBA) as the access policy sees it.</summary>
/// <param name="Caller">Who is asking.</param>
/// <param name="Region">The region to extract (ignored when <paramref name="WholeScope"/> is true).</param>
/// <param name="Geography">The finest region level the extract's records carry.</param>
/// <param name="Identity">True when identity variables (BNBA) are asked for.</param>
/// <param name="WholeScope">"My whole scope": the effective region becomes the grant's region.</param>
/// <param name="VariableTier">The highest min_tier of the variables the extract touches (columns and filters), or null.</param>
/// <param name="FiltersOnRecordIds">True when it filters on person_id or family_id, which tier-3 extracts pseudonymise.</param>
public sealed record ExtractAccessRequest(
    Caller Caller,
    RegionCode Region,
    RegionLevel Geography,
    bool Identity,
    bool WholeScope,
    Tier? VariableTier = null,
    bool FiltersOnRecordIds = false);
