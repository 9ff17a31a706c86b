namespace Regsosek.Core.Aggregates;

/// <summary>The statistic a measure computes for each cell.</summary>
public enum StatisticKind
{
    /// <summary>A count of persons or families.</summary>
    Count,
    /// <summary>A percentage: numerator count over denominator count, times 100.</summary>
    Percentage,
    /// <summary>The mean of a numeric variable over the cell's records.</summary>
    Mean,
    /// <summary>The sum of a numeric magnitude (livestock, floor area) over the cell's records.</summary>
    Sum,
    /// <summary>A percentile (quantile p) of a numeric variable.</summary>
    Percentile,
    /// <summary>The minimum of a numeric variable: never released below tier 3.</summary>
    Min,
    /// <summary>The maximum of a numeric variable: never released below tier 3.</summary>
    Max,
}
