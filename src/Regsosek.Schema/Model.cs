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
    // Member names are the DuckDB types; see ColumnTypeExtensions.ToSql.
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
    /// <summary>Question number in REGSOSEK22-K ("301a"); null for purely computed columns (ids, desil).
    /// The region columns carry 101-104 although they are derived from the village code.</summary>
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
    /// <summary>Who is asked, as a skip rule over columns of the same table ("r404 IN (1, 5) AND r407 >= 5");
    /// null when everyone. Grammar: see <see cref="Regsosek.Schema.UniverseRule"/>.</summary>
    public string? Universe { get; init; }
    /// <summary>The skip rule in words, as the form puts it.</summary>
    public string? UniverseNote { get; init; }
    /// <summary>The parsed <see cref="Universe"/>; null when everyone is asked.</summary>
    public UniverseRule? UniverseRule { get; init; }
    /// <summary>True when the answer may be NULL even inside the universe (a second electricity meter).</summary>
    public bool Optional { get; init; }
    /// <summary>Inclusive numeric range for free numbers, when there is one.</summary>
    public double? Min { get; init; }
    public double? Max { get; init; }

    /// <summary>True when the variable has a code list.</summary>
    public bool HasCodes => Codes.Count > 0;

    /// <summary>The DuckDB type name of <see cref="Type"/> (TINYINT, VARCHAR, ...).</summary>
    public string SqlType => Type.ToSql();

    /// <summary>The label of <paramref name="code"/>, or null when it is not in the code list.</summary>
    public CodeLabel? FindCode(int code)
    {
        foreach (var c in Codes)
            if (c.Code == code) return c;
        return null;
    }
}

/// <summary>DuckDB names and ranges of <see cref="ColumnType"/>.</summary>
public static class ColumnTypeExtensions
{
    /// <summary>The DuckDB (and Parquet logical) type name.</summary>
    public static string ToSql(this ColumnType type) => type switch
    {
        ColumnType.Boolean => "BOOLEAN",
        ColumnType.TinyInt => "TINYINT",
        ColumnType.SmallInt => "SMALLINT",
        ColumnType.Integer => "INTEGER",
        ColumnType.BigInt => "BIGINT",
        ColumnType.Double => "DOUBLE",
        ColumnType.Varchar => "VARCHAR",
        ColumnType.Date => "DATE",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>True for the integer types, which can hold codes.</summary>
    public static bool IsInteger(this ColumnType type) =>
        type is ColumnType.TinyInt or ColumnType.SmallInt or ColumnType.Integer or ColumnType.BigInt;

    /// <summary>True for the numeric types (integers and DOUBLE), which can carry min/max.</summary>
    public static bool IsNumeric(this ColumnType type) => type.IsInteger() || type == ColumnType.Double;

    /// <summary>Inclusive value range of an integer type (DOUBLE: ±double.MaxValue).</summary>
    public static (double Min, double Max) Range(this ColumnType type) => type switch
    {
        ColumnType.TinyInt => (sbyte.MinValue, sbyte.MaxValue),
        ColumnType.SmallInt => (short.MinValue, short.MaxValue),
        ColumnType.Integer => (int.MinValue, int.MaxValue),
        ColumnType.BigInt => (long.MinValue, long.MaxValue),
        ColumnType.Double => (double.MinValue, double.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(type), $"{type} has no numeric range"),
    };
}
