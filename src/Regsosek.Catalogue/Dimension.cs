using Regsosek.Core;

namespace Regsosek.Catalogue;

/// <summary>One value of a dimension, with its labels.</summary>
public sealed record DimensionValue(long Code, string NameId, string NameEn);

/// <summary>How a dimension's key is computed for each record.</summary>
public abstract record DimensionExpression;

/// <summary>The key is the value of a dictionary column (sex r405, desil, urban_rural).</summary>
public sealed record ColumnDimension(string Column) : DimensionExpression;

/// <summary>The key is the code of the first case whose condition holds (age bands, education groups).</summary>
public sealed record CaseDimension(IReadOnlyList<(long Code, Condition When)> Cases) : DimensionExpression;

/// <summary>The region one level (or more) below the requested region; keys are region codes.</summary>
public sealed record RegionDimension : DimensionExpression
{
    /// <summary>The one instance.</summary>
    public static RegionDimension Instance { get; } = new();
}

/// <summary>
/// A breakdown clients may group by or filter on. The expression is built from the catalogue only.
/// A record whose key would be NULL (outside the question's universe, or no case matching) gets
/// <see cref="NotApplicableCode"/>, so that NULL in a result row always means "total".
/// </summary>
public sealed record Dimension
{
    /// <summary>The key of records outside every listed value: "not applicable / no answer".</summary>
    public const long NotApplicableCode = -1;

    /// <summary>The label of <see cref="NotApplicableCode"/>, as <see cref="DimensionValue"/> labels are given.</summary>
    public static DimensionValue NotApplicable { get; } = new(NotApplicableCode, "Tidak berlaku / tidak ada jawaban", "Not applicable / no answer");

    /// <summary>The id of the region dimension.</summary>
    public const string RegionId = "region";

    /// <summary>Stable id used by clients ("sex", "age_group_5y", "desil", "region").</summary>
    public required string Id { get; init; }
    /// <summary>Indonesian name.</summary>
    public required string NameId { get; init; }
    /// <summary>English name.</summary>
    public required string NameEn { get; init; }
    /// <summary>The units it applies to.</summary>
    public required IReadOnlyList<Unit> Units { get; init; }
    /// <summary>How the key is computed.</summary>
    public required DimensionExpression Expression { get; init; }
    /// <summary>The values with labels (empty for the region dimension, whose values are region codes).</summary>
    public required IReadOnlyList<DimensionValue> Values { get; init; }
    /// <summary>The lowest tier that may group by or filter on this dimension (dimensions.yaml <c>min_tier</c>,
    /// issue 11 class 1): a count broken down by a dimension reproduces the indicators of its topic, so it follows
    /// their tier unless <see cref="TierReason"/> says why not.</summary>
    public required Tier MinTier { get; init; }
    /// <summary>Why <see cref="MinTier"/> is below the tier of an indicator reading the same variables (null when it is not).</summary>
    public string? TierReason { get; init; }

    /// <summary>True for the region dimension.</summary>
    public bool IsRegion => Expression is RegionDimension;

    /// <summary>True when the dimension applies to <paramref name="unit"/>.</summary>
    public bool AppliesTo(Unit unit) => Units.Contains(unit);

    /// <summary>True when <paramref name="code"/> is one of the values (or the not-applicable code).</summary>
    public bool HasValue(long code)
    {
        if (code == NotApplicableCode) return true;
        foreach (var v in Values)
            if (v.Code == code) return true;
        return false;
    }
}
