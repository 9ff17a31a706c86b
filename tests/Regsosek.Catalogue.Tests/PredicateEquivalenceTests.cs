using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Tests;

/// <summary>
/// The scan writes a condition in its cheaper predicate form (<see cref="SqlCompiler.Predicate"/>: where NULL counts as
/// false) and the summaries in its exact form (<see cref="SqlCompiler.Condition"/>: never NULL). Both must select the
/// same records, or the scan and the summaries give different tables. Checked by DuckDB itself on every combination of
/// values (NULL included) of three small columns, for random condition trees.
/// </summary>
public class PredicateEquivalenceTests
{
    private static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(DataDictionary.Default);
    private static readonly string[] Columns = ["a", "b", "c"];

    private static Gen<TestCondition> Tests =>
        from column in Gen.Elements(Columns)
        from op in Gen.Elements(TestOperator.In, TestOperator.NotIn, TestOperator.Between, TestOperator.AtLeast,
            TestOperator.GreaterThan, TestOperator.AtMost, TestOperator.LessThan, TestOperator.IsNull)
        from values in Gen.Choose(-1, 4).Select(v => (double)v).ListOf().Where(l => l.Count is >= 1 and <= 3)
        select new TestCondition(new VariableOperand(column), op, op switch
        {
            TestOperator.In or TestOperator.NotIn => values.ToList(),
            TestOperator.Between => [values.Min(), values.Max()],
            TestOperator.IsNull => [values[0] > 1 ? 1 : 0],
            _ => [values[0]],
        });

    private static Gen<Condition> Conditions(int depth) => depth == 0
        ? Gen.Frequency((6, Tests.Select(t => (Condition)t)), (1, Gen.Constant((Condition)new TrueCondition())))
        : Gen.Frequency(
            (3, Tests.Select(t => (Condition)t)),
            (2, Conditions(depth - 1).Select(c => (Condition)new NotCondition(c))),
            (2, Conditions(depth - 1).ListOf().Select(l => (Condition)new AllCondition(l.Take(3).ToList()))),
            (2, Conditions(depth - 1).ListOf().Select(l => (Condition)new AnyCondition(l.Take(3).ToList()))),
            (1, Gen.Constant((Condition)new TrueCondition())));

    /// <summary>Every combination of a, b, c in {NULL, -1, 0, 1, 2, 3, 4} as TINYINT (343 rows).</summary>
    private static DuckDBConnection Records()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE r AS
            SELECT CAST(a AS TINYINT) AS a, CAST(b AS TINYINT) AS b, CAST(c AS TINYINT) AS c
            FROM (SELECT unnest([NULL, -1, 0, 1, 2, 3, 4]) AS a), (SELECT unnest([NULL, -1, 0, 1, 2, 3, 4]) AS b),
                 (SELECT unnest([NULL, -1, 0, 1, 2, 3, 4]) AS c)
            """;
        cmd.ExecuteNonQuery();
        return connection;
    }

    /// <summary>(records where the exact form is NULL, records where the two forms select differently, records selected).</summary>
    private static (long Null, long Differ, long Selected) Compare(DuckDBConnection connection, Condition condition)
    {
        var exact = SqlCompiler.Condition(condition, Catalogue);
        var predicate = SqlCompiler.Predicate(condition, Catalogue);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT count(*) FILTER (WHERE ({exact}) IS NULL),
                   count(*) FILTER (WHERE ({exact}) IS DISTINCT FROM coalesce(({predicate}), false)),
                   count(*) FILTER (WHERE {exact})
            FROM r
            """;
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    [Fact]
    public void The_predicate_form_selects_exactly_the_records_the_exact_form_does()
    {
        using var connection = Records();
        Prop.ForAll(Conditions(3).ToArbitrary(), condition =>
        {
            var (nulls, differ, _) = Compare(connection, condition);
            Assert.True(nulls == 0, $"{SqlCompiler.Condition(condition, Catalogue)} is NULL on {nulls} records");
            Assert.True(differ == 0, $"{SqlCompiler.Predicate(condition, Catalogue)} selects differently on {differ} records");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Not_in_is_written_as_is_distinct_from_and_is_true_where_the_value_is_missing()
    {
        // Safe drinking water's "not known to be within 10 m of a septic pit": {not: {var: r306b, in: [1]}}.
        var condition = new NotCondition(new TestCondition(new VariableOperand("a"), TestOperator.In, [1, 3]));
        Assert.Equal("(a IS DISTINCT FROM 1 AND a IS DISTINCT FROM 3)", SqlCompiler.Predicate(condition, Catalogue));
        using var connection = Records();
        var (nulls, differ, selected) = Compare(connection, condition);
        Assert.Equal(0, nulls);
        Assert.Equal(0, differ);
        Assert.Equal(5 * 49, selected); // a in {NULL, -1, 0, 2, 4}, any b and c
    }
}
