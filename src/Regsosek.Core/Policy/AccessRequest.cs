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
public sealed record AggregateAccessRequest(
    Caller Caller,
    RegionCode Region,
    RegionLevel? Breakdown,
    IReadOnlyList<IndicatorAccess> Indicators,
    IReadOnlyList<RegionCode> RegionFilters,
    IReadOnlyList<string> Dimensions,
    bool WholeScope);

/// <summary>A record-level extract request (tier 3 microdata or tier 4 BNBA) as the access policy sees it.</summary>
/// <param name="Caller">Who is asking.</param>
/// <param name="Region">The region to extract (ignored when <paramref name="WholeScope"/> is true).</param>
/// <param name="Geography">The finest region level the extract's records carry.</param>
/// <param name="Identity">True when identity variables (BNBA) are asked for.</param>
/// <param name="WholeScope">"My whole scope": the effective region becomes the grant's region.</param>
public sealed record ExtractAccessRequest(
    Caller Caller,
    RegionCode Region,
    RegionLevel Geography,
    bool Identity,
    bool WholeScope);
