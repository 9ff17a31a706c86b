using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Policy;

namespace Regsosek.Core.Tests;

public class AccessPolicyTests
{
    private static readonly DateTimeOffset Now = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    internal static Grant MakeGrant(Tier tier, string region, DateTimeOffset? validFrom = null, DateTimeOffset? validUntil = null, DateTimeOffset? revoked = null) => new()
    {
        Id = "g_test",
        Organisation = "Bappeda Jawa Barat",
        Unit = "Bidang Sosial",
        Tier = tier,
        Region = RegionCode.Parse(region),
        Purpose = "test",
        ValidFrom = validFrom ?? Now.AddYears(-1),
        ValidUntil = validUntil ?? Now.AddYears(1),
        RevokedAt = revoked,
    };

    private static AggregateAccessRequest Request(Caller caller, string region, RegionLevel? breakdown = null, bool open = true,
        Tier minTier = Tier.Public, RegionLevel lowest = RegionLevel.Village, string[]? filters = null, bool wholeScope = false) =>
        new(caller, RegionCode.Parse(region), breakdown,
            [new IndicatorAccess("air_minum_layak", open, minTier, lowest)],
            (filters ?? []).Select(RegionCode.Parse).ToList(), [], wholeScope);

    // ---- The decision table: every tier × every region level × inside/outside scope × open/not open. ----
    // Scope is province 32 (Jawa Barat) for grants; the public has the national scope. Regions inside: national (only
    // inside a national scope), 32, 3201, 320101, 3201012001; outside: 33, 3301, 330101, 3301012001 and national for a
    // province grant. The expected outcome restates DESIGN.md: outside scope → scope.outside-grant; tier 1 below
    // province → tier1.region-level; tier 1 with a closed indicator → tier1.open-indicators-only; otherwise allowed.

    public static IEnumerable<object?[]> Table()
    {
        string[] levels = ["", "32", "3201", "320101", "3201012001"];
        string[] outside = ["", "33", "3301", "330101", "3301012001"];   // "" is outside a province scope
        foreach (int tier in new[] { 0, 1, 2, 3, 4 })     // 0 = the public, no grant
            for (int level = 0; level < 5; level++)
                foreach (bool inside in new[] { true, false })
                    foreach (bool open in new[] { true, false })
                    {
                        if (tier == 0 && !inside) continue;  // the public's scope is national: nothing is outside it
                        string region = inside ? levels[level] : outside[level];
                        if (inside && level == 0 && tier != 0) continue;   // national is not inside a province grant
                        yield return [tier, region, inside, open];
                    }
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Decision_table(int tier, string region, bool inside, bool open)
    {
        var caller = tier == 0 ? Caller.Public : new Caller(MakeGrant((Tier)tier, "32"));
        var level = RegionCode.Parse(region).Level;
        var decision = AccessPolicy.DecideAggregate(Request(caller, region, open: open), Now);

        string? expected =
            !inside ? AccessRules.ScopeOutsideGrant
            : tier <= 1 && level > RegionLevel.Province ? AccessRules.Tier1RegionLevel
            : tier <= 1 && !open ? AccessRules.Tier1OpenIndicatorsOnly
            : null;
        if (expected is null)
        {
            var allowed = Assert.IsType<Allowed>(decision);
            Assert.Equal(RegionCode.Parse(region), allowed.EffectiveRegion);
            Assert.Equal(tier == 0 ? Tier.Public : (Tier)tier, allowed.Tier);
        }
        else
        {
            var denied = Assert.IsType<Denied>(decision);
            Assert.Equal(expected, denied.Rule);
            Assert.False(string.IsNullOrWhiteSpace(denied.Message));
        }
    }

    [Theory]
    [InlineData(0, "32", RegionLevel.Regency, AccessRules.Tier1RegionLevel)]
    [InlineData(1, "", RegionLevel.Province, null)]
    [InlineData(1, "", RegionLevel.Regency, AccessRules.Tier1RegionLevel)]
    [InlineData(2, "32", RegionLevel.Village, null)]
    [InlineData(2, "32", RegionLevel.Province, AccessRules.BreakdownLevel)]  // a province cannot be broken down into provinces
    [InlineData(2, "3201", RegionLevel.District, null)]
    [InlineData(4, "320101", RegionLevel.Village, null)]
    public void Breakdown_levels(int tier, string region, RegionLevel breakdown, string? expected)
    {
        var caller = tier == 0 ? Caller.Public : new Caller(MakeGrant((Tier)tier, tier == 1 ? "" : "32"));
        var decision = AccessPolicy.DecideAggregate(Request(caller, region, breakdown), Now);
        if (expected is null) Assert.IsType<Allowed>(decision);
        else Assert.Equal(expected, Assert.IsType<Denied>(decision).Rule);
    }

    [Fact]
    public void Outside_scope_message_names_the_region_and_the_scope_and_what_to_do()
    {
        var caller = new Caller(MakeGrant(Tier.Disaggregated, "3201"));
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(Request(caller, "3273"), Now));
        Assert.Equal(AccessRules.ScopeOutsideGrant, denied.Rule);
        Assert.Contains("3273", denied.Message);
        Assert.Contains("3201", denied.Message);
        Assert.Contains("3201 or below", denied.Message);
    }

    [Fact]
    public void A_region_filter_outside_the_scope_is_denied_even_when_the_region_is_inside()
    {
        var caller = new Caller(MakeGrant(Tier.Disaggregated, "32"));
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(Request(caller, "32", filters: ["3201", "3301"]), Now));
        Assert.Equal(AccessRules.ScopeOutsideGrant, denied.Rule);
        Assert.Contains("3301", denied.Message);
    }

    [Fact]
    public void A_breakdown_coarser_than_the_scope_is_outside_it()
    {
        var caller = new Caller(MakeGrant(Tier.Disaggregated, "3201"));
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(Request(caller, "", RegionLevel.Province, wholeScope: false), Now));
        Assert.Equal(AccessRules.ScopeOutsideGrant, denied.Rule);
    }

    [Fact]
    public void Whole_scope_makes_the_grant_region_the_effective_region()
    {
        var caller = new Caller(MakeGrant(Tier.Disaggregated, "3201"));
        var allowed = Assert.IsType<Allowed>(AccessPolicy.DecideAggregate(Request(caller, "33", RegionLevel.District, wholeScope: true), Now));
        Assert.Equal(RegionCode.Parse("3201"), allowed.EffectiveRegion);
    }

    [Theory]
    [InlineData("2024-06-01", null, null, AccessRules.GrantNotYetValid)]
    [InlineData(null, "2024-02-01", null, AccessRules.GrantExpired)]
    [InlineData(null, null, "2024-02-15", AccessRules.GrantRevoked)]
    public void Inactive_grants_are_denied_with_their_rule(string? from, string? until, string? revoked, string rule)
    {
        static DateTimeOffset? D(string? s) => s is null ? null : DateTimeOffset.Parse(s + "T00:00:00Z");
        var caller = new Caller(MakeGrant(Tier.Bnba, "", D(from), D(until), D(revoked)));
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(Request(caller, "32"), Now));
        Assert.Equal(rule, denied.Rule);
        Assert.Contains("g_test", denied.Message);
    }

    [Fact]
    public void An_indicator_above_the_callers_tier_is_denied_naming_the_tier_needed()
    {
        var caller = new Caller(MakeGrant(Tier.Disaggregated, "32"));
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(Request(caller, "32", minTier: Tier.Microdata), Now));
        Assert.Equal(AccessRules.TierInsufficient, denied.Rule);
        Assert.Contains("tier 3", denied.Message);
    }

    [Fact]
    public void An_indicator_below_its_lowest_level_is_denied()
    {
        var caller = new Caller(MakeGrant(Tier.Bnba, "32"));
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(Request(caller, "3201", RegionLevel.Village, lowest: RegionLevel.District), Now));
        Assert.Equal(AccessRules.IndicatorRegionLevel, denied.Rule);
        Assert.IsType<Allowed>(AccessPolicy.DecideAggregate(Request(caller, "3201", RegionLevel.District, lowest: RegionLevel.District), Now));
    }

    // ---- Extracts (tier 3 microdata, tier 4 BNBA). ----

    [Theory]
    [InlineData(2, "3201", RegionLevel.Regency, false, AccessRules.TierInsufficient)]
    [InlineData(3, "3201", RegionLevel.Regency, false, null)]
    [InlineData(3, "3201", RegionLevel.District, false, AccessRules.ExtractGeography)]
    [InlineData(3, "320101", RegionLevel.Regency, false, AccessRules.ExtractGeography)]
    [InlineData(3, "3201", RegionLevel.Regency, true, AccessRules.ExtractIdentity)]
    [InlineData(4, "3201012001", RegionLevel.Village, true, null)]
    [InlineData(4, "3301", RegionLevel.Village, true, AccessRules.ScopeOutsideGrant)]
    public void Extract_rules(int tier, string region, RegionLevel geography, bool identity, string? expected)
    {
        var caller = new Caller(MakeGrant((Tier)tier, "32"));
        var decision = AccessPolicy.DecideExtract(new ExtractAccessRequest(caller, RegionCode.Parse(region), geography, identity, false), Now);
        if (expected is null) Assert.Equal(RegionCode.Parse(region), Assert.IsType<Allowed>(decision).EffectiveRegion);
        else Assert.Equal(expected, Assert.IsType<Denied>(decision).Rule);
    }

    [Fact]
    public void The_public_cannot_extract()
    {
        var denied = Assert.IsType<Denied>(AccessPolicy.DecideExtract(new ExtractAccessRequest(Caller.Public, RegionCode.Parse("32"), RegionLevel.Province, false, false), Now));
        Assert.Equal(AccessRules.TierInsufficient, denied.Rule);
    }

    // ---- Properties over random requests. ----

    private static readonly string[] Codes =
        ["", "32", "33", "3201", "3204", "3301", "320101", "320102", "330101", "3201012001", "3201022005", "3301012001"];

    private static Gen<RegionCode> RegionGen => Gen.Elements(Codes).Select(RegionCode.Parse);

    private static Gen<Caller> CallerGen =>
        from pub in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        from tier in Gen.Choose(1, 4)
        from scope in RegionGen
        from state in Gen.Choose(0, 9)     // 0: revoked, 1: expired, 2: not yet valid, else active
        select pub ? Caller.Public : new Caller(MakeGrant((Tier)tier, scope.Value,
            validFrom: state == 2 ? Now.AddDays(1) : null,
            validUntil: state == 1 ? Now.AddDays(-1) : null,
            revoked: state == 0 ? Now.AddDays(-1) : null));

    private static Gen<IndicatorAccess> IndicatorGen =>
        from open in Gen.Elements(true, false)
        from min in Gen.Choose(1, 4)
        from lowest in Gen.Choose(0, 4)
        select new IndicatorAccess("i" + min + lowest, open, (Tier)min, (RegionLevel)lowest);

    private static Arbitrary<AggregateAccessRequest> Requests =>
        (from caller in CallerGen
         from region in RegionGen
         from hasBreakdown in Gen.Elements(true, false)
         from breakdown in Gen.Choose(0, 4)
         from indicators in Gen.ListOf(IndicatorGen).Select(l => l.Take(3).ToList())
         from filters in Gen.ListOf(RegionGen).Select(l => l.Take(3).ToList())
         from whole in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
         from dims in Gen.ListOf(DimensionGen).Select(l => l.Take(3).ToList())
         from vars in Gen.ListOf(VariableGen).Select(l => l.Take(2).ToList())
         select new AggregateAccessRequest(caller, region, hasBreakdown ? (RegionLevel)breakdown : null,
             indicators, filters, dims.Where(d => d.Use == DimensionUse.GroupBy).Select(d => d.Id).ToList(), whole, dims, vars)).ToArbitrary();

    private static Gen<DimensionAccess> DimensionGen =>
        from min in Gen.Frequency((3, Gen.Constant(1)), (2, Gen.Choose(2, 4)))
        from filter in Gen.Elements(true, false)
        select new DimensionAccess("d" + min, (Tier)min, filter ? DimensionUse.Filter : DimensionUse.GroupBy);

    private static Gen<VariableAccess> VariableGen =>
        from min in Gen.Frequency((3, Gen.Constant(1)), (2, Gen.Choose(2, 4)))
        select new VariableAccess("v" + min, (Tier)min);

    // ---- Grant validity has one home (Grant.StateAt); the policy's grant rules follow it. ----

    private static Gen<Grant> GrantTimesGen =>
        from from_ in Gen.Choose(-400, 400)
        from length in Gen.Choose(0, 800)
        from revoked in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select MakeGrant(Tier.Disaggregated, "32", Now.AddDays(from_), Now.AddDays(from_ + length), revoked ? Now.AddDays(-400) : null);

    /// <summary>For any grant and time: the state is revoked whenever revoked, else active exactly inside
    /// [ValidFrom, ValidUntil); the policy allows exactly the active grants and names the state's rule otherwise.</summary>
    [Fact]
    public void The_policy_refuses_exactly_the_grants_that_are_not_active_with_the_states_rule() =>
        PropertyRunner.ForAll((from g in GrantTimesGen from offset in Gen.Choose(-10, 10) select (g, at: Now.AddDays(offset))).ToArbitrary(), t =>
        {
            var (g, at) = t;
            var state = g.StateAt(at);
            var expected = g.RevokedAt is not null ? GrantState.Revoked
                : at < g.ValidFrom ? GrantState.NotYetValid
                : at >= g.ValidUntil ? GrantState.Expired : GrantState.Active;
            var decision = AccessPolicy.DecideAggregate(Request(new Caller(g), "32"), at);
            return state == expected && g.IsActiveAt(at) == (state == GrantState.Active) && (state, decision) switch
            {
                (GrantState.Active, Allowed) => true,
                (GrantState.Revoked, Denied { Rule: AccessRules.GrantRevoked }) => true,
                (GrantState.NotYetValid, Denied { Rule: AccessRules.GrantNotYetValid }) => true,
                (GrantState.Expired, Denied { Rule: AccessRules.GrantExpired }) => true,
                _ => false,
            };
        }, maxTest: 2000);

    [Fact]
    public void A_grant_is_usable_from_its_first_instant_and_not_at_its_end_and_revocation_wins()
    {
        var g = MakeGrant(Tier.Disaggregated, "32", Now, Now.AddDays(1));
        Assert.Equal(GrantState.NotYetValid, g.StateAt(Now.AddTicks(-1)));
        Assert.Equal(GrantState.Active, g.StateAt(Now));
        Assert.Equal(GrantState.Expired, g.StateAt(Now.AddDays(1)));
        Assert.Equal(GrantState.Revoked, (g with { RevokedAt = Now.AddDays(5) }).StateAt(Now.AddHours(1)));
    }

    // ---- Extract column rules live in the policy (ExtractColumnTier), and DecideExtract follows them. ----

    /// <summary>For any tier-3 or tier-4 caller and any one variable (identity or not, coding a region level or not,
    /// any min_tier), an extract touching it is allowed exactly when the caller's tier includes its column tier:
    /// the catalogue's per-column tier and the decision never disagree.</summary>
    [Fact]
    public void An_extract_is_allowed_exactly_when_the_tier_includes_each_columns_tier() =>
        PropertyRunner.ForAll((
            from tier in Gen.Choose(3, 4)
            from identity in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            from geo in Gen.Choose(-1, 4)
            from min in Gen.Choose(1, 4)
            select ((Tier)tier, identity, geo < 0 ? (RegionLevel?)null : (RegionLevel)geo, (Tier)min)).ToArbitrary(), t =>
        {
            var (tier, identity, geography, min) = t;
            var finest = geography is { } g && g > RegionLevel.Regency ? g : RegionLevel.Regency;
            var decision = AccessPolicy.DecideExtract(new ExtractAccessRequest(new Caller(MakeGrant(tier, "")), RegionCode.Parse("32"),
                finest, identity, false, min), Now);
            return (decision is Allowed) == tier.Includes(AccessPolicy.ExtractColumnTier(identity, geography, min));
        }, maxTest: 1000);

    [Theory]
    [InlineData(3, 4, false, AccessRules.TierInsufficient)]
    [InlineData(4, 4, false, null)]
    [InlineData(3, 3, true, AccessRules.ExtractIdentity)]
    [InlineData(4, 3, true, null)]
    public void Tier3_extracts_refuse_variables_above_tier_3_and_filters_on_record_ids(int tier, int variableTier, bool idFilter, string? expected)
    {
        var decision = AccessPolicy.DecideExtract(new ExtractAccessRequest(new Caller(MakeGrant((Tier)tier, "32")), RegionCode.Parse("3201"),
            RegionLevel.Regency, false, false, (Tier)variableTier, idFilter), Now);
        if (expected is null) Assert.IsType<Allowed>(decision);
        else Assert.Equal(expected, Assert.IsType<Denied>(decision).Rule);
    }

    // ---- Issue 11, class 1: closed topics cannot be rebuilt from open counts. ----

    /// <summary>For any tier-1 request that is answered, no dimension (group-by or filter) and no variable above
    /// tier 1 took part.</summary>
    [Fact]
    public void No_allowed_tier1_request_uses_a_dimension_or_variable_above_tier_1() =>
        PropertyRunner.ForAll(Requests, r =>
            AccessPolicy.DecideAggregate(r, Now) is not Allowed { Tier: Tier.Public }
            || (r.DimensionTiers!.All(d => d.MinTier == Tier.Public) && r.Variables!.All(v => v.MinTier == Tier.Public)), maxTest: 3000);

    /// <summary>For any caller, an allowed request uses no dimension or variable above the caller's tier.</summary>
    [Fact]
    public void No_allowed_request_uses_a_dimension_or_variable_above_the_callers_tier() =>
        PropertyRunner.ForAll(Requests, r =>
            AccessPolicy.DecideAggregate(r, Now) is not Allowed a
            || (r.DimensionTiers!.All(d => a.Tier >= d.MinTier) && r.Variables!.All(v => a.Tier >= v.MinTier)), maxTest: 3000);

    /// <summary>Attacker's side: the public rebuilds disability_prevalence (tier 2) as "population by disability"
    /// (an open count grouped by a closed dimension), or by filtering on it, and DesilDistribution (group by desil).
    /// Each is refused with the dimension named.</summary>
    [Theory]
    [InlineData("disability", DimensionUse.GroupBy)]
    [InlineData("disability", DimensionUse.Filter)]
    [InlineData("work_status", DimensionUse.GroupBy)]
    [InlineData("desil", DimensionUse.GroupBy)]
    public void The_public_cannot_break_an_open_count_down_by_a_closed_dimension(string dimension, DimensionUse use)
    {
        var request = new AggregateAccessRequest(Caller.Public, RegionCode.Parse("32"), null,
            [new IndicatorAccess("population", true, Tier.Public, RegionLevel.Village)], [], use == DimensionUse.GroupBy ? [dimension] : [], false,
            [new DimensionAccess("sex", Tier.Public, DimensionUse.GroupBy), new DimensionAccess(dimension, Tier.Disaggregated, use)]);
        var d = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(request, Now));
        Assert.Equal(AccessRules.TierDimension, d.Rule);
        Assert.Contains($"dimension {dimension} needs tier 2", d.Message);
        Assert.Contains(use == DimensionUse.GroupBy ? "breakdown" : "filter", d.Message);
        // The same request with a tier-2 grant is answered.
        var granted = request with { Caller = new Caller(MakeGrant(Tier.Disaggregated, "32")) };
        Assert.IsType<Allowed>(AccessPolicy.DecideAggregate(granted, Now));
    }

    [Fact]
    public void The_public_cannot_ask_percentiles_of_a_closed_variable()
    {
        var request = new AggregateAccessRequest(Caller.Public, RegionCode.Parse("32"), null,
            [new IndicatorAccess("hours_worked:p50", true, Tier.Public, RegionLevel.Village)], [], [], false,
            null, [new VariableAccess("hours_worked", Tier.Disaggregated)]);
        var d = Assert.IsType<Denied>(AccessPolicy.DecideAggregate(request, Now));
        Assert.Equal(AccessRules.TierVariable, d.Rule);
        Assert.Contains("variable hours_worked need tier 2", d.Message);
    }

    // ---- Issue 11, class 5: tier-3 aggregates below regency/city get the tier-2 disclosure rules. ----

    [Theory]
    [InlineData(Tier.Disaggregated, "3201", null, Tier.Disaggregated)]
    [InlineData(Tier.Microdata, "3201", null, Tier.Microdata)]               // regency: the extract holds this geography
    [InlineData(Tier.Microdata, "32", RegionLevel.Regency, Tier.Microdata)]
    [InlineData(Tier.Microdata, "3201", RegionLevel.District, Tier.Disaggregated)]
    [InlineData(Tier.Microdata, "3201", RegionLevel.Village, Tier.Disaggregated)]
    [InlineData(Tier.Microdata, "320101", null, Tier.Disaggregated)]
    [InlineData(Tier.Microdata, "3201012001", null, Tier.Disaggregated)]
    [InlineData(Tier.Bnba, "3201", RegionLevel.Village, Tier.Bnba)]          // tier 4 sees villages and addresses anyway
    public void Tier_3_aggregates_below_the_regency_get_tier_2_rules(Tier tier, string region, RegionLevel? breakdown, Tier disclosure)
    {
        var request = new AggregateAccessRequest(new Caller(MakeGrant(tier, "32")), RegionCode.Parse(region), breakdown,
            [new IndicatorAccess("population", true, Tier.Public, RegionLevel.Village)], [], [], false);
        var a = Assert.IsType<Allowed>(AccessPolicy.DecideAggregate(request, Now));
        Assert.Equal(tier, a.Tier);
        Assert.Equal(disclosure, a.DisclosureTier);
    }

    [Fact]
    public void A_tier_3_region_filter_below_the_regency_also_gets_tier_2_rules()
    {
        var request = new AggregateAccessRequest(new Caller(MakeGrant(Tier.Microdata, "32")), RegionCode.Parse("3201"), null,
            [new IndicatorAccess("population", true, Tier.Public, RegionLevel.Village)], [RegionCode.Parse("3201012001")], [], false);
        Assert.Equal(Tier.Disaggregated, Assert.IsType<Allowed>(AccessPolicy.DecideAggregate(request, Now)).DisclosureTier);
    }

    /// <summary>Property: no allowed decision gives exact (unprotected) rules below regency/city to anyone but tier 4,
    /// and the disclosure tier is never above the caller's.</summary>
    [Fact]
    public void Exact_figures_below_the_regency_go_to_tier_4_only() =>
        PropertyRunner.ForAll(Requests, r =>
        {
            if (AccessPolicy.DecideAggregate(r, Now) is not Allowed a) return true;
            var finest = new[] { a.EffectiveRegion.Level, r.Breakdown ?? RegionLevel.National }
                .Concat(r.RegionFilters.Select(f => f.Level)).Max();
            bool exact = a.DisclosureTier >= Tier.Microdata;
            return a.DisclosureTier <= a.Tier && (!exact || finest <= RegionLevel.Regency || a.DisclosureTier == Tier.Bnba);
        }, maxTest: 3000);

    [Fact]
    public void No_allowed_tier1_decision_reaches_below_province() =>
        PropertyRunner.ForAll(Requests, r =>
            AccessPolicy.DecideAggregate(r, Now) is not Allowed { Tier: Tier.Public } a
            || (a.EffectiveRegion.Level <= RegionLevel.Province
                && (r.Breakdown ?? RegionLevel.National) <= RegionLevel.Province
                && r.RegionFilters.All(f => f.Level <= RegionLevel.Province)
                && r.Indicators.All(i => i.Open)), maxTest: 3000);

    [Fact]
    public void No_allowed_decision_reaches_outside_the_callers_scope() =>
        PropertyRunner.ForAll(Requests, r =>
        {
            if (AccessPolicy.DecideAggregate(r, Now) is not Allowed a) return true;
            var scope = r.Caller.Scope;
            return scope.Contains(a.EffectiveRegion)
                && r.RegionFilters.All(scope.Contains)
                && (r.Breakdown is not { } b || b >= scope.Level)
                && (!r.WholeScope || a.EffectiveRegion == scope)
                && (r.WholeScope || a.EffectiveRegion == r.Region)
                && a.Tier == r.Caller.Tier
                && (r.Caller.Grant is null || r.Caller.Grant.IsActiveAt(Now))
                && r.Indicators.All(i => a.Tier >= i.MinTier);
        }, maxTest: 3000);

    [Fact]
    public void Every_denial_names_a_known_rule_and_says_something() =>
        PropertyRunner.ForAll(Requests, r =>
            AccessPolicy.DecideAggregate(r, Now) is not Denied d
            || (typeof(AccessRules).GetFields().Any(f => (string?)f.GetValue(null) == d.Rule) && d.Message.Length > 20), maxTest: 1000);
}
