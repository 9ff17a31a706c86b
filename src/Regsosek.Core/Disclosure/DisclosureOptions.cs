namespace Regsosek.Core.Disclosure;

/// <summary>
/// Disclosure-control parameters of one tier. Defaults come from DESIGN.md ("Disclosure control — the
/// defaults") via <see cref="DisclosureOptions.Default"/>; every value is configuration.
/// </summary>
public sealed record TierDisclosureOptions
{
    /// <summary>When false the tier gets exact values for every aggregate (tiers 3–4); no other option applies
    /// except <see cref="ReleaseMinMax"/>.</summary>
    public bool Protect { get; init; } = true;

    /// <summary>Threshold rule: a count under this is withheld (never shown as zero). Also the complement
    /// rule's threshold for percentages (numerator, denominator, denominator − numerator).</summary>
    public int CountThreshold { get; init; } = 10;

    /// <summary>Means, percentiles and sums of a group with fewer records than this are withheld.</summary>
    public int GroupSizeThreshold { get; init; } = 20;

    /// <summary>(n, k) dominance rule for sums of magnitudes: withheld when the n largest contributions make up
    /// more than k % of the cell total. Only n = 1 and n = 2 are supported (the engine supplies the top two).</summary>
    public int DominanceN { get; init; } = 2;

    /// <summary>The k of the (n, k) dominance rule, in percent.</summary>
    public double DominanceK { get; init; } = 85;

    /// <summary>Minimum and maximum are released only when true (tier 3 and above).</summary>
    public bool ReleaseMinMax { get; init; }

    /// <summary>Counts of exactly zero are released as 0 (not perturbed, not withheld), as in tau-ARGUS and
    /// the ABS TableBuilder. When false, zero counts are withheld like any count under the threshold.</summary>
    public bool ReleaseZeroCounts { get; init; } = true;

    /// <summary>Apply cell-key perturbation to counts (and compute percentages from perturbed counts).</summary>
    public bool Perturb { get; init; } = true;

    /// <summary>Run secondary suppression so no withheld cell is derivable from the released cells by additivity.</summary>
    public bool SecondarySuppression { get; init; } = true;

    /// <summary>Perturb magnitudes (issue 11, class 4): sums and means by the cell key, scaled to the largest
    /// contribution; percentiles scaled to their local spread or value. See <see cref="MagnitudePerturbation"/>.</summary>
    public bool PerturbMagnitudes { get; init; } = true;

    /// <summary>Sums and means: the noise on a sum is between half of this and this times the largest contribution
    /// (a mean gets the sum's noise divided by the group size). 0.5: a record's value cannot be got back by
    /// differencing two sums closer than ±25–50 % of the largest contribution.</summary>
    public double MagnitudeNoise { get; init; } = 0.5;

    /// <summary>Percentiles: the noise is between half of this and this times the local spread (or, when the
    /// engine gives none, the percentile's own absolute value).</summary>
    public double PercentileNoise { get; init; } = 0.05;

    /// <summary>Withhold the dominant category cell and the zero cells of a count line where all units, or all but
    /// fewer than <see cref="CountThreshold"/>, fall into one category (issue 11, class 3).</summary>
    public bool ProtectDominantCategories { get; init; } = true;

    /// <summary>Cell-key perturbation parameters (maximum noise D, variance V).</summary>
    public CellKeyOptions CellKey { get; init; } = new();

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad option by its configuration path under <paramref name="tierName"/> (e.g. "Tier1:CountThreshold").</summary>
    public void Validate(string tierName)
    {
        if (CountThreshold < 1)
            throw new ArgumentException($"{tierName}:CountThreshold must be at least 1 (got {CountThreshold})");
        if (GroupSizeThreshold < 1)
            throw new ArgumentException($"{tierName}:GroupSizeThreshold must be at least 1 (got {GroupSizeThreshold})");
        if (DominanceN is not (1 or 2))
            throw new ArgumentException($"{tierName}:DominanceN must be 1 or 2 (got {DominanceN}); the engine reports the two largest contributions only");
        if (DominanceK is <= 0 or > 100)
            throw new ArgumentException($"{tierName}:DominanceK must be in (0, 100] percent (got {DominanceK})");
        if (!(MagnitudeNoise > 0) || MagnitudeNoise > 10)
            throw new ArgumentException($"{tierName}:MagnitudeNoise must be above 0 and at most 10 (got {MagnitudeNoise})");
        if (!(PercentileNoise > 0) || PercentileNoise > 10)
            throw new ArgumentException($"{tierName}:PercentileNoise must be above 0 and at most 10 (got {PercentileNoise})");
        CellKey.Validate(tierName);
    }
}

/// <summary>
/// Parameters of the ABS cell-key method: the released count is the exact count plus noise read from a
/// perturbation table (ptable) indexed by (min(count, cap), cell key). See <see cref="PerturbationTable"/>.
/// </summary>
public sealed record CellKeyOptions
{
    /// <summary>Record keys are uniform in [0, KeyRange); the cell key is the key sum modulo this.</summary>
    public int KeyRange { get; init; } = 4096;

    /// <summary>D: the noise lies in [−D, +D].</summary>
    public int MaxNoise { get; init; } = 3;

    /// <summary>V: the noise variance for counts far enough above the threshold that the noise is not
    /// truncated (count ≥ threshold + D). Must be below D² (the largest variance on [−D, D]).</summary>
    public double Variance { get; init; } = 1.0;

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad option by its configuration path under <paramref name="tierName"/> (e.g. "Tier1:CountThreshold").</summary>
    public void Validate(string tierName)
    {
        if (KeyRange is < 16 or > 1 << 20)
            throw new ArgumentException($"{tierName}:CellKey:KeyRange must be between 16 and 1048576 (got {KeyRange}); the data's record_key range is 4096");
        if (MaxNoise is < 1 or > 20)
            throw new ArgumentException($"{tierName}:CellKey:MaxNoise (D) must be between 1 and 20 (got {MaxNoise})");
        if (!(Variance > 0) || Variance >= (double)MaxNoise * MaxNoise)
            throw new ArgumentException($"{tierName}:CellKey:Variance (V) must be above 0 and below D² = {MaxNoise * MaxNoise} (got {Variance})");
    }
}

/// <summary>Disclosure-control parameters for every tier.</summary>
public sealed record DisclosureOptions
{
    /// <summary>Tier 1 (public): counts under 10 withheld, groups under 20 withheld, perturbed.</summary>
    public TierDisclosureOptions Tier1 { get; init; } = new() { CountThreshold = 10, GroupSizeThreshold = 20 };

    /// <summary>Tier 2 (disaggregated): counts under 5 withheld, groups under 10 withheld, perturbed.</summary>
    public TierDisclosureOptions Tier2 { get; init; } = new() { CountThreshold = 5, GroupSizeThreshold = 10 };

    /// <summary>Tier 3 (microdata grantees): exact aggregates, minimum and maximum released.</summary>
    public TierDisclosureOptions Tier3 { get; init; } = new() { Protect = false, ReleaseMinMax = true };

    /// <summary>Tier 4 (BNBA grantees): exact aggregates, minimum and maximum released.</summary>
    public TierDisclosureOptions Tier4 { get; init; } = new() { Protect = false, ReleaseMinMax = true };

    /// <summary>The largest table disclosure control accepts, in cells (rows, margins included, × measures); issue
    /// 11, class 6. 50,000 cells: a regency by village (≈ 300 villages) × 16 age groups × sex, or a province by district
    /// × 10 desil × 2 measures, fit; a national table by village (83,762 rows per measure) does not. Secondary
    /// suppression on the largest allowed table stays under one second (benchmarks/…/DisclosureBenchmarks.cs).
    /// The pipeline refuses larger requests up front (<see cref="DisclosureControl.CheckTableSize"/>, RESOURCE_EXHAUSTED);
    /// <see cref="DisclosureControl.Apply(Aggregates.ExactTable, Tier)"/> throws <see cref="TableTooLargeException"/>.</summary>
    public const long DefaultMaxCells = 50_000;

    /// <summary>The largest table accepted, in cells (rows × measures). See <see cref="DefaultMaxCells"/>.</summary>
    public long MaxCells { get; init; } = DefaultMaxCells;

    /// <summary>The defaults of DESIGN.md.</summary>
    public static DisclosureOptions Default { get; } = new();

    /// <summary>The options of <paramref name="tier"/>.</summary>
    public TierDisclosureOptions For(Tier tier) => tier switch
    {
        Tier.Public => Tier1,
        Tier.Disaggregated => Tier2,
        Tier.Microdata => Tier3,
        Tier.Bnba => Tier4,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), $"tier {(int)tier} does not exist; tiers are 1–4"),
    };

    /// <summary>Validates every tier; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (MaxCells < 1) throw new ArgumentException($"MaxCells must be at least 1 (got {MaxCells})");
        Tier1.Validate("Tier1");
        Tier2.Validate("Tier2");
        Tier3.Validate("Tier3");
        Tier4.Validate("Tier4");
    }
}
