namespace Regsosek.Schema.Tests;

public class UniverseRuleTests
{
    private static Func<string, long?> Row(params (string Column, long? Value)[] values) =>
        c => values.FirstOrDefault(v => v.Column == c).Value;

    [Fact]
    public void Comparisons_in_and_between_evaluate_like_SQL()
    {
        var r = UniverseRule.Parse("a >= 5 AND (b IN (1, 2) OR c BETWEEN 10 AND 20) AND NOT d = 3");
        Assert.True(r.Evaluate(Row(("a", 5), ("b", 2), ("d", 1))));
        Assert.True(r.Evaluate(Row(("a", 9), ("c", 20), ("d", 1))));
        Assert.False(r.Evaluate(Row(("a", 4), ("b", 1), ("d", 1))));
        Assert.False(r.Evaluate(Row(("a", 5), ("b", 1), ("d", 3))));
        Assert.Equal(new[] { "a", "b", "c", "d" }, r.Columns);
    }

    [Fact]
    public void A_comparison_with_NULL_is_false()
    {
        var r = UniverseRule.Parse("r412 IN (2, 3)");
        Assert.False(r.Evaluate(_ => null));
        Assert.True(UniverseRule.Parse("x IS NULL").Evaluate(_ => null));
        Assert.False(UniverseRule.Parse("x IS NOT NULL").Evaluate(_ => null));
    }

    [Fact]
    public void Sql_form_turns_unknown_into_false()
    {
        var sql = UniverseRule.Parse("r301a = 1").ToSql();
        Assert.Equal("coalesce(r301a = 1, false)", sql);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a = ", "integer")]
    [InlineData("a == 1", "integer")]
    [InlineData("a IN (1, 2", "')'")]
    [InlineData("a BETWEEN 5 AND 1", "lower bound")]
    [InlineData("(a = 1", "')'")]
    [InlineData("a = 1 b = 2", "unexpected 'b'")]
    [InlineData("a ! 1", "unexpected character '!'")]
    public void Bad_rules_say_what_is_wrong(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => UniverseRule.Parse(text));
        Assert.Contains(expected, e.Message);
    }
}
