namespace Regsosek.Core.Aggregates;

/// <summary>How a released cell relates to the exact value.</summary>
public enum CellStatus
{
    /// <summary>The exact value.</summary>
    Shown,
    /// <summary>A value changed by perturbation (cell-key noise), or computed from perturbed counts.</summary>
    Perturbed,
    /// <summary>Withheld; the value is absent (never shown as zero).</summary>
    Suppressed,
}

/// <summary>One released cell. <paramref name="Value"/> is null iff <paramref name="Status"/> is Suppressed;
/// <paramref name="Rule"/> names the rule that withheld or changed it (null when shown exactly).</summary>
public sealed record ReleasedValue(double? Value, CellStatus Status, string? Rule);

/// <summary>One released row: the same keys as the exact row, one value per measure.</summary>
public sealed record ReleasedRow(IReadOnlyList<long?> Keys, IReadOnlyList<ReleasedValue> Values);

/// <summary>A disclosure-control rule applied to a response, with its parameters (for the response and the audit).</summary>
/// <param name="Id">Stable rule id, e.g. "primary.threshold", "secondary.suppression", "perturbation.cell-key".</param>
public sealed record AppliedRule(string Id, string Description, IReadOnlyDictionary<string, string> Parameters);

/// <summary>The table as released to the caller, after disclosure control.</summary>
public sealed record ReleasedTable(TableShape Shape, IReadOnlyList<ReleasedRow> Rows, IReadOnlyList<AppliedRule> Rules);
