namespace Regsosek.Catalogue;

/// <summary>
/// How a catalogue numeric is computed from dictionary columns of one table: a column, the ratio
/// of two columns (NULL when the divisor is 0 or NULL), or the sum of columns (NULLs count as 0).
/// </summary>
public abstract record NumericExpression
{
    /// <summary>The columns the expression reads.</summary>
    public abstract IEnumerable<string> Columns { get; }
}

/// <summary>One numeric column.</summary>
public sealed record ColumnExpression(string Column) : NumericExpression
{
    /// <inheritdoc/>
    public override IEnumerable<string> Columns => [Column];
}

/// <summary>Numerator column divided by denominator column (e.g. floor area / family size).</summary>
public sealed record RatioExpression(string Numerator, string Denominator) : NumericExpression
{
    /// <inheritdoc/>
    public override IEnumerable<string> Columns => [Numerator, Denominator];
}

/// <summary>The sum of several columns (e.g. all livestock).</summary>
public sealed record SumExpression(IReadOnlyList<string> Terms) : NumericExpression
{
    /// <inheritdoc/>
    public override IEnumerable<string> Columns => Terms;
}
