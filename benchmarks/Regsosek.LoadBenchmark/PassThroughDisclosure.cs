using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.LoadBenchmark;

/// <summary>
/// Disclosure control replaced by a pass-through, to measure what disclosure control costs: every cell is
/// released exactly as the engine computed it (counts, percentages from the exact counts, statistics), the
/// way the real step releases values at tiers without protection. For benchmarking only: it releases
/// small counts to the public.
/// </summary>
public sealed class PassThroughDisclosure : IDisclosureControl
{
    /// <summary>The rule id the pass-through reports in responses.</summary>
    public const string RuleId = "benchmark.pass-through";

    private static readonly IReadOnlyList<AppliedRule> Rules =
    [
        new AppliedRule(RuleId, "benchmark only: exact values, no disclosure control", new Dictionary<string, string>()),
    ];

    /// <inheritdoc />
    public ReleasedTable Apply(ExactTable table, Tier tier)
    {
        var rows = new ReleasedRow[table.Rows.Count];
        for (int r = 0; r < rows.Length; r++)
        {
            var exact = table.Rows[r].Values;
            var values = new ReleasedValue[exact.Count];
            for (int j = 0; j < values.Length; j++)
            {
                double? value = ExactValueOf(exact[j]);
                values[j] = value is null
                    ? new ReleasedValue(null, CellStatus.Suppressed, DisclosureRules.NoData)
                    : new ReleasedValue(value, CellStatus.Shown, null);
            }
            rows[r] = new ReleasedRow(table.Rows[r].Keys, values);
        }
        return new ReleasedTable(table.Shape, rows, Rules);
    }

    /// <summary>The exact value of a cell as a client would see it: a count, a percentage (0–100) or the statistic;
    /// null when there is none (a percentage of an empty denominator, a statistic of an empty group).</summary>
    public static double? ExactValueOf(ExactValue v) => v.Kind switch
    {
        StatisticKind.Count => v.Numerator.Count,
        StatisticKind.Percentage => v.Denominator is { Count: > 0 } d ? 100.0 * v.Numerator.Count / d.Count : null,
        _ => v.Statistic,
    };
}
