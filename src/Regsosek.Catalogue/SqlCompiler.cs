using System.Globalization;
using System.Text;

namespace Regsosek.Catalogue;

/// <summary>
/// Compiles catalogue conditions, numerics and dimensions to DuckDB SQL expressions. Identifiers
/// are dictionary column names (validated at load: [a-z][a-z0-9_]*) and constants are numbers
/// from the catalogue, formatted by this class; nothing here comes from a client.
/// </summary>
internal static class SqlCompiler
{
    /// <summary>The SQL boolean expression of <paramref name="condition"/>; never NULL (NULL answers make tests false).</summary>
    public static string Condition(Condition condition, IndicatorCatalogue catalogue)
    {
        var sb = new StringBuilder();
        Append(sb, condition, catalogue);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, Condition condition, IndicatorCatalogue catalogue)
    {
        switch (condition)
        {
            case TrueCondition:
                sb.Append("true");
                break;
            case AllCondition all:
                AppendJoined(sb, all.Parts, " AND ", "true", catalogue);
                break;
            case AnyCondition any:
                AppendJoined(sb, any.Parts, " OR ", "false", catalogue);
                break;
            case NotCondition not:
                sb.Append("(NOT ");
                Append(sb, not.Inner, catalogue);
                sb.Append(')');
                break;
            case FlagCondition flag:
                sb.Append("coalesce(").Append(flag.Column).Append(" BETWEEN 1 AND ").Append(flag.MaxSum)
                  .Append(" AND (").Append(flag.Column).Append(" & ").Append(flag.Mask).Append(") <> 0, false)");
                break;
            case TestCondition test:
                AppendTest(sb, test, catalogue);
                break;
            default:
                throw new InvalidOperationException($"unknown condition {condition.GetType().Name}");
        }
    }

    private static void AppendJoined(StringBuilder sb, IReadOnlyList<Condition> parts, string op, string empty, IndicatorCatalogue catalogue)
    {
        if (parts.Count == 0)
        {
            sb.Append(empty);
            return;
        }
        sb.Append('(');
        for (int i = 0; i < parts.Count; i++)
        {
            if (i > 0) sb.Append(op);
            Append(sb, parts[i], catalogue);
        }
        sb.Append(')');
    }

    /// <summary>A test, as <c>coalesce(…, false)</c> (never NULL) or, without <paramref name="orFalse"/>, as <c>(…)</c>.</summary>
    private static void AppendTest(StringBuilder sb, TestCondition test, IndicatorCatalogue catalogue, bool orFalse = true)
    {
        var operand = test.Operand switch
        {
            VariableOperand v => v.Column,
            NumericOperand n => Numeric(catalogue.TryGetNumeric(n.NumericId, out var numeric)
                ? numeric.Expression
                : throw new InvalidOperationException($"numeric {n.NumericId} vanished")),
            _ => throw new InvalidOperationException("unknown operand"),
        };
        if (test.Operator == TestOperator.IsNull)
        {
            sb.Append('(').Append(operand).Append(test.Values[0] != 0 ? " IS NULL)" : " IS NOT NULL)");
            return;
        }
        sb.Append(orFalse ? "coalesce(" : "(").Append(operand);
        switch (test.Operator)
        {
            case TestOperator.In:
            case TestOperator.NotIn:
                sb.Append(test.Operator == TestOperator.In ? " IN (" : " NOT IN (");
                for (int i = 0; i < test.Values.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(Literal(test.Values[i]));
                }
                sb.Append(')');
                break;
            case TestOperator.Between:
                sb.Append(" BETWEEN ").Append(Literal(test.Values[0])).Append(" AND ").Append(Literal(test.Values[1]));
                break;
            case TestOperator.AtLeast: sb.Append(" >= ").Append(Literal(test.Values[0])); break;
            case TestOperator.GreaterThan: sb.Append(" > ").Append(Literal(test.Values[0])); break;
            case TestOperator.AtMost: sb.Append(" <= ").Append(Literal(test.Values[0])); break;
            case TestOperator.LessThan: sb.Append(" < ").Append(Literal(test.Values[0])); break;
            default: throw new InvalidOperationException($"operator {test.Operator} has no SQL form here");
        }
        sb.Append(orFalse ? ", false)" : ")");
    }

    /// <summary>The SQL DOUBLE expression of a numeric (NULL when not computable).</summary>
    public static string Numeric(NumericExpression expression) => expression switch
    {
        ColumnExpression c => $"CAST({c.Column} AS DOUBLE)",
        RatioExpression r => $"(CAST({r.Numerator} AS DOUBLE) / NULLIF({r.Denominator}, 0))",
        SumExpression s => "CAST(" + string.Join(" + ", s.Terms.Select(t => $"coalesce({t}, 0)")) + " AS DOUBLE)",
        _ => throw new InvalidOperationException("unknown numeric expression"),
    };

    /// <summary>The SQL BIGINT key of a non-region dimension: never NULL (-1 when not applicable).</summary>
    public static string DimensionKey(Dimension dimension, IndicatorCatalogue catalogue)
    {
        switch (dimension.Expression)
        {
            case ColumnDimension c:
                return $"coalesce(CAST({c.Column} AS BIGINT), {Dimension.NotApplicableCode})";
            case CaseDimension cases:
                return CaseKey(cases, (sb, when) => Append(sb, when, catalogue));
            default:
                throw new InvalidOperationException($"dimension {dimension.Id} has no SQL key of this kind");
        }
    }

    /// <summary>
    /// The same key as <see cref="DimensionKey"/>, written for a scan of the records: a CASE's branch conditions without
    /// the <c>coalesce(…, false)</c> that makes a condition never NULL, where it is not under a NOT (a WHEN whose
    /// condition is NULL is not taken, exactly as one that is false). DuckDB evaluates the bare comparisons about a
    /// third faster. The summaries keep <see cref="DimensionKey"/>'s text (they record it, and are matched by it).
    /// </summary>
    public static string ScanDimensionKey(Dimension dimension, IndicatorCatalogue catalogue)
    {
        return dimension.Expression is CaseDimension cases
            ? CaseKey(cases, (sb, when) => AppendPredicate(sb, when, catalogue))
            : DimensionKey(dimension, catalogue);
    }

    /// <summary>A CASE dimension's key, each branch's condition written by <paramref name="appendWhen"/>.</summary>
    private static string CaseKey(CaseDimension cases, Action<StringBuilder, Condition> appendWhen)
    {
        var sb = new StringBuilder("CAST(CASE");
        foreach (var (code, when) in cases.Cases)
        {
            sb.Append(" WHEN ");
            appendWhen(sb, when);
            sb.Append(" THEN ").Append(code);
        }
        sb.Append(" ELSE ").Append(Dimension.NotApplicableCode).Append(" END AS BIGINT)");
        return sb.ToString();
    }

    /// <summary>
    /// The SQL of <paramref name="condition"/> for a place where NULL counts as false (a WHEN, a FILTER): it may be NULL
    /// where <see cref="Condition"/>'s is false, never where it is true, and is cheaper to evaluate.
    /// </summary>
    public static string Predicate(Condition condition, IndicatorCatalogue catalogue)
    {
        var sb = new StringBuilder();
        AppendPredicate(sb, condition, catalogue);
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="condition"/> for a place where NULL counts as false (a WHEN): tests without their coalesce, AND and OR
    /// of such; a NOT over a variable's <c>in</c> test as <c>IS DISTINCT FROM</c> each value (never NULL, true where the
    /// value is NULL, exactly as <c>NOT coalesce(… IN …, false)</c>; DuckDB evaluates it about a quarter faster, which
    /// is most of what the national scan's safe-water condition cost beyond the plainest SQL, benchmarks/RESULTS.md); any
    /// other NOT (where NULL and false differ) and everything else as <see cref="Condition"/> writes it.
    /// </summary>
    private static void AppendPredicate(StringBuilder sb, Condition condition, IndicatorCatalogue catalogue)
    {
        switch (condition)
        {
            case TestCondition test when test.Operator != TestOperator.IsNull:
                AppendTest(sb, test, catalogue, orFalse: false);
                break;
            case NotCondition { Inner: TestCondition { Operand: VariableOperand v, Operator: TestOperator.In, Values.Count: > 0 } test }:
                sb.Append('(');
                for (int i = 0; i < test.Values.Count; i++)
                {
                    if (i > 0) sb.Append(" AND ");
                    sb.Append(v.Column).Append(" IS DISTINCT FROM ").Append(Literal(test.Values[i]));
                }
                sb.Append(')');
                break;
            case AllCondition { Parts.Count: > 0 } all:
                AppendPredicates(sb, all.Parts, " AND ", catalogue);
                break;
            case AnyCondition { Parts.Count: > 0 } any:
                AppendPredicates(sb, any.Parts, " OR ", catalogue);
                break;
            default:
                Append(sb, condition, catalogue);
                break;
        }
    }

    private static void AppendPredicates(StringBuilder sb, IReadOnlyList<Condition> parts, string op, IndicatorCatalogue catalogue)
    {
        sb.Append('(');
        for (int i = 0; i < parts.Count; i++)
        {
            if (i > 0) sb.Append(op);
            AppendPredicate(sb, parts[i], catalogue);
        }
        sb.Append(')');
    }

    /// <summary>A catalogue constant as a SQL number literal.</summary>
    public static string Literal(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
}
