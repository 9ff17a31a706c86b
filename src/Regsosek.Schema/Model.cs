using Regsosek.Core;

namespace Regsosek.Schema;

/// <summary>The two tables of the registry.</summary>
public enum TableKind
{
    /// <summary>One row a family: blocks I, III, V of REGSOSEK22-K plus welfare rank.</summary>
    Keluarga,
    /// <summary>One row a person: block IV, with the family's id, region codes and desil.</summary>
    Individu,
}

/// <summary>Storage type of a column, as DuckDB and Parquet see it.</summary>
public enum ColumnType
{
    Boolean,
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    Double,
    Varchar,
    Date,
}

/// <summary>One entry of a variable's code list.</summary>
public sealed record CodeLabel(int Code, string LabelId, string LabelEn);

/// <summary>
/// One column of the registry: a REGSOSEK22-K variable, or a derived column (region codes,
/// urban/rural, desil, percentile, record key, ids).
/// </summary>
public sealed record Variable
{
    public required TableKind Table { get; init; }
    /// <summary>Column name: "r" + question number for questionnaire variables (r301a, r407, r428j).</summary>
    public required string Column { get; init; }
    public required ColumnType Type { get; init; }
    /// <summary>Question number in REGSOSEK22-K ("301a"); null for derived columns.</summary>
    public string? Question { get; init; }
    public required string LabelId { get; init; }
    public required string LabelEn { get; init; }
    /// <summary>Allowed codes with labels; empty for free numbers and text.</summary>
    public IReadOnlyList<CodeLabel> Codes { get; init; } = [];
    /// <summary>True when the answer is a sum of flag codes ("Jumlahkan kode": 411, 426, 431a, 431f).</summary>
    public bool MultiSelectSum { get; init; }
    /// <summary>Identity variable (name, NIK, KK, address, coordinates, ...): tier 4 only.</summary>
    public bool Identity { get; init; }
    /// <summary>Quasi-identifier for the k-anonymity report (region, sex, age, marital status, ...).</summary>
    public bool QuasiIdentifier { get; init; }
    /// <summary>Lowest tier that may see the column in record-level data.</summary>
    public required Tier MinTier { get; init; }
    /// <summary>True for columns computed rather than asked (region codes, age bands, desil, record key).</summary>
    public bool Derived { get; init; }
    /// <summary>Who is asked, in words and as the skip rule ("age >= 5", "r416a = 1"); null when everyone.</summary>
    public string? Universe { get; init; }
    /// <summary>Inclusive numeric range for free numbers, when there is one.</summary>
    public double? Min { get; init; }
    public double? Max { get; init; }

    public bool HasCodes => Codes.Count > 0;
}
