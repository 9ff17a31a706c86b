using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Schema;

namespace Regsosek.Extracts.Tests;

/// <summary>The planner's validation and access rules (pure: no data is read).</summary>
public sealed class PlannerTests
{
    private static readonly ExtractPlanner Planner = new(DataDictionary.Default);

    private static ExtractPlan Plan(ExtractRequest request, Caller caller) => Planner.Plan(request, caller, Grants.Now, "/data/regsosek");

    private static ExtractRequest Individu(params string[] columns) => new() { Table = ExtractTable.Individu, Columns = columns, Region = "3201" };

    [Fact]
    public void Unknown_column_names_the_field_and_suggests_near_names()
    {
        var e = Assert.Throws<ExtractValidationException>(() =>
            Plan(Individu("r405", "r407", "person_id", "r999"), Grants.Caller("g1", Tier.Microdata)));
        Assert.Equal("columns[3]", e.Field);
        Assert.Contains("unknown column 'r999'", e.Message);
        Assert.StartsWith("columns[3]: ", e.Message);

        var near = Assert.Throws<ExtractValidationException>(() => Plan(Individu("r4055"), Grants.Caller("g1", Tier.Microdata)));
        Assert.Contains("r405", near.Description);
    }

    [Fact]
    public void A_column_of_the_other_table_is_unknown_unless_the_tables_are_joined()
    {
        Assert.Throws<ExtractValidationException>(() => Plan(Individu("r301a"), Grants.Caller("g1", Tier.Microdata)));
        var plan = Plan(new ExtractRequest { Table = ExtractTable.IndividuWithKeluarga, Columns = ["r405", "r301a"], Region = "3201" },
            Grants.Caller("g1", Tier.Microdata));
        // A tier-3 person row carries its key (family pseudonym, member number), put first when not listed.
        Assert.Equal(["family_id", "r401", "r405", "r301a"], plan.Columns.Select(c => c.Name));
    }

    [Fact]
    public void A_tier_3_person_row_is_keyed_by_family_id_and_r401_and_person_id_only_when_named()
    {
        var tier3 = Grants.Caller("g1", Tier.Microdata);
        string[] Names(ExtractRequest r, Caller c) => Plan(r, c).Columns.Select(x => x.Name).ToArray();
        foreach (var table in new[] { ExtractTable.Individu, ExtractTable.IndividuWithKeluarga })
        {
            var all = Names(new ExtractRequest { Table = table, Region = "3201" }, tier3);
            Assert.DoesNotContain("person_id", all);
            Assert.Contains("family_id", all);
            Assert.Contains("r401", all);
            // Tier 4 keeps every column, the real person_id among them, and adds nothing.
            var bnba = Names(new ExtractRequest { Table = table, Region = "3201" }, Grants.Caller("g4", Tier.Bnba, "3201"));
            Assert.Contains("person_id", bnba);
        }
        Assert.Equal(["family_id", "r405", "r401"], Names(Individu("r405", "r401"), tier3));
        Assert.Equal(["r401", "r405", "family_id"], Names(Individu("r405", "family_id"), tier3));
        Assert.Equal(["person_id", "r405"], Names(Individu("person_id", "r405"), tier3));
        Assert.Equal(["r405"], Names(Individu("r405"), Grants.Caller("g4", Tier.Bnba, "3201")));
        Assert.Equal(["r301a"], Names(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["r301a"], Region = "3201" }, tier3));
        // The raw person id is read only for a released person pseudonym; the member number always (the sort key).
        Assert.DoesNotContain(ExtractPlan.PersonKeyColumn, Plan(Individu("r405"), tier3).SelectSql);
        Assert.Contains(ExtractPlan.PersonKeyColumn, Plan(Individu("person_id", "r405"), tier3).SelectSql);
        Assert.Contains(ExtractPlan.MemberKeyColumn, Plan(Individu("person_id", "r405"), tier3).SelectSql);
    }

    [Fact]
    public void Property_any_tier_3_person_column_list_keeps_its_order_behind_the_missing_key_columns()
    {
        string[] Names(ExtractTable table) => ExtractPlanner.ExtractSource.Of(table, DataDictionary.Default).Columns
            .Select(c => c.Variable).Where(v => !v.Identity && v.MinTier <= Tier.Microdata && v.Column is not ("district_code" or "village_code"))
            .Select(v => v.Column).ToArray();
        var gen = from table in Gen.Elements(ExtractTable.Individu, ExtractTable.IndividuWithKeluarga)
                  from picks in Gen.NonEmptyListOf(Gen.Choose(0, 10_000))
                  select (table, picks.Take(8).Select(p => Names(table)[p % Names(table).Length]).Distinct().ToList());
        PropertyRunner.ForAll(gen.ToArbitrary(), x =>
        {
            var (table, asked) = x;
            var output = Plan(new ExtractRequest { Table = table, Columns = asked, Region = "3201" }, Grants.Caller("g1", Tier.Microdata))
                .Columns.Select(c => c.Name).ToList();
            var expected = asked.Contains("person_id") ? asked : ExtractPlanner.PersonKey.Except(asked).Concat(asked).ToList();
            Assert.Equal(expected, output);
            Assert.True(output.Contains("person_id") || ExtractPlanner.PersonKey.All(output.Contains));
        }, maxTest: 200);
    }

    [Fact]
    public void Duplicate_columns_are_refused()
    {
        var e = Assert.Throws<ExtractValidationException>(() => Plan(Individu("r405", "r407", "r405"), Grants.Caller("g1", Tier.Microdata)));
        Assert.Equal("columns[2]", e.Field);
        Assert.Contains("columns[0]", e.Description);
    }

    [Theory]
    [InlineData("r402")]
    [InlineData("r403")]
    [InlineData("r406")]
    public void Tier3_explicit_identity_column_is_refused_with_the_identity_rule(string column)
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() => Plan(Individu("r405", column), Grants.Caller("g1", Tier.Microdata)));
        Assert.Equal(AccessRules.ExtractIdentity, e.Rule);
        Assert.Contains($"columns[1]: {column}", e.Message);
    }

    [Fact]
    public void Tier3_birth_date_refusal_points_to_age()
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() => Plan(Individu("r406"), Grants.Caller("g1", Tier.Microdata)));
        Assert.Contains("r407", e.Message);
    }

    [Theory]
    [InlineData("district_code")]
    [InlineData("village_code")]
    public void Tier3_geography_below_regency_is_refused(string column)
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() => Plan(Individu("r405", column), Grants.Caller("g1", Tier.Microdata)));
        Assert.Equal(AccessRules.ExtractGeography, e.Rule);
        Assert.Contains(column, e.Message);
    }

    [Fact]
    public void Tier3_filter_on_a_village_or_an_identity_variable_is_refused()
    {
        var village = new ExtractRequest { Region = "3201", Filters = [new ExtractFilter("village_code", Codes: [3201012001])] };
        Assert.Equal(AccessRules.ExtractGeography,
            Assert.Throws<ExtractAccessDeniedException>(() => Plan(village, Grants.Caller("g1", Tier.Microdata))).Rule);
        var id = new ExtractRequest { Region = "3201", Filters = [new ExtractFilter("r405", Codes: [1]), new ExtractFilter("person_id", Codes: [32010000000011])] };
        var refused = Assert.Throws<ExtractAccessDeniedException>(() => Plan(id, Grants.Caller("g1", Tier.Microdata)));
        Assert.Equal(AccessRules.ExtractIdentity, refused.Rule);
        Assert.Contains("(filters[1].column: person_id)", refused.Message); // the policy decides, the planner names the field
        Assert.NotNull(Plan(id, Grants.Caller("g4", Tier.Bnba)));
    }

    [Theory]
    [InlineData(ExtractTable.Keluarga)]
    [InlineData(ExtractTable.Individu)]
    [InlineData(ExtractTable.IndividuWithKeluarga)]
    public void Tier3_all_columns_leaves_out_identity_and_fine_geography_and_pseudonymises_ids(ExtractTable table)
    {
        var plan = Plan(new ExtractRequest { Table = table, Region = "3201" }, Grants.Caller("g1", Tier.Microdata));
        var identity = DataDictionary.Default.Variables.Where(v => v.Identity).Select(v => v.Column).ToHashSet();
        Assert.DoesNotContain(plan.Columns, c => identity.Contains(c.Name));
        Assert.DoesNotContain(plan.Columns, c => c.Name is "district_code" or "village_code" or "r406");
        Assert.Contains(plan.Columns, c => c.Name == "regency_code");
        Assert.All(plan.Columns.Where(c => c.Name is "person_id" or "family_id"), c => Assert.Equal(OutputKind.Pseudonym, c.Kind));
        if (table != ExtractTable.Keluarga) Assert.Contains(plan.Columns, c => c.Name == "r407");
        Assert.True(plan.DeIdentify);
    }

    [Theory]
    [InlineData(ExtractTable.Keluarga, TableKind.Keluarga)]
    [InlineData(ExtractTable.Individu, TableKind.Individu)]
    public void Tier4_all_columns_is_every_dictionary_column_with_real_ids(ExtractTable table, TableKind kind)
    {
        var plan = Plan(new ExtractRequest { Table = table, Region = "3201012001" }, Grants.Caller("g4", Tier.Bnba, "3201"));
        Assert.Equal(DataDictionary.Default.Columns(kind).Select(v => v.Column), plan.Columns.Select(c => c.Name));
        Assert.All(plan.Columns, c => Assert.Equal(OutputKind.Data, c.Kind));
        Assert.False(plan.DeIdentify);
        Assert.Empty(plan.QuasiIdentifiers);
    }

    [Theory]
    [InlineData(Tier.Public)]
    [InlineData(Tier.Disaggregated)]
    public void Tier1_and_tier2_are_refused(Tier tier)
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() => Plan(Individu("r405"), Grants.Caller("g2", tier)));
        Assert.Equal(AccessRules.TierInsufficient, e.Rule);
    }

    [Fact]
    public void The_public_is_refused()
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() => Plan(Individu("r405"), Caller.Public));
        Assert.Equal(AccessRules.TierInsufficient, e.Rule);
    }

    [Theory]
    [InlineData(Tier.Microdata, "3301")]
    [InlineData(Tier.Bnba, "33")]
    [InlineData(Tier.Microdata, "")]
    public void A_region_outside_the_grant_is_refused(Tier tier, string region)
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() =>
            Plan(new ExtractRequest { Region = region }, Grants.Caller("g", tier, "32")));
        Assert.Equal(AccessRules.ScopeOutsideGrant, e.Rule);
    }

    [Fact]
    public void Tier3_region_below_regency_is_refused_and_whole_scope_takes_the_grant_region()
    {
        var e = Assert.Throws<ExtractAccessDeniedException>(() =>
            Plan(new ExtractRequest { Region = "320101" }, Grants.Caller("g", Tier.Microdata, "32")));
        Assert.Equal(AccessRules.ExtractGeography, e.Rule);
        var plan = Plan(new ExtractRequest { Region = "3301", WholeScope = true }, Grants.Caller("g", Tier.Microdata, "3201"));
        Assert.Equal(RegionCode.Parse("3201"), plan.EffectiveRegion);
    }

    [Fact]
    public void Revoked_grant_is_refused()
    {
        var grant = Grants.Make("g", Tier.Bnba, "32") with { RevokedAt = Grants.Now.AddDays(-1) };
        var e = Assert.Throws<ExtractAccessDeniedException>(() => Plan(new ExtractRequest { Region = "32" }, new Caller(grant)));
        Assert.Equal(AccessRules.GrantRevoked, e.Rule);
    }

    [Fact]
    public void Filter_errors_name_the_field()
    {
        var caller = Grants.Caller("g", Tier.Microdata);
        ExtractValidationException Fail(params ExtractFilter[] filters) =>
            Assert.Throws<ExtractValidationException>(() => Plan(new ExtractRequest { Region = "3201", Filters = filters }, caller));

        var code = Fail(new ExtractFilter("r405", Codes: [1, 7]));
        Assert.Equal("filters[0].codes[1]", code.Field);
        Assert.Contains("1, 2", code.Description);
        Assert.Equal("filters[1].column", Fail(new ExtractFilter("r405", Codes: [1]), new ExtractFilter("nope", Codes: [1])).Field);
        Assert.Equal("filters[0]", Fail(new ExtractFilter("r407", Codes: [1], Min: 3)).Field);
        Assert.Equal("filters[0]", Fail(new ExtractFilter("r407")).Field);
        Assert.Equal("filters[0]", Fail(new ExtractFilter("r407", Min: 60, Max: 20)).Field);
        Assert.Equal("region", Assert.Throws<ExtractValidationException>(() => Plan(new ExtractRequest { Region = "32x" }, caller)).Field);
        Assert.Equal("k_anonymity.k", Assert.Throws<ExtractValidationException>(() =>
            Plan(new ExtractRequest { Region = "3201", KAnonymity = new KAnonymityOptions { K = 0 } }, caller)).Field);
    }

    [Fact]
    public void Values_never_enter_the_sql_text()
    {
        var plan = Plan(new ExtractRequest
        {
            Region = "3201",
            Filters = [new ExtractFilter("r405", Codes: [2]), new ExtractFilter("r407", Min: 17.5, Max: 64.25)],
        }, Grants.Caller("g", Tier.Microdata));
        Assert.DoesNotContain("17.5", plan.SelectSql);
        Assert.DoesNotContain("64.25", plan.SelectSql);
        Assert.DoesNotContain("3201", plan.SelectSql);
        Assert.DoesNotContain("/data/regsosek", plan.SelectSql);
        Assert.Contains(plan.Parameters, p => p is DoubleParameter { Value: 17.5 });
        Assert.Contains(plan.Parameters, p => p is Int64Parameter { Value: 3201 });
        Assert.Equal(plan.Parameters.Count, plan.SelectSql.Split('$').Length - 1);
    }

    [Fact]
    public void Suppression_order_follows_the_documented_importance()
    {
        var plan = Plan(new ExtractRequest { Table = ExtractTable.IndividuWithKeluarga, Region = "3201" }, Grants.Caller("g", Tier.Microdata));
        var qis = DataDictionary.Default.Variables.Where(v => v.QuasiIdentifier).Select(v => v.Column).ToHashSet();
        Assert.Equal(qis.OrderBy(x => x), plan.QuasiIdentifiers.OrderBy(x => x));
        Assert.Equal("r407", plan.QuasiIdentifiers[0]);
        Assert.Equal("regency_code", plan.QuasiIdentifiers[^1]);
    }

    [Theory]
    [InlineData(Tier.Microdata, "", "1GB")]   // tier 3, the nation: the national limit
    [InlineData(Tier.Microdata, "32", "96MB")] // tier 3, a province: the ordinary limit
    [InlineData(Tier.Bnba, "", "96MB")]        // tier 4 stages nothing and sorts nothing: the ordinary limit
    public void A_national_de_identified_extract_runs_with_the_national_memory_limit(Tier tier, string region, string expected)
    {
        var plan = Plan(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["r405"], Region = region }, Grants.Caller("g1", tier, ""));
        Assert.Equal(expected, new ExtractOptions().For(plan).MemoryLimit);
        Assert.Equal("96MB", new ExtractOptions { NationalDeIdentifiedMemoryLimit = null }.For(plan).MemoryLimit);
    }
}
