namespace Regsosek.Core.Policy;

/// <summary>
/// The access policy of DESIGN.md as pure functions: tier × region level × administrative scope, plus each
/// indicator's own minimum tier and lowest region level, and (issue 11) each dimension's and numeric's minimum tier.
/// Checks run in a fixed order (grant validity, scope, breakdown shape, tier-1 limits, dimension and variable tiers,
/// indicator limits) and the first failing rule is reported. An allowed aggregate carries the tier whose disclosure
/// rules apply (<see cref="Allowed.DisclosureTier"/>).
/// </summary>
public static class AccessPolicy
{
    /// <summary>Decides an aggregate request at time <paramref name="now"/>.</summary>
    /// <returns><see cref="Allowed"/> with the effective region (the grant's region when
    /// <see cref="AggregateAccessRequest.WholeScope"/> is set) and the caller's tier, or <see cref="Denied"/>.</returns>
    public static AccessDecision DecideAggregate(AggregateAccessRequest r, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(r);
        var caller = r.Caller ?? Caller.Public;
        if (CheckGrant(caller, now) is { } inactive) return inactive;

        var tier = caller.Tier;
        var scope = caller.Scope;
        var region = r.WholeScope ? scope : r.Region;

        if (CheckInScope(region, scope, "region") is { } outside) return outside;
        foreach (var filter in r.RegionFilters ?? [])
            if (CheckInScope(filter, scope, "region filter") is { } f) return f;

        if (r.Breakdown is { } breakdown)
        {
            if (breakdown < scope.Level)
                return new Denied(AccessRules.ScopeOutsideGrant,
                    $"a breakdown by {Name(breakdown)} reaches outside your scope ({Describe(scope)}); " +
                    $"break down by {Name(Finer(scope.Level))} or below, or ask for region {scope} with \"my whole scope\"");
            if (breakdown <= region.Level)
                return new Denied(AccessRules.BreakdownLevel, region.Level == RegionLevel.Village
                    ? $"village {region} has no smaller regions to break down into; leave the breakdown out"
                    : $"a breakdown must be finer than the region: {Describe(region)} is at {Name(region.Level)} level, " +
                      $"so break down by {Name(Finer(region.Level))} or below, or leave the breakdown out");
        }

        if (tier == Tier.Public)
        {
            if (region.Level > RegionLevel.Province)
                return Tier1Level($"region {region} is a {Name(region.Level)}");
            if (r.Breakdown is { } b && b > RegionLevel.Province)
                return Tier1Level($"a breakdown by {Name(b)} goes below province");
            foreach (var filter in r.RegionFilters ?? [])
                if (filter.Level > RegionLevel.Province)
                    return Tier1Level($"the region filter {filter} is a {Name(filter.Level)}");
            var closed = (r.Indicators ?? []).Where(i => !i.Open).Select(i => i.Id).ToList();
            if (closed.Count > 0)
                return new Denied(AccessRules.Tier1OpenIndicatorsOnly,
                    $"the public (tier 1) may see open indicators only; {string.Join(", ", closed)} " +
                    $"{(closed.Count == 1 ? "is" : "are")} not open: remove {(closed.Count == 1 ? "it" : "them")} or use a tier-2 grant");
        }

        foreach (var dimension in r.DimensionTiers ?? [])
            if (!tier.Includes(dimension.MinTier))
                return new Denied(AccessRules.TierDimension,
                    $"{(dimension.Use == DimensionUse.GroupBy ? "a breakdown" : "a filter")} by dimension {dimension.Id} needs tier " +
                    $"{(int)dimension.MinTier} or above; your access is tier {(int)tier}: " +
                    $"remove {(dimension.Use == DimensionUse.GroupBy ? "it from group_by" : "the filter")} or apply for a tier-{(int)dimension.MinTier} grant");
        foreach (var variable in r.Variables ?? [])
            if (!tier.Includes(variable.MinTier))
                return new Denied(AccessRules.TierVariable,
                    $"statistics of variable {variable.Id} need tier {(int)variable.MinTier} or above; your access is tier {(int)tier}: " +
                    $"remove them or apply for a tier-{(int)variable.MinTier} grant");

        var finest = Finest(region, r.Breakdown, r.RegionFilters);
        foreach (var indicator in r.Indicators ?? [])
        {
            if (!tier.Includes(indicator.MinTier))
                return new Denied(AccessRules.TierInsufficient,
                    $"indicator {indicator.Id} needs tier {(int)indicator.MinTier} or above; your access is tier {(int)tier}: " +
                    $"remove it or apply for a tier-{(int)indicator.MinTier} grant");
            if (finest > indicator.LowestLevel)
                return new Denied(AccessRules.IndicatorRegionLevel,
                    $"indicator {indicator.Id} may be shown down to {Name(indicator.LowestLevel)} level only, and this request " +
                    $"reaches {Name(finest)} level: ask for {Name(indicator.LowestLevel)} level or above");
        }

        return new Allowed(region, tier) { DisclosureTier = DisclosureTierFor(tier, finest) };
    }

    /// <summary>
    /// The tier whose disclosure rules an aggregate gets (issue 11, class 5). Tier-3 grantees hold extracts whose
    /// geography stops at regency/city; exact aggregates below that level (district, village) let them match
    /// extract records to cells of a few records and so place them in a village. Such aggregates get the tier-2
    /// rules (threshold, suppression, perturbation); only tier 4, which sees village and address anyway, gets exact
    /// figures below regency/city. At regency/city level and above the extract itself already holds every record
    /// with that geography, so exact aggregates there reveal nothing the extract does not.
    /// </summary>
    public static Tier DisclosureTierFor(Tier callerTier, RegionLevel finestLevel) =>
        callerTier == Tier.Microdata && finestLevel > RegionLevel.Regency ? Tier.Disaggregated : callerTier;

    /// <summary>
    /// Decides a record-level extract (microdata or BNBA) at time <paramref name="now"/>: tier 3 or above is
    /// required; identity variables need tier 4; tier 3 records carry geography down to regency/city at most
    /// (and the extracted region is at most a regency/city), tier 4 down to village; the region lies within scope.
    /// </summary>
    public static AccessDecision DecideExtract(ExtractAccessRequest r, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(r);
        var caller = r.Caller ?? Caller.Public;
        if (CheckGrant(caller, now) is { } inactive) return inactive;
        var tier = caller.Tier;
        if (!tier.Includes(Tier.Microdata))
            return new Denied(AccessRules.TierInsufficient,
                $"record-level extracts need a tier-3 (microdata) or tier-4 (BNBA) grant; your access is tier {(int)tier}: " +
                "ask for aggregates instead, or apply for a tier-3 grant");
        if (r.Identity && !tier.Includes(Tier.Bnba))
            return new Denied(AccessRules.ExtractIdentity,
                "identity variables (name, NIK, KK, address) are by-name-by-address data and need a tier-4 grant; " +
                "leave them out for a tier-3 microdata extract");

        var region = r.WholeScope ? caller.Scope : r.Region;
        if (CheckInScope(region, caller.Scope, "region") is { } outside) return outside;

        var lowest = LowestExtractGeography(tier);
        if (r.Geography > lowest)
            return new Denied(AccessRules.ExtractGeography,
                $"tier-{(int)tier} records carry geography down to {Name(lowest)} level only; ask for {Name(lowest)} geography or coarser");
        if (region.Level > lowest)
            return new Denied(AccessRules.ExtractGeography,
                $"tier-{(int)tier} extracts cover a {Name(lowest)} or larger region; region {region} is a {Name(region.Level)}: " +
                $"ask for {region.AncestorAt(lowest)} instead");
        if (r.VariableTier is { } needed && !tier.Includes(needed))
            return new Denied(AccessRules.TierInsufficient,
                $"the extract touches a variable that needs tier {(int)needed}; your access is tier {(int)tier}: leave it out");
        if (r.FiltersOnRecordIds && !tier.Includes(Tier.Bnba))
            return new Denied(AccessRules.ExtractIdentity,
                "person_id and family_id are replaced by pseudonyms in tier-3 extracts, so they cannot be filtered on " +
                "(that would reveal whose pseudonym is whose); filter on other variables");
        return new Allowed(region, tier);
    }

    /// <summary>
    /// The lowest tier whose extracts may carry a variable: tier 3 (an extract at all) or the variable's own
    /// min_tier when higher, and tier 4 for an identity variable or geography below what tier 3 carries (regency).
    /// <see cref="DecideExtract"/> refuses exactly the variables above the caller's tier by this rule; the catalogue
    /// lists it per column and the planner's "all columns" keeps the columns it allows.
    /// </summary>
    /// <param name="identity">The variable is an identity variable (BNBA).</param>
    /// <param name="geography">The region level the variable codes, or null when it is not a region code.</param>
    /// <param name="minTier">The variable's min_tier in the data dictionary.</param>
    public static Tier ExtractColumnTier(bool identity, RegionLevel? geography, Tier minTier)
    {
        if (identity || geography > LowestExtractGeography(Tier.Microdata)) return Tier.Bnba;
        return minTier > Tier.Microdata ? minTier : Tier.Microdata;
    }

    /// <summary>The finest geography extracts of <paramref name="tier"/> carry: villages at tier 4, regencies at tier 3.</summary>
    private static RegionLevel LowestExtractGeography(Tier tier) => tier.Includes(Tier.Bnba) ? RegionLevel.Village : RegionLevel.Regency;

    private static Denied? CheckGrant(Caller caller, DateTimeOffset now)
    {
        if (caller.Grant is not { } g) return null;
        return g.StateAt(now) switch
        {
            GrantState.Active => null,
            GrantState.Revoked => new Denied(AccessRules.GrantRevoked,
                $"grant {g.Id} was revoked by the data owner on {g.RevokedAt:yyyy-MM-dd}; contact the data owner (Bappenas) for a new grant"),
            GrantState.NotYetValid => new Denied(AccessRules.GrantNotYetValid,
                $"grant {g.Id} is valid from {g.ValidFrom:yyyy-MM-dd}; try again then"),
            _ => new Denied(AccessRules.GrantExpired,
                $"grant {g.Id} expired on {g.ValidUntil:yyyy-MM-dd}; apply to the data owner (Bappenas) to renew it"),
        };
    }

    private static Denied? CheckInScope(RegionCode region, RegionCode scope, string what) =>
        scope.Contains(region)
            ? null
            : new Denied(AccessRules.ScopeOutsideGrant,
                $"{what} {region} is outside your scope ({Describe(scope)}); ask for {ScopeHint(scope)}, or set \"my whole scope\"");

    private static Denied Tier1Level(string what) =>
        new(AccessRules.Tier1RegionLevel,
            $"the public (tier 1) sees national and province figures only, and {what}: ask for national or a province " +
            "(e.g. 32) with at most a province breakdown, or use a tier-2 grant for regency/city level and below");

    /// <summary>The finest region level the request touches.</summary>
    private static RegionLevel Finest(RegionCode region, RegionLevel? breakdown, IReadOnlyList<RegionCode>? filters)
    {
        var finest = region.Level;
        if (breakdown is { } b && b > finest) finest = b;
        foreach (var f in filters ?? [])
            if (f.Level > finest) finest = f.Level;
        return finest;
    }

    private static RegionLevel Finer(RegionLevel level) => level == RegionLevel.Village ? level : level + 1;

    private static string Describe(RegionCode scope) =>
        scope.Level == RegionLevel.National ? "national" : $"{Name(scope.Level)} {scope}";

    private static string ScopeHint(RegionCode scope) =>
        scope.Level == RegionLevel.National ? "any region" : $"{Name(scope.Level)} {scope} or below";

    private static string Name(RegionLevel level) => level switch
    {
        RegionLevel.National => "national",
        RegionLevel.Province => "province",
        RegionLevel.Regency => "regency/city",
        RegionLevel.District => "district",
        _ => "village",
    };
}
