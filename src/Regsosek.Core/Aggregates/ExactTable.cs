namespace Regsosek.Core.Aggregates;

/// <summary>
/// A count of records together with the sum of their record keys (<c>record_key</c>, uniform in [0, 4096)),
/// which the cell-key perturbation needs. Both come from the same DuckDB query.
/// </summary>
/// <param name="Count">Number of records in the cell.</param>
/// <param name="KeySum">Sum of the records' <c>record_key</c> values (not reduced modulo anything).</param>
public readonly record struct KeyedCount(long Count, long KeySum);

/// <summary>What the engine computed exactly for one cell of one measure.</summary>
public sealed record ExactValue
{
    /// <summary>The statistic this value holds.</summary>
    public required StatisticKind Kind { get; init; }

    /// <summary>Count: the count. Percentage: the records meeting the numerator condition.
    /// Other kinds: the records the statistic was computed over (its key sum may be 0 when not computed).</summary>
    public KeyedCount Numerator { get; init; }

    /// <summary>Percentage: the records meeting the denominator condition; null otherwise.</summary>
    public KeyedCount? Denominator { get; init; }

    /// <summary>Mean/Sum/Percentile/Min/Max: the exact value (null when the group has no data).</summary>
    public double? Statistic { get; init; }

    /// <summary>Percentile: the quantile p in (0, 1).</summary>
    public double? Probability { get; init; }

    /// <summary>Number of records the statistic was computed over (group-size rule).</summary>
    public long GroupSize { get; init; }

    /// <summary>Sum: the largest single contribution, for the (n, k) dominance rule. Sum and Mean: the scale of the
    /// magnitude perturbation (issue 11, class 4); a mean without it is withheld at tiers that perturb magnitudes.</summary>
    public double? Largest { get; init; }

    /// <summary>Sum: the second largest single contribution, for the (n, k) dominance rule.</summary>
    public double? SecondLargest { get; init; }

    /// <summary>Percentile (optional, issue 11 class 4): the local spread around the percentile, e.g. the
    /// difference between the values at ranks k + T and k − T (T the tier's group-size threshold). When given, the
    /// percentile's noise is scaled to it; otherwise to the percentile's own magnitude.</summary>
    public double? LocalSpread { get; init; }

    /// <summary>A count cell.</summary>
    public static ExactValue OfCount(long count, long keySum) =>
        new() { Kind = StatisticKind.Count, Numerator = new KeyedCount(count, keySum), GroupSize = count };

    /// <summary>A percentage cell from its numerator and denominator counts.</summary>
    public static ExactValue OfPercentage(KeyedCount numerator, KeyedCount denominator) =>
        new() { Kind = StatisticKind.Percentage, Numerator = numerator, Denominator = denominator, GroupSize = denominator.Count };
}

/// <summary>
/// One row of an exact table: the values of the table's dimensions (null = total over that dimension,
/// i.e. a margin) and one <see cref="ExactValue"/> per measure, in the order of <see cref="TableShape.Measures"/>.
/// </summary>
public sealed record ExactRow(IReadOnlyList<long?> Keys, IReadOnlyList<ExactValue> Values);

/// <summary>A measure of a table: its catalogue id, its statistic and its unit.</summary>
/// <param name="Unit">"persons", "families", or the unit of the variable.</param>
public sealed record MeasureInfo(string Id, StatisticKind Kind, string Unit)
{
    /// <summary>The catalogue numeric a mean/sum/percentile summarises ("age"), which keys its magnitude noise
    /// (issue 11, class 4); when null the measure id up to its ':' is used.</summary>
    public string? Variable { get; init; }
}

/// <summary>
/// The shape of a table. Dimensions are named by catalogue id ("region", "sex", "age_group", "desil", ...).
/// For "region" the key is the numeric region code; the total row (null) is the requested region itself.
/// </summary>
public sealed record TableShape(IReadOnlyList<string> Dimensions, IReadOnlyList<MeasureInfo> Measures);

/// <summary>
/// The engine's exact result. Complete: when the request has dimensions, the rows include every margin
/// (GROUPING SETS of the full cube), so additivity holds: a total equals the sum of its children.
/// </summary>
public sealed record ExactTable(TableShape Shape, IReadOnlyList<ExactRow> Rows);
