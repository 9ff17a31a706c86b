using Regsosek.Core;

namespace Regsosek.Schema.Tests;

/// <summary>The embedded dictionary holds what the questionnaire and DESIGN.md say it must.</summary>
public class DictionaryContentTests
{
    private static readonly DataDictionary D = DataDictionary.Default;

    // Question numbers of REGSOSEK22-K Lampiran 1, typed from the form (not from the YAML).
    private static IEnumerable<string> KeluargaQuestions()
    {
        for (int q = 101; q <= 115; q++) yield return q.ToString();
        foreach (var q in new[] { "301a", "301b", "302", "303", "304", "305", "306a", "306b", "307a", "307b1", "307b2", "307b3", "308", "309a", "309b", "310" })
            yield return q;
        foreach (var c in "abcdefg") yield return "501" + c;
        foreach (var c in "abcdefghijklmn") yield return "502" + c;
        foreach (var c in "ab") yield return "503" + c;
        foreach (var c in "abcde") yield return "504" + c;
        yield return "505";
        yield return "506";
    }

    private static IEnumerable<string> IndividuQuestions()
    {
        for (int q = 401; q <= 415; q++) yield return q.ToString();
        yield return "416a";
        yield return "416b";
        for (int q = 417; q <= 419; q++) yield return q.ToString();
        yield return "420a";
        yield return "420b";
        for (int q = 421; q <= 427; q++) yield return q.ToString();
        foreach (var c in "abcdefghij") yield return "428" + c;
        yield return "429";
        yield return "430";
        foreach (var c in "abcdef") yield return "431" + c;
    }

    [Fact]
    public void Every_question_of_blocks_I_III_V_is_a_keluarga_column()
    {
        var present = D.Columns(TableKind.Keluarga).Select(v => v.Question).ToHashSet();
        var missing = KeluargaQuestions().Where(q => !present.Contains(q)).ToList();
        Assert.True(missing.Count == 0, "missing in keluarga: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_question_of_block_IV_is_an_individu_column()
    {
        var present = D.Columns(TableKind.Individu).Select(v => v.Question).ToHashSet();
        var missing = IndividuQuestions().Where(q => !present.Contains(q)).ToList();
        Assert.True(missing.Count == 0, "missing in individu: " + string.Join(", ", missing));
    }

    [Fact]
    public void Questionnaire_columns_are_named_r_plus_question_number()
    {
        foreach (var v in D.Variables.Where(v => v.Question is not null && !v.Derived))
            Assert.Equal("r" + v.Question, v.Column);
    }

    [Theory]
    [InlineData("keluarga", "r105")]
    [InlineData("keluarga", "r106")]
    [InlineData("keluarga", "r107")]
    [InlineData("keluarga", "r108")]
    [InlineData("keluarga", "r109")]
    [InlineData("keluarga", "r110")]
    [InlineData("keluarga", "r113")]
    [InlineData("keluarga", "r114")]
    [InlineData("keluarga", "r115")]
    [InlineData("keluarga", "respondent_phone")]
    [InlineData("keluarga", "latitude")]
    [InlineData("keluarga", "longitude")]
    [InlineData("individu", "r402")]
    [InlineData("individu", "r403")]
    [InlineData("individu", "r406")]
    public void DESIGN_identity_variables_are_flagged_and_BNBA_only(string table, string column)
    {
        TableNames.TryParse(table, out var t);
        var v = D.Get(t, column);
        Assert.True(v.Identity, $"{table}.{column} must be an identity variable");
        Assert.Equal(Tier.Bnba, v.MinTier);
    }

    [Fact]
    public void Age_is_kept_at_tier_3_while_the_birth_date_is_identity()
    {
        var age = D.Get(TableKind.Individu, "r407");
        Assert.False(age.Identity);
        Assert.Equal(Tier.Microdata, age.MinTier);
    }

    [Fact]
    public void Every_non_identity_column_is_tier_3_except_sub_regency_geography_and_the_record_key()
    {
        // The cell-key record key is not released in microdata: with it, a tier-3 user could compute the
        // cell keys of tier-1/2 tables and so undo their perturbation.
        foreach (var v in D.Variables.Where(v => !v.Identity))
        {
            var expected = v.Column is "district_code" or "village_code" or "record_key" ? Tier.Bnba : Tier.Microdata;
            Assert.True(expected == v.MinTier, $"{TableNames.Of(v.Table)}.{v.Column}: min_tier {v.MinTier}, expected {expected}");
        }
    }

    [Fact]
    public void Both_tables_carry_the_derived_region_rank_and_key_columns()
    {
        foreach (var t in new[] { TableKind.Keluarga, TableKind.Individu })
        {
            foreach (var c in new[] { "family_id", "prov_code", "regency_code", "district_code", "village_code", "urban_rural", "desil", "percentile", "record_key" })
                Assert.True(D.Get(t, c).Derived, $"{TableNames.Of(t)}.{c} must be derived");
        }
        Assert.True(D.Get(TableKind.Individu, "person_id").Derived);
        Assert.Equal(ColumnType.Double, D.Get(TableKind.Keluarga, "welfare_score").Type);
        Assert.Equal(ColumnType.BigInt, D.Get(TableKind.Keluarga, "village_code").Type);
        Assert.Equal(ColumnType.Integer, D.Get(TableKind.Individu, "regency_code").Type);
        Assert.Equal(ColumnType.TinyInt, D.Get(TableKind.Individu, "desil").Type);
    }

    [Fact]
    public void Jumlahkan_kode_questions_are_exactly_the_multi_select_sums()
    {
        var sums = D.Variables.Where(v => v.MultiSelectSum).Select(v => v.Question).OrderBy(q => q).ToArray();
        Assert.Equal(new[] { "411", "426", "431a", "431f" }, sums);
    }

    [Theory]
    [InlineData("keluarga", "regency_code")]
    [InlineData("keluarga", "urban_rural")]
    [InlineData("keluarga", "r112")]
    [InlineData("individu", "regency_code")]
    [InlineData("individu", "urban_rural")]
    [InlineData("individu", "r405")]
    [InlineData("individu", "r407")]
    [InlineData("individu", "r408")]
    [InlineData("individu", "r409")]
    public void Brief_quasi_identifiers_are_flagged(string table, string column)
    {
        TableNames.TryParse(table, out var t);
        Assert.True(D.Get(t, column).QuasiIdentifier);
    }

    [Fact]
    public void Quasi_identifiers_are_never_identity_variables()
    {
        Assert.DoesNotContain(D.Variables, v => v.QuasiIdentifier && v.Identity);
    }

    [Theory]
    [InlineData("r301b", "r301a = 1")]
    [InlineData("r306b", "r306a BETWEEN 4 AND 8")]
    [InlineData("r307b1", "r307a = 1")]
    [InlineData("r309b", "r309a BETWEEN 1 AND 3")]
    public void Housing_skip_rules_follow_the_form(string column, string rule)
    {
        Assert.Equal(rule, D.Get(TableKind.Keluarga, column).Universe);
    }

    [Fact]
    public void Pregnancy_is_asked_only_of_women_10_to_54_ever_married()
    {
        var rule = D.Get(TableKind.Individu, "r410").UniverseRule!;
        long? Person(string c, long sex, long age, long marital) => c switch
        {
            "r404" => 1, "r405" => sex, "r407" => age, "r408" => marital, _ => null,
        };
        Assert.True(rule.Evaluate(c => Person(c, 2, 30, 2)));
        Assert.True(rule.Evaluate(c => Person(c, 2, 10, 4)));
        Assert.False(rule.Evaluate(c => Person(c, 2, 55, 2)));
        Assert.False(rule.Evaluate(c => Person(c, 2, 30, 1)));
        Assert.False(rule.Evaluate(c => Person(c, 1, 30, 2)));
    }

    [Fact]
    public void Members_who_died_or_moved_answer_nothing_after_404()
    {
        foreach (var v in D.Columns(TableKind.Individu).Where(v => string.CompareOrdinal(v.Question, "405") >= 0 && v.Question!.Length >= 3 && v.Question[0] == '4'))
        {
            Assert.NotNull(v.UniverseRule);
            foreach (var status in new long[] { 2, 3, 4, 6 })
                Assert.False(v.UniverseRule!.Evaluate(c => c == "r404" ? status : 99), $"{v.Column} would be asked of a member with 404 = {status}");
        }
    }

    [Fact]
    public void Caregiver_is_asked_of_the_elderly_or_anyone_with_a_severe_difficulty()
    {
        var rule = D.Get(TableKind.Individu, "r429").UniverseRule!;
        Assert.True(rule.Evaluate(c => c switch { "r404" => 1, "r407" => 60, _ => null }));
        Assert.False(rule.Evaluate(c => c switch { "r404" => 1, "r407" => 59, _ => 4 }));
        Assert.True(rule.Evaluate(c => c switch { "r404" => 1, "r407" => 20, "r428h" => 2, _ => 4 }));
        Assert.False(rule.Evaluate(c => c switch { "r404" => 1, "r407" => 20, "r428h" => 3, _ => 4 }));
    }

    [Fact]
    public void Code_lists_match_the_form_where_the_form_prints_them()
    {
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, D.Get(TableKind.Individu, "r404").Codes.Select(c => c.Code));
        Assert.Equal(new[] { 0, 1, 2, 4 }, D.Get(TableKind.Individu, "r411").Codes.Select(c => c.Code));
        Assert.Equal(Enumerable.Range(0, 12), D.Get(TableKind.Keluarga, "r308").Codes.Select(c => c.Code).Order());
        Assert.Equal(Enumerable.Range(1, 23), D.Get(TableKind.Individu, "r415").Codes.Select(c => c.Code));
        Assert.Equal(Enumerable.Range(1, 22), D.Get(TableKind.Individu, "r413").Codes.Select(c => c.Code));
        Assert.Equal("Perempuan", D.Get(TableKind.Individu, "r405").FindCode(2)!.LabelId);
    }

    [Fact]
    public void Get_suggests_near_names_for_a_typo()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => D.Get(TableKind.Individu, "r4077"));
        Assert.Contains("r407", e.Message);
        var other = Assert.Throws<KeyNotFoundException>(() => D.Get(TableKind.Individu, "r301a"));
        Assert.Contains("keluarga", other.Message);
    }

    [Fact]
    public void Columns_are_in_storage_order_with_ids_first()
    {
        Assert.Equal("family_id", D.Columns(TableKind.Keluarga)[0].Column);
        Assert.Equal("person_id", D.Columns(TableKind.Individu)[0].Column);
        Assert.Equal(D.Variables.Count, D.Columns(TableKind.Keluarga).Count + D.Columns(TableKind.Individu).Count);
    }
}
