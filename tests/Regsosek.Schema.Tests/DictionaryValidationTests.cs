namespace Regsosek.Schema.Tests;

/// <summary>Parse rejects dictionaries that break an invariant, naming the entry and the problem.</summary>
public class DictionaryValidationTests
{
    private const string Header = "schema_version: \"t1\"\nvariables:\n";
    private const string Ok = "  - {table: keluarga, column: family_id, type: bigint, derived: true, min_tier: 3, label_id: a, label_en: b}\n";

    private static DataDictionaryException Rejects(string entries) =>
        Assert.Throws<DataDictionaryException>(() => DataDictionary.Parse(Header + Ok + entries));

    [Fact]
    public void A_minimal_dictionary_parses()
    {
        var d = DataDictionary.Parse(Header + Ok + "  - {table: individu, column: r405, question: \"405\", type: tinyint, min_tier: 3, label_id: a, label_en: b, codes: [[1, L, M], [2, P, F]]}\n");
        Assert.Equal("t1", d.SchemaVersion);
        Assert.Equal(2, d.Get(TableKind.Individu, "r405").Codes.Count);
    }

    [Fact]
    public void Duplicate_column_in_a_table_is_rejected()
    {
        var e = Rejects(Ok);
        Assert.Contains("keluarga.family_id", e.Message);
        Assert.Contains("twice", e.Message);
    }

    [Fact]
    public void Same_column_in_both_tables_is_allowed()
    {
        var d = DataDictionary.Parse(Header + Ok + Ok.Replace("keluarga", "individu"));
        Assert.True(d.TryGet(TableKind.Individu, "family_id", out _));
    }

    [Fact]
    public void Duplicate_code_is_rejected()
    {
        var e = Rejects("  - {table: keluarga, column: r303, question: \"303\", type: tinyint, min_tier: 3, label_id: a, label_en: b, codes: [[1, x, y], [1, z, w]]}\n");
        Assert.Contains("keluarga.r303", e.Message);
        Assert.Contains("code 1 appears twice", e.Message);
    }

    [Fact]
    public void Identity_below_tier_4_is_rejected()
    {
        var e = Rejects("  - {table: individu, column: r402, question: \"402\", type: varchar, identity: true, min_tier: 3, label_id: a, label_en: b}\n");
        Assert.Contains("individu.r402", e.Message);
        Assert.Contains("min_tier 4", e.Message);
    }

    [Fact]
    public void Codes_must_fit_the_type()
    {
        var e = Rejects("  - {table: keluarga, column: r303, question: \"303\", type: tinyint, min_tier: 3, label_id: a, label_en: b, codes: [[300, x, y]]}\n");
        Assert.Contains("code 300 does not fit TINYINT", e.Message);
        var s = Rejects("  - {table: keluarga, column: r303, question: \"303\", type: varchar, min_tier: 3, label_id: a, label_en: b, codes: [[1, x, y]]}\n");
        Assert.Contains("integer type", s.Message);
    }

    [Fact]
    public void Multi_select_flags_must_be_powers_of_two()
    {
        var e = Rejects("  - {table: individu, column: r411, question: \"411\", type: tinyint, min_tier: 3, label_id: a, label_en: b, multi_select_sum: true, codes: [[0, x, y], [1, x, y], [3, x, y]]}\n");
        Assert.Contains("individu.r411", e.Message);
        Assert.Contains("powers of two", e.Message);
    }

    [Fact]
    public void Universe_must_refer_to_columns_of_the_same_table()
    {
        var e = Rejects("  - {table: keluarga, column: r301b, question: \"301b\", type: tinyint, min_tier: 3, label_id: a, label_en: b, universe: \"r301x = 1\"}\n");
        Assert.Contains("keluarga.r301b", e.Message);
        Assert.Contains("'r301x'", e.Message);
    }

    [Fact]
    public void Universe_syntax_errors_name_the_entry()
    {
        var e = Rejects("  - {table: keluarga, column: r301b, question: \"301b\", type: tinyint, min_tier: 3, label_id: a, label_en: b, universe: \"family_id = \"}\n");
        Assert.Contains("entry 2 (keluarga.r301b)", e.Message);
        Assert.Contains("integer", e.Message);
    }

    [Fact]
    public void Unknown_type_and_table_are_rejected_with_the_choices()
    {
        Assert.Contains("must be one of", Rejects("  - {table: keluarga, column: x1, type: text, derived: true, min_tier: 3, label_id: a, label_en: b}\n").Message);
        Assert.Contains("keluarga or individu", Rejects("  - {table: rumah, column: x1, type: integer, derived: true, min_tier: 3, label_id: a, label_en: b}\n").Message);
    }

    [Fact]
    public void Min_above_max_is_rejected()
    {
        var e = Rejects("  - {table: keluarga, column: r302, question: \"302\", type: smallint, min_tier: 3, label_id: a, label_en: b, min: 10, max: 1}\n");
        Assert.Contains("above max", e.Message);
    }

    [Fact]
    public void Misspelt_field_is_reported_with_its_line()
    {
        var e = Rejects("  - {table: keluarga, column: r302, question: \"302\", type: smallint, min_teir: 3, label_id: a, label_en: b}\n");
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void Missing_schema_version_is_rejected()
    {
        var e = Assert.Throws<DataDictionaryException>(() => DataDictionary.Parse("variables:\n" + Ok));
        Assert.Contains("schema_version", e.Message);
    }
}
