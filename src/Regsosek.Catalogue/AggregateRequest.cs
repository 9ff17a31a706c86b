using Regsosek.Core;

namespace Regsosek.Catalogue;

/// <summary>A filter on a dimension: keep the records whose key is one of <paramref name="Values"/>.
/// For "region" the values are region codes (numeric, any level below the requested region).</summary>
public sealed record DimensionFilter(string Dimension, IReadOnlyList<long> Values);

/// <summary>
/// An aggregate request in catalogue terms: measures (indicator ids, or numeric statistics such as
/// "age:p50"), the region, an optional region breakdown (the level below the region to break it
/// down to), group-by dimensions and filters. Everything is a catalogue name or a value; the
/// planner never puts any of it into SQL text.
/// </summary>
public sealed record AggregateRequest(
    IReadOnlyList<string> Measures,
    RegionCode Region,
    RegionLevel? Breakdown,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<DimensionFilter> Filters)
{
    /// <summary>
    /// A desil distribution: families (or persons) per desil 1-10 of <paramref name="region"/>, desil
    /// first, then the other breakdowns.
    /// </summary>
    public static AggregateRequest DesilDistribution(Unit unit, RegionCode region, RegionLevel? breakdown,
        IReadOnlyList<string> groupBy, IReadOnlyList<DimensionFilter> filters) =>
        new([unit == Unit.Persons ? "population" : "family_count"], region, breakdown, ["desil", .. groupBy], filters);

    /// <summary>
    /// Percentiles of a catalogue numeric: one measure "&lt;numeric&gt;:p&lt;100·p&gt;" for each probability
    /// in (0, 1). Probabilities outside (0, 1) are reported by the planner as invalid measures.
    /// </summary>
    public static AggregateRequest Percentiles(string numeric, IReadOnlyList<double> probabilities, RegionCode region,
        RegionLevel? breakdown, IReadOnlyList<string> groupBy, IReadOnlyList<DimensionFilter> filters) =>
        new(probabilities.Select(p => $"{numeric}:p{(p * 100).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}").ToList(),
            region, breakdown, groupBy, filters);
}
