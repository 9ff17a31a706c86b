using Regsosek.Schema;
using Regsosek.Core.Aggregates;

namespace Regsosek.Catalogue;

/// <summary>Where one measure's values are in the result row.</summary>
/// <param name="Kind">The statistic.</param>
/// <param name="FirstColumn">Index of its first result column.</param>
/// <param name="Probability">Percentile: p.</param>
/// <remarks>
/// Columns from <paramref name="FirstColumn"/>, all BIGINT unless marked DOUBLE:
/// Count: count, key sum. Percentage: numerator count, numerator key sum, denominator count, denominator key sum.
/// Percentile/Min/Max: group size, key sum, statistic (DOUBLE).
/// Mean: group size, key sum, mean (DOUBLE), largest (DOUBLE: the scale of its magnitude noise), second largest
/// (DOUBLE; with the largest, the dominance rule on mean × group size).
/// Sum: group size, key sum, sum (DOUBLE), largest (DOUBLE), second largest (DOUBLE).
/// </remarks>
public sealed record MeasureLayout(StatisticKind Kind, int FirstColumn, double? Probability)
{
    /// <summary>Number of result columns of a measure of <paramref name="kind"/>.</summary>
    public static int ColumnCount(StatisticKind kind) => kind switch
    {
        StatisticKind.Count => 2,
        StatisticKind.Percentage => 4,
        StatisticKind.Sum or StatisticKind.Mean => 5,
        _ => 3,
    };
}

/// <summary>
/// One parameterised DuckDB query for an aggregate request. The result's column 0 is the BIGINT
/// grouping id (bit i, counted from the most significant of <c>Shape.Dimensions.Count</c> bits, set
/// when dimension i is totalled: a margin), columns 1..D the BIGINT dimension keys, then each
/// measure's columns as <see cref="Layout"/> says. Parameters are numbered from $1 in list order.
/// </summary>
public sealed record QueryPlan(string Sql, IReadOnlyList<QueryParameter> Parameters, TableShape Shape, IReadOnlyList<MeasureLayout> Layout)
{
    /// <summary>The prepared summary the query reads instead of the records (null: it reads the records).</summary>
    public string? Summary { get; init; }

    /// <summary>The engine's lane for the query: <see cref="QueryLane.Scan"/> when it reads the records of more than one
    /// regency (seconds at full scale), so that it never holds up the small queries.</summary>
    public QueryLane Lane { get; init; } = QueryLane.Small;
}

/// <summary>Which of the engine's connection pools runs a query.</summary>
public enum QueryLane
{
    /// <summary>A summary, a distribution, or the records of one regency or less: milliseconds.</summary>
    Small,

    /// <summary>The records of a province or the nation.</summary>
    Scan,
}
