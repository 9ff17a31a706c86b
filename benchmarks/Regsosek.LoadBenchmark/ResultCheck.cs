using System.Globalization;
using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;
using CellStatus = Regsosek.Api.V1.CellStatus;

namespace Regsosek.LoadBenchmark;

/// <summary>
/// Compares a service response with DuckDB's exact result of the same SQL. Every row DuckDB returns must be in
/// the response; the response may have more rows, the categories SQL leaves out (tables are complete, issue 11
/// class 3), and those must be zeros. Without disclosure control every cell must be the exact value. With it, a
/// cell may be withheld (no value, a rule named), perturbed (a count within ±D of the exact count, a percentage
/// within what ±D on numerator and denominator allow, a percentile within the magnitude noise's 5 % of its value),
/// or shown exactly — any other difference is a failure.
/// </summary>
public static class ResultCheck
{
    /// <summary>Problems found (empty when the response agrees with the exact result).</summary>
    /// <param name="maxNoise">D of the cell-key perturbation; null when the response must be exact (pass-through).</param>
    public static IReadOnlyList<string> Compare(QueryPlan plan, IReadOnlyList<DirectRow> exact, AggregateResponse response, int? maxNoise)
    {
        var problems = new List<string>();
        if (response.Rows.Count < exact.Count)
            problems.Add($"{response.Rows.Count} rows from the service, {exact.Count} from DuckDB");
        if (response.Measures.Count != plan.Layout.Count)
            problems.Add($"{response.Measures.Count} measures from the service, {plan.Layout.Count} in the plan");
        if (!response.Dimensions.SequenceEqual(plan.Shape.Dimensions))
            problems.Add($"dimensions [{string.Join(", ", response.Dimensions)}] from the service, [{string.Join(", ", plan.Shape.Dimensions)}] in the plan");
        if (problems.Count > 0) return problems;

        var byKey = new Dictionary<string, DirectRow>(StringComparer.Ordinal);
        foreach (var row in exact)
            if (!byKey.TryAdd(row.Key, row)) problems.Add($"DuckDB returned key ({row.Key}) twice");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in response.Rows)
        {
            var key = DirectDuckDb.KeyOf(row.Keys.Select(k => k.HasCode ? k.Code : (long?)null).ToList());
            if (!seen.Add(key)) { problems.Add($"the service returned key ({key}) twice"); continue; }
            // A key DuckDB did not return is an empty group the completed table lists: its truth is zero.
            var truth = byKey.GetValueOrDefault(key)
                ?? new DirectRow(key, new long[plan.Layout.Count], new long[plan.Layout.Count], new double?[plan.Layout.Count]);
            if (row.Cells.Count != plan.Layout.Count) { problems.Add($"({key}): {row.Cells.Count} cells for {plan.Layout.Count} measures"); continue; }
            for (int m = 0; m < plan.Layout.Count; m++)
                if (CheckCell(plan.Layout[m].Kind, row.Cells[m], truth, m, maxNoise) is { } problem)
                    problems.Add($"({key}) {response.Measures[m].Id}: {problem}");
            if (problems.Count > 20) { problems.Add("… (stopped after 20 problems)"); break; }
        }
        foreach (var key in byKey.Keys)
            if (!seen.Contains(key) && problems.Count <= 20) problems.Add($"DuckDB returned key ({key}), which the service did not");
        return problems;
    }

    private static string? CheckCell(StatisticKind kind, Cell cell, DirectRow truth, int m, int? maxNoise)
    {
        double? exact = kind switch
        {
            StatisticKind.Count => truth.Counts[m],
            StatisticKind.Percentage => truth.Denominators[m] > 0 ? 100.0 * truth.Counts[m] / truth.Denominators[m] : null,
            _ => truth.Statistics[m],
        };
        switch (cell.Status)
        {
            case CellStatus.Suppressed:
                if (cell.HasValue) return $"suppressed but carries a value {F(cell.Value)}";
                if (string.IsNullOrEmpty(cell.Rule)) return "suppressed without naming a rule";
                if (maxNoise is null && exact is not null) return $"withheld ({cell.Rule}) without disclosure control; exact {F(exact)}";
                return null;
            case CellStatus.Shown:
                if (!cell.HasValue) return "shown without a value";
                return Same(cell.Value, exact) ? null : $"shown as {F(cell.Value)}, exact {F(exact)}";
            case CellStatus.Perturbed:
                if (maxNoise is not { } d) return $"perturbed ({F(cell.Value)}) without disclosure control; exact {F(exact)}";
                if (!cell.HasValue) return "perturbed without a value";
                return kind switch
                {
                    StatisticKind.Count => Math.Abs(cell.Value - truth.Counts[m]) <= d ? null
                        : $"perturbed to {F(cell.Value)}, more than D = {d} from the exact {truth.Counts[m]}",
                    StatisticKind.Percentage => WithinPerturbedPercentage(cell.Value, truth.Counts[m], truth.Denominators[m], d) ? null
                        : $"percentage {F(cell.Value)} is not reachable with ±{d} on {truth.Counts[m]}/{truth.Denominators[m]}",
                    StatisticKind.Percentile => truth.Statistics[m] is { } x && Math.Abs(cell.Value - x) <= 0.05 * Math.Abs(x) + 1e-9 ? null
                        : $"percentile perturbed to {F(cell.Value)}, more than 5 % from the exact {F(truth.Statistics[m])}",
                    _ => truth.Statistics[m] is not null ? null : $"a {kind} cell is perturbed ({F(cell.Value)}) but has no exact value",
                };
            default:
                return $"status {cell.Status}";
        }
    }

    private static bool Same(double value, double? exact) =>
        exact is { } e && Math.Abs(value - e) <= 1e-9 * Math.Max(1, Math.Abs(e));

    private static bool WithinPerturbedPercentage(double value, long num, long den, int d)
    {
        double low = 100.0 * Math.Max(0, num - d) / Math.Max(1, den + d);
        double high = den - d <= 0 ? 100 : Math.Min(100, 100.0 * (num + d) / (den - d));
        return value >= low - 1e-9 && value <= high + 1e-9;
    }

    private static string F(double? v) => v?.ToString("G6", CultureInfo.InvariantCulture) ?? "none";
}
