using System.Globalization;
using Regsosek.Core.Aggregates;

namespace Regsosek.Catalogue;

/// <summary>
/// A measure of a request, resolved against the catalogue: an indicator ("jkn_coverage"), or a
/// statistic of a catalogue numeric written "&lt;numeric&gt;:&lt;statistic&gt;" — "age:mean",
/// "livestock_cattle:sum", "floor_area_per_capita:p50", "age:p2.5", "age:min", "age:max".
/// </summary>
public sealed record Measure
{
    /// <summary>The id as the request named it (the indicator id, or the numeric spec).</summary>
    public required string Id { get; init; }
    /// <summary>The statistic.</summary>
    public required StatisticKind Kind { get; init; }
    /// <summary>Persons or families.</summary>
    public required Unit Unit { get; init; }
    /// <summary>Count/percentage: the numerator; numeric statistics: the extra condition on records.</summary>
    public required Condition Numerator { get; init; }
    /// <summary>Percentage: the denominator.</summary>
    public Condition? Denominator { get; init; }
    /// <summary>Numeric statistics: the numeric summarised.</summary>
    public NumericVariable? Numeric { get; init; }
    /// <summary>Percentile: p in (0, 1).</summary>
    public double? Probability { get; init; }
    /// <summary>Who may see it.</summary>
    public required Visibility Visibility { get; init; }
    /// <summary>The unit reported in the table shape: "persons"/"families" for counts and percentages,
    /// the numeric's unit ("years", "m2") for its statistics.</summary>
    public string ValueUnit => Numeric?.ValueUnit ?? Unit.Name();

    /// <summary>The measure of an indicator.</summary>
    public static Measure Of(Indicator indicator) => new()
    {
        Id = indicator.Id,
        Kind = indicator.Statistic,
        Unit = indicator.Unit,
        Numerator = indicator.Numerator,
        Denominator = indicator.Denominator,
        Numeric = indicator.Of,
        Probability = indicator.Probability,
        Visibility = indicator.Visibility,
    };

    /// <summary>
    /// Parses the statistic part of a numeric spec: mean, sum, min, max, or p followed by a
    /// percentage in (0, 100) ("p50", "p2.5"). Returns an error message that says what to write otherwise.
    /// </summary>
    public static bool TryParseStatistic(string text, out StatisticKind kind, out double? probability, out string? error)
    {
        probability = null;
        error = null;
        switch (text)
        {
            case "mean": kind = StatisticKind.Mean; return true;
            case "sum": kind = StatisticKind.Sum; return true;
            case "min": kind = StatisticKind.Min; return true;
            case "max": kind = StatisticKind.Max; return true;
        }
        kind = StatisticKind.Percentile;
        if (text.Length > 1 && text.Length <= 8 && text[0] == 'p' && !text.Contains(',') &&
            double.TryParse(text.AsSpan(1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var pct) &&
            pct > 0 && pct < 100)
        {
            probability = pct / 100.0;
            return true;
        }
        error = "the statistic must be mean, sum, min, max, or a percentile p1 to p99 (decimals allowed, e.g. p2.5)";
        return false;
    }
}
