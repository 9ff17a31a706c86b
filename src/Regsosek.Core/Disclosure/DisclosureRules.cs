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
    /// <summary>A percentile with fewer than the group-size threshold of records strictly on either side of it
    /// (issue 11, class 2): it would be, or be next to, an extreme of a small tail.</summary>
    public const string PercentileTail = "primary.percentile-tail";
    /// <summary>Attribute disclosure in a count table (issue 11, class 3): in a line (the cells along one dimension
    /// that share the other keys) where all units, or all but fewer than the threshold, fall in one category, the
    /// dominant category cell and the line's zero cells are withheld, as the complement rule withholds the percentage.</summary>
    public const string DominantCategory = "primary.dominant-category";
    /// <summary>A mean whose contributions' scale (the largest contribution) the engine did not supply, so it cannot
    /// be perturbed (issue 11, class 4): withheld, as dominance withholds a sum whose contributions are unknown.</summary>
    public const string MagnitudeScaleUnknown = "primary.magnitude-scale-unknown";
    /// <summary>Complementary suppression so that no withheld cell is derivable by additivity.</summary>
    public const string Secondary = "secondary.hypercube";
    /// <summary>ABS cell-key perturbation of counts (and percentages computed from perturbed counts).</summary>
    public const string CellKey = "perturbation.cell-key";
    /// <summary>Cell-key perturbation of magnitudes (issue 11, class 4): sums and means get noise scaled to the
    /// largest contribution, percentiles noise scaled to their local spread (or their value), the same records always
    /// getting the same noise.</summary>
    public const string MagnitudeCellKey = "perturbation.magnitude";
    /// <summary>Tiers 3–4: exact aggregates.</summary>
    public const string Exact = "exact.tier";
    /// <summary>The statistic has no value (the group holds no data).</summary>
    public const string NoData = "no-data";
}
