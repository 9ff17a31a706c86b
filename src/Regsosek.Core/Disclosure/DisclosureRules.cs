namespace Regsosek.Core.Disclosure;

/// <summary>Stable ids of the disclosure-control rules, as they appear in <c>ReleasedValue.Rule</c> and <c>AppliedRule.Id</c>.</summary>
public static class DisclosureRules
{
    /// <summary>Threshold rule: a count under the tier's threshold is withheld.</summary>
    public const string Threshold = "primary.threshold";
    /// <summary>Complement rule: a percentage whose numerator, denominator or denominator − numerator is under the threshold.</summary>
    public const string Complement = "primary.complement";
    /// <summary>A percentage whose numerator or denominator count is withheld in the same table.</summary>
    public const string PercentageOfWithheldCount = "primary.percentage-of-withheld-count";
    /// <summary>Means, percentiles and sums of a group under the group-size threshold.</summary>
    public const string GroupSize = "primary.group-size";
    /// <summary>(n, k) dominance rule for sums of magnitudes.</summary>
    public const string Dominance = "primary.dominance";
    /// <summary>Minimum and maximum are never released below tier 3.</summary>
    public const string MinMaxTier = "primary.min-max-tier";
    /// <summary>Complementary suppression so that no withheld cell is derivable by additivity.</summary>
    public const string Secondary = "secondary.hypercube";
    /// <summary>ABS cell-key perturbation of counts (and percentages computed from perturbed counts).</summary>
    public const string CellKey = "perturbation.cell-key";
    /// <summary>Tiers 3–4: exact aggregates.</summary>
    public const string Exact = "exact.tier";
    /// <summary>The statistic has no value (the group holds no data).</summary>
    public const string NoData = "no-data";
}
