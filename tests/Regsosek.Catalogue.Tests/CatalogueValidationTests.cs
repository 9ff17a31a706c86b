using Regsosek.Core;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Tests;

/// <summary>
/// Start-up validation: the embedded catalogue is checked against the data dictionary, and each
/// kind of mistake stops loading with a CatalogueException naming the entry.
/// </summary>
public class CatalogueValidationTests
{
    private static readonly string Indicators = IndicatorCatalogue.ReadResource("indicators.yaml");
    private static readonly string Dimensions = IndicatorCatalogue.ReadResource("dimensions.yaml");

    private static CatalogueException Fails(string indicators, string? dimensions = null, DataDictionary? dictionary = null) =>
        Assert.Throws<CatalogueException>(() => IndicatorCatalogue.Load(dictionary ?? DataDictionary.Default, indicators, dimensions ?? Dimensions));

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to);
    }

    [Fact]
    public void The_embedded_catalogue_loads_with_at_least_25_Lampiran_2_indicators_and_the_open_list()
    {
        var catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
        Assert.True(catalogue.Indicators.Count(i => i.Source.StartsWith("Lampiran 2", StringComparison.Ordinal)) >= 25);
        var open = catalogue.Indicators.Where(i => i.Visibility.Open).Select(i => i.Id).ToHashSet();
        foreach (var id in new[] { "family_count", "population", "safe_drinking_water", "electrification", "jkn_coverage" })
            Assert.Contains(id, open);
        foreach (var id in new[] { "disability_prevalence", "stunting_0_4", "pkh_receipt", "social_assistance_poor_vulnerable" })
            Assert.DoesNotContain(id, open);
        Assert.All(catalogue.Indicators, i => Assert.Equal(i.Visibility.Open, i.Visibility.MinTier == Tier.Public));
        Assert.Equal("region", catalogue.Dimensions[0].Id);
    }

    [Fact]
    public void A_numeric_is_whole_numbered_only_when_it_reads_integer_columns_without_a_ratio()
    {
        var catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
        bool Whole(string id) => catalogue.Numerics.Single(n => n.Id == id).IntegerValued;
        Assert.True(Whole("family_size"));            // r112, tinyint
        Assert.True(Whole("hours_worked"));           // r416b, smallint
        Assert.False(Whole("floor_area_per_capita")); // r302 / r112: a ratio
        // The same numeric over a DOUBLE column of the dictionary is not.
        var overDouble = IndicatorCatalogue.Load(DataDictionary.Default,
            Replace(Indicators, "value: {var: r112}", "value: {var: welfare_score}"), Dimensions);
        Assert.False(overDouble.Numerics.Single(n => n.Id == "family_size").IntegerValued);
    }

    [Fact]
    public void An_unknown_variable_names_the_indicator()
    {
        var e = Fails(Replace(Indicators, "numerator: {var: r307a, in: [1, 2, 3]}", "numerator: {var: r307x, in: [1, 2, 3]}"));
        Assert.StartsWith("indicators.yaml: indicator 'electrification'", e.Message);
        Assert.Contains("unknown variable 'r307x'", e.Message);
    }

    [Fact]
    public void A_code_missing_from_the_variables_code_list_is_refused()
    {
        var e = Fails(Replace(Indicators, "numerator: {var: r307a, in: [1, 2, 3]}", "numerator: {var: r307a, in: [1, 2, 9]}"));
        Assert.Contains("indicator 'electrification'", e.Message);
        Assert.Contains("9 is not a code of r307a", e.Message);
    }

    [Fact]
    public void A_dictionary_that_drops_a_code_the_catalogue_uses_fails_the_catalogue()
    {
        var yaml = File.ReadAllText(FindRepoFile("schema/dictionary.yaml"));
        var edited = Replace(yaml, "[10, \"Air hujan\", \"Rainwater\"], ", "");
        var dictionary = DataDictionary.Parse(edited);
        var e = Fails(Indicators, dictionary: dictionary);
        Assert.Contains("condition 'safe_water'", e.Message);
        Assert.Contains("10 is not a code of r306a", e.Message);
    }

    [Fact]
    public void A_person_indicator_cannot_use_a_family_column()
    {
        var e = Fails(Replace(Indicators, "numerator: {var: r427, in: [2]}", "numerator: {var: r306a, in: [2]}"));
        Assert.Contains("indicator 'stunting_0_4'", e.Message);
        Assert.Contains("no join to keluarga", e.Message);
    }

    [Fact]
    public void Ids_are_unique()
    {
        var e = Fails(Replace(Indicators, "- id: pln_electrification", "- id: electrification"));
        Assert.Equal("indicators.yaml: indicator 'electrification': duplicate id", e.Message);
    }

    [Fact]
    public void Open_indicators_must_be_tier_1_and_tier_1_must_be_open()
    {
        var e = Fails(Replace(Indicators, "    numerator: {var: r505, in: [1, 2, 3]}\n    denominator: {all: []}\n    open: true\n",
            "    numerator: {var: r505, in: [1, 2, 3]}\n    denominator: {all: []}\n    open: true\n    min_tier: 2\n"));
        Assert.Contains("indicator 'internet_use'", e.Message);
        Assert.Contains("min_tier must be 1", e.Message);

        var e2 = Fails(Replace(Indicators, "    numerator: {var: r309a, in: [5, 6]}\n    denominator: {all: []}\n",
            "    numerator: {var: r309a, in: [5, 6]}\n    denominator: {all: []}\n    min_tier: 1\n"));
        Assert.Contains("indicator 'open_defecation'", e2.Message);
        Assert.Contains("open: true", e2.Message);
    }

    [Fact]
    public void Has_flag_needs_a_multi_select_sum_and_a_real_flag()
    {
        var e = Fails(Replace(Indicators, "numerator: {var: r427, in: [2]}", "numerator: {var: r427, has_flag: 2}"));
        Assert.Contains("indicator 'stunting_0_4'", e.Message);
        Assert.Contains("multi-select sum", e.Message);
        var e2 = Fails(Replace(Indicators, "numerator: {var: r411, has_flag: 1}", "numerator: {var: r411, has_flag: 8}"));
        Assert.Contains("8 is not a flag of r411", e2.Message);
    }

    [Fact]
    public void An_unknown_condition_reference_or_numeric_is_named()
    {
        Assert.Contains("unknown condition 'nosuch'", Fails(Replace(Indicators, "numerator: {ref: safe_water}", "numerator: {ref: nosuch}")).Message);
        Assert.Contains("unknown numeric 'nosuch'", Fails(Replace(Indicators, "of: family_size", "of: nosuch")).Message);
    }

    [Fact]
    public void Dimension_mistakes_name_the_dimension()
    {
        var e = Fails(Indicators, Replace(Dimensions, "column: r408", "column: r999"));
        Assert.StartsWith("dimensions.yaml: dimension 'marital_status'", e.Message);
        var e2 = Fails(Indicators, Replace(Dimensions, "[10, \"Desil 10 (terkaya)\", \"Decile 10 (richest)\"]", "[11, \"Desil 11\", \"Decile 11\"]"));
        Assert.Contains("dimension 'desil'", e2.Message);
        Assert.Contains("value 11 is not a possible value of desil", e2.Message);
        var e3 = Fails(Indicators, Replace(Dimensions, "ranges: [[0, 4], [5, 14], [15, 24], [25, 59], [60, null]]", "ranges: [[0, 4], [3, 14]]"));
        Assert.Contains("dimension 'age_broad'", e3.Message);
        var e4 = Fails(Indicators, Replace(Dimensions, "    units: [families]\n    min_tier: 2\n    column: r301a", "    units: [persons]\n    min_tier: 2\n    column: r301a"));
        Assert.Contains("dimension 'dwelling_ownership'", e4.Message);
    }

    [Fact]
    public void Unknown_fields_are_refused_rather_than_ignored()
    {
        var e = Fails(Replace(Indicators, "    statistic: count\n    open: true\n    lowest_level: village\n  # Catalogue base count: jumlah penduduk",
            "    statistic: count\n    opne: true\n    lowest_level: village\n  # Catalogue base count: jumlah penduduk"));
        Assert.Contains("indicator 'family_count'", e.Message);
        Assert.Contains("unknown field 'opne'", e.Message);
    }

    private static string FindRepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(relative);
    }

    // ---- Issue 11, class 1: every dimension has a minimum tier that follows its topic. ----

    [Fact]
    public void Every_dimension_has_a_tier_and_closed_topics_are_above_tier_1()
    {
        var catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
        var tiers = catalogue.Dimensions.ToDictionary(d => d.Id, d => d.MinTier);
        // The closed topics the issue names: disability, work status, desil (and its grouping).
        foreach (var id in new[] { "disability", "work_status", "desil", "welfare_group" })
            Assert.True(tiers[id] >= Tier.Disaggregated, $"{id} is tier {(int)tiers[id]}");
        Assert.Equal(Tier.Public, tiers["region"]);
        Assert.Equal(Tier.Public, tiers["sex"]);
        Assert.Equal(Tier.Public, tiers["age_group_5y"]);
    }

    [Fact]
    public void No_tier_1_dimension_reads_a_variable_of_a_closed_indicator_without_a_reason()
    {
        // The loader's rule, re-derived here from the loaded catalogue (not from the loader's code path).
        var catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
        var numerics = catalogue.Numerics.ToDictionary(n => n.Id);
        foreach (var dim in catalogue.Dimensions.Where(d => !d.IsRegion && d.TierReason is null))
        {
            var cols = CatalogueLoader.DimensionColumns(dim, numerics);
            Assert.NotEmpty(cols);
            foreach (var indicator in catalogue.Indicators)
            {
                var icols = new HashSet<string>();
                Collect(indicator.Numerator, icols);   // the topic: what is measured, not the population
                if (icols.Overlaps(cols))
                    Assert.True(dim.MinTier >= indicator.Visibility.MinTier,
                        $"dimension {dim.Id} (tier {(int)dim.MinTier}) reads what indicator {indicator.Id} (tier {(int)indicator.Visibility.MinTier}) reads");
            }
        }
    }

    private static void Collect(Condition c, HashSet<string> cols)
    {
        switch (c)
        {
            case TestCondition { Operand: VariableOperand v }: cols.Add(v.Column); break;
            case FlagCondition f: cols.Add(f.Column); break;
            case AllCondition a: foreach (var p in a.Parts) Collect(p, cols); break;
            case AnyCondition a: foreach (var p in a.Parts) Collect(p, cols); break;
            case NotCondition n: Collect(n.Inner, cols); break;
        }
    }

    [Fact]
    public void A_dimension_without_min_tier_is_refused()
    {
        var e = Fails(Indicators, Replace(Dimensions, "    units: [persons]\n    min_tier: 2\n    cases:\n      - {code: 1, name_id: \"Penyandang disabilitas\"",
            "    units: [persons]\n    cases:\n      - {code: 1, name_id: \"Penyandang disabilitas\""));
        Assert.StartsWith("dimensions.yaml: dimension 'disability'", e.Message);
        Assert.Contains("'min_tier' is missing", e.Message);
    }

    [Fact]
    public void A_closed_topic_dimension_lowered_to_tier_1_is_refused_naming_the_indicator_it_would_rebuild()
    {
        var e = Fails(Indicators, Replace(Dimensions, "    units: [persons]\n    min_tier: 2\n    cases:\n      - {code: 1, name_id: \"Penyandang disabilitas\"",
            "    units: [persons]\n    min_tier: 1\n    cases:\n      - {code: 1, name_id: \"Penyandang disabilitas\""));
        Assert.StartsWith("dimensions.yaml: dimension 'disability'", e.Message);
        Assert.Contains("below tier 2 of indicator 'disability_", e.Message);
        Assert.Contains("tier_reason", e.Message);
    }

    [Fact]
    public void A_tier_reason_on_a_dimension_not_below_its_topic_is_refused()
    {
        var e = Fails(Indicators, Replace(Dimensions, "    units: [persons]\n    min_tier: 2\n    cases:\n      - {code: 1, name_id: \"Penyandang disabilitas\"",
            "    units: [persons]\n    min_tier: 2\n    tier_reason: because\n    cases:\n      - {code: 1, name_id: \"Penyandang disabilitas\""));
        Assert.Contains("'tier_reason'", e.Message);
        Assert.Contains("remove it", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("two")]
    public void A_dimension_tier_outside_1_to_4_is_refused(string tier)
    {
        var e = Fails(Indicators, Replace(Dimensions, "    units: [persons]\n    min_tier: 2\n    column: r408", $"    units: [persons]\n    min_tier: {tier}\n    column: r408"));
        Assert.Contains("dimension 'marital_status'", e.Message);
        Assert.Contains("min_tier must be 1, 2, 3 or 4", e.Message);
    }
}
