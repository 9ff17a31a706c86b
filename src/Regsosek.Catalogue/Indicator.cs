using Regsosek.Core;
using Regsosek.Core.Aggregates;

namespace Regsosek.Catalogue;

/// <summary>Who may see a catalogue entry, and down to which region level.</summary>
/// <param name="Open">On the data owner's open list: shown at tier 1 (the public).</param>
/// <param name="MinTier">Lowest tier that may see it; 1 exactly when <paramref name="Open"/>.</param>
/// <param name="LowestLevel">The lowest region level at which it may be shown (as the region or its breakdown).</param>
public sealed record Visibility(bool Open, Tier MinTier, RegionLevel LowestLevel);

/// <summary>
/// One indicator of the catalogue: a count, a percentage (numerator over denominator) or a
/// statistic of a catalogue numeric, over persons or families.
/// </summary>
public sealed record Indicator
{
    /// <summary>Stable id used by clients (snake_case).</summary>
    public required string Id { get; init; }
    /// <summary>Indonesian name.</summary>
    public required string NameId { get; init; }
    /// <summary>English name.</summary>
    public required string NameEn { get; init; }
    /// <summary>The definition in words (English), as ListIndicators shows it.</summary>
    public required string Definition { get; init; }
    /// <summary>Where the indicator comes from (Lampiran 2 of circular 8/2023, or "catalogue").</summary>
    public required string Source { get; init; }
    /// <summary>What is counted.</summary>
    public required Unit Unit { get; init; }
    /// <summary>The statistic computed per cell.</summary>
    public required StatisticKind Statistic { get; init; }
    /// <summary>Count: the records counted. Percentage: the numerator (evaluated within the denominator).
    /// Numeric statistics: an extra condition on the records (true when absent).</summary>
    public required Condition Numerator { get; init; }
    /// <summary>Percentage only: the denominator.</summary>
    public Condition? Denominator { get; init; }
    /// <summary>Numeric statistics: the catalogue numeric they summarise.</summary>
    public NumericVariable? Of { get; init; }
    /// <summary>Percentile: p in (0, 1).</summary>
    public double? Probability { get; init; }
    /// <summary>Tiers and region levels.</summary>
    public required Visibility Visibility { get; init; }
}

/// <summary>
/// A numeric of the catalogue (age, floor area per capita, hours worked, livestock …) whose
/// mean, sum, percentiles, minimum and maximum clients may ask for ("age:p50", "floor_area_per_capita:mean").
/// </summary>
public sealed record NumericVariable
{
    /// <summary>Stable id used by clients.</summary>
    public required string Id { get; init; }
    /// <summary>Indonesian name.</summary>
    public required string NameId { get; init; }
    /// <summary>English name.</summary>
    public required string NameEn { get; init; }
    /// <summary>The unit of the values ("years", "m2", "head", "hours", "persons").</summary>
    public required string ValueUnit { get; init; }
    /// <summary>Whose values: persons or families.</summary>
    public required Unit Unit { get; init; }
    /// <summary>How the value is computed.</summary>
    public required NumericExpression Expression { get; init; }
    /// <summary>Records the statistics are computed over (besides the value not being NULL).</summary>
    public required Condition Where { get; init; }
    /// <summary>Tiers and region levels.</summary>
    public required Visibility Visibility { get; init; }
    /// <summary>True when every value is a whole number (a column, or a sum of columns, of integer types): then sums and
    /// means computed in DOUBLE are exact in any order of addition (below 2^53), so a distribution's Σ value × count equals
    /// the scan's sum bit for bit. A ratio is not.</summary>
    public bool IntegerValued { get; init; }
}
