namespace Regsosek.Catalogue;

/// <summary>
/// A condition of the catalogue's small condition language, on the columns of one table
/// (see schema/indicators.yaml for the YAML form). Conditions are built only from the
/// catalogue, never from clients, and compile to SQL with the planner.
/// Every leaf is two-valued: a NULL answer (outside the question's universe) makes a test false,
/// so <c>not</c> of a test on a NULL answer is true.
/// </summary>
public abstract record Condition;

/// <summary>The comparison a <see cref="TestCondition"/> makes.</summary>
public enum TestOperator
{
    /// <summary>value IN (codes).</summary>
    In,
    /// <summary>value NOT IN (codes); false when NULL.</summary>
    NotIn,
    /// <summary>value BETWEEN low AND high (inclusive).</summary>
    Between,
    /// <summary>value &gt;= bound.</summary>
    AtLeast,
    /// <summary>value &gt; bound.</summary>
    GreaterThan,
    /// <summary>value &lt;= bound.</summary>
    AtMost,
    /// <summary>value &lt; bound.</summary>
    LessThan,
    /// <summary>value IS NULL (operand 1) or IS NOT NULL (operand 0).</summary>
    IsNull,
    /// <summary>A multi-select sum ("Jumlahkan kode") has any of the flags.</summary>
    HasFlag,
}

/// <summary>A test on one operand: a dictionary variable or a catalogue numeric.</summary>
/// <param name="Operand">What is tested.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Values">The constants: codes for In/NotIn/HasFlag, [low, high] for Between, [bound] otherwise,
/// [1] or [0] for IsNull (true / false).</param>
public sealed record TestCondition(Operand Operand, TestOperator Operator, IReadOnlyList<double> Values) : Condition;

/// <summary>True when every part is true (true when empty).</summary>
public sealed record AllCondition(IReadOnlyList<Condition> Parts) : Condition;

/// <summary>True when any part is true (false when empty).</summary>
public sealed record AnyCondition(IReadOnlyList<Condition> Parts) : Condition;

/// <summary>True when the inner condition is false.</summary>
public sealed record NotCondition(Condition Inner) : Condition;

/// <summary>The constant true: "every record of the unit".</summary>
public sealed record TrueCondition : Condition
{
    /// <summary>The one instance.</summary>
    public static TrueCondition Instance { get; } = new();
}

/// <summary>What a <see cref="TestCondition"/> tests.</summary>
public abstract record Operand;

/// <summary>A column of the data dictionary.</summary>
public sealed record VariableOperand(string Column) : Operand;

/// <summary>A numeric of the catalogue (e.g. floor area per capita), by id.</summary>
public sealed record NumericOperand(string NumericId) : Operand;

/// <summary>
/// A multi-select sum ("Jumlahkan kode": 411, 431a, 431f) has any of the flags in <paramref name="Mask"/>.
/// Special answers above <paramref name="MaxSum"/> (the sum of every flag; 99 = "don't know") have no flag.
/// </summary>
public sealed record FlagCondition(string Column, int Mask, int MaxSum) : Condition;
