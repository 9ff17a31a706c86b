using System.Globalization;
using Regsosek.Core.Aggregates;

namespace Regsosek.Core.Disclosure;

/// <summary>
/// Disclosure control of DESIGN.md and issue 4: at tiers with <see cref="TierDisclosureOptions.Protect"/>
/// (1–2 by default) the threshold, complement, group-size, dominance and min/max rules withhold cells, the
/// hypercube method (<see cref="HypercubeSuppression"/>) adds complementary suppressions over the table's
/// additive structure, and counts are perturbed by the ABS cell-key method (<see cref="PerturbationTable"/>);
/// percentages are computed from perturbed counts. Tiers 3–4 get exact values (min/max only where allowed).
/// Thread-safe; build once and share.
/// </summary>
public sealed class DisclosureControl : IDisclosureControl
{
    private readonly DisclosureOptions _options;
    private readonly PerturbationTable?[] _ptables = new PerturbationTable?[5];

    /// <summary>Validates <paramref name="options"/> and builds one ptable per perturbing tier.</summary>
    public DisclosureControl(DisclosureOptions? options = null)
    {
        _options = options ?? DisclosureOptions.Default;
        _options.Validate();
        foreach (var tier in (Tier[])[Tier.Public, Tier.Disaggregated, Tier.Microdata, Tier.Bnba])
        {
            var o = _options.For(tier);
            if (o.Protect && o.Perturb) _ptables[(int)tier] = PerturbationTable.Build(o.CountThreshold, o.CellKey);
        }
    }

    /// <summary>The options in force.</summary>
    public DisclosureOptions Options => _options;

    /// <inheritdoc />
    public long MaxCells => _options.MaxCells;

    /// <summary>The ptable of <paramref name="tier"/>, or null when that tier is not perturbed.</summary>
    public PerturbationTable? PerturbationTableFor(Tier tier) => _ptables[(int)tier];

    /// <inheritdoc />
    public ReleasedTable Apply(ExactTable table, Tier tier) => Apply(table, tier, CancellationToken.None);

    /// <summary>
    /// Issue 11, class 6: null when a table of <paramref name="rows"/> rows (margins included) and
    /// <paramref name="measures"/> measures is within <see cref="DisclosureOptions.MaxCells"/>; otherwise the
    /// RESOURCE_EXHAUSTED text naming the limit and how to narrow the request. The pipeline calls it before running
    /// the query, with the complete table's row count (<see cref="TableCompletion.CompleteRowCount"/>).
    /// </summary>
    public string? CheckTableSize(long rows, int measures)
    {
        long cells = rows * Math.Max(measures, 1);
        if (rows >= 0 && cells / Math.Max(measures, 1) == rows && cells <= _options.MaxCells) return null;
        return $"the table would have {rows.ToString(CultureInfo.InvariantCulture)} rows × {measures} measures, more than the limit of " +
               $"{_options.MaxCells.ToString(CultureInfo.InvariantCulture)} cells: narrow the request — a smaller region, a coarser breakdown, " +
               "fewer group_by dimensions or fewer measures";
    }

    /// <summary>
    /// Issue 11, class 2: null when probability <paramref name="p"/> can be released for some group of at most
    /// <paramref name="largestGroup"/> records under the rules of <paramref name="tier"/> (pass the number of records
    /// of the effective region, or any upper bound on a cell's group); otherwise the INVALID_ARGUMENT text naming the
    /// limit ("p1 is below the smallest releasable percentile p1.2 for at most … records at tier 1 …"), to which the
    /// pipeline prefixes the field. Always null at tiers that get exact aggregates.
    /// </summary>
    public string? CheckPercentile(double p, long largestGroup, Tier tier)
    {
        var o = _options.For(tier);
        return o.Protect ? PercentileRule.Check(p, largestGroup, o.GroupSizeThreshold, tier) : null;
    }

    /// <summary>As <see cref="Apply(ExactTable, Tier)"/>; stops with <see cref="OperationCanceledException"/> soon after
    /// <paramref name="cancellationToken"/> is cancelled (checked per row block, per primary cell of secondary
    /// suppression and every few thousand search steps), and throws <see cref="TableTooLargeException"/> above
    /// <see cref="DisclosureOptions.MaxCells"/>.</summary>
    public ReleasedTable Apply(ExactTable table, Tier tier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        cancellationToken.ThrowIfCancellationRequested();
        var o = _options.For(tier);
        var shape = table.Shape;
        int n = table.Rows.Count, m = shape.Measures.Count, dims = shape.Dimensions.Count;
        if (CheckTableSize(n, m) is { } tooLarge) throw new TableTooLargeException(tooLarge);
        for (int r = 0; r < n; r++)
            if (table.Rows[r].Values.Count != m)
                throw new ArgumentException($"row {r} has {table.Rows[r].Values.Count} values but the table has {m} measures");
        var structure = TableStructure.Build(dims, table.Rows.Select(row => row.Keys).ToList());

        var cells = new ReleasedValue[n, m];
        var rules = new List<AppliedRule>();
        if (!o.Protect) ApplyExact(table, o, cells, rules);
        else ApplyProtected(table, structure, o, _ptables[(int)tier], cells, rules, cancellationToken);

        var rows = new ReleasedRow[n];
        for (int r = 0; r < n; r++)
        {
            var values = new ReleasedValue[m];
            for (int j = 0; j < m; j++) values[j] = cells[r, j];
            rows[r] = new ReleasedRow(table.Rows[r].Keys, values);
        }
        return new ReleasedTable(shape, rows, rules);
    }

    private static void ApplyExact(ExactTable table, TierDisclosureOptions o, ReleasedValue[,] cells, List<AppliedRule> rules)
    {
        rules.Add(new AppliedRule(DisclosureRules.Exact, "exact values: this tier receives aggregates without suppression or perturbation",
            new Dictionary<string, string> { ["release_min_max"] = Bool(o.ReleaseMinMax) }));
        bool minMaxWithheld = false;
        for (int r = 0; r < table.Rows.Count; r++)
            for (int j = 0; j < table.Shape.Measures.Count; j++)
            {
                var v = table.Rows[r].Values[j];
                if (v.Kind is StatisticKind.Min or StatisticKind.Max && !o.ReleaseMinMax)
                {
                    cells[r, j] = Withheld(DisclosureRules.MinMaxTier);
                    minMaxWithheld = true;
                    continue;
                }
                double? value = v.Kind switch
                {
                    StatisticKind.Count => v.Numerator.Count,
                    StatisticKind.Percentage => Percent(v.Numerator.Count, RequireDenominator(v, r, j).Count),
                    _ => v.Statistic,
                };
                cells[r, j] = value is null ? Withheld(DisclosureRules.NoData) : new ReleasedValue(value, CellStatus.Shown, null);
            }
        if (minMaxWithheld) rules.Add(MinMaxRule());
    }

    private static void ApplyProtected(ExactTable table, TableStructure structure, TierDisclosureOptions o,
        PerturbationTable? ptable, ReleasedValue[,] cells, List<AppliedRule> rules, CancellationToken ct)
    {
        var measures = table.Shape.Measures;
        int n = table.Rows.Count, m = measures.Count;
        var reason = new string?[n, m];
        var used = new HashSet<string>();

        // 1. Primary rules, cell by cell.
        for (int r = 0; r < n; r++)
        {
            if ((r & 0x3FF) == 0) ct.ThrowIfCancellationRequested();
            for (int j = 0; j < m; j++)
            {
                var v = table.Rows[r].Values[j];
                if (v.Kind != measures[j].Kind)
                    throw new ArgumentException($"row {r}, measure {measures[j].Id}: value kind {v.Kind} differs from the measure's {measures[j].Kind}");
                reason[r, j] = PrimaryRule(v, o, r, j, measures[j].Id);
                if (reason[r, j] is { } rule) used.Add(rule);
            }
        }

        // 1b. Lines dominated by one category (issue 11, class 3), counts only: a line is additive in counts.
        if (o.ProtectDominantCategories && structure.Dimensions > 0)
        {
            var lines = structure.Lines();
            for (int j = 0; j < m; j++)
            {
                if (measures[j].Kind != StatisticKind.Count) continue;
                if (ProtectDominantCategories(table, lines, j, o.CountThreshold, reason, ct)) used.Add(DisclosureRules.DominantCategory);
            }
        }

        // 2. Secondary suppression per additive measure; counts first, so that percentages of the same
        //    population can inherit their withheld cells (a released percentage with a released denominator
        //    would give away a withheld numerator, and vice versa).
        var withheld = new bool[n];
        var size = new double[n];
        int secondaryCount = 0;
        foreach (var kind in (StatisticKind[])[StatisticKind.Count, StatisticKind.Sum, StatisticKind.Mean, StatisticKind.Percentage])
            for (int j = 0; j < m; j++)
            {
                if (measures[j].Kind != kind) continue;
                if (kind == StatisticKind.Percentage && InheritFromCounts(table, reason, j)) used.Add(DisclosureRules.PercentageOfWithheldCount);
                if (!o.SecondarySuppression || structure.Dimensions == 0) continue;
                bool any = false;
                for (int r = 0; r < n; r++)
                {
                    withheld[r] = reason[r, j] is not null;
                    any |= withheld[r];
                    size[r] = Size(table.Rows[r].Values[j]);
                }
                if (!any) continue;
                foreach (int r in HypercubeSuppression.Protect(structure, withheld, size, ct))
                {
                    reason[r, j] = DisclosureRules.Secondary;
                    secondaryCount++;
                }
            }

        // 3. Release: perturb counts, compute percentages from perturbed counts, show the other statistics.
        bool perturbed = false, magnitudesPerturbed = false;
        var variables = measures.Select(MagnitudePerturbation.VariableOf).ToArray();
        for (int r = 0; r < n; r++)
            for (int j = 0; j < m; j++)
            {
                if (reason[r, j] is { } rule)
                {
                    cells[r, j] = Withheld(rule);
                    continue;
                }
                var v = table.Rows[r].Values[j];
                switch (v.Kind)
                {
                    case StatisticKind.Count:
                        if (v.Numerator.Count == 0) cells[r, j] = new ReleasedValue(0, CellStatus.Shown, null);
                        else if (ptable is null) cells[r, j] = new ReleasedValue(v.Numerator.Count, CellStatus.Shown, null);
                        else
                        {
                            cells[r, j] = new ReleasedValue(ptable.Perturb(v.Numerator.Count, v.Numerator.KeySum), CellStatus.Perturbed, DisclosureRules.CellKey);
                            perturbed = true;
                        }
                        break;
                    case StatisticKind.Percentage:
                        var den = v.Denominator!.Value;
                        if (ptable is null) cells[r, j] = new ReleasedValue(Percent(v.Numerator.Count, den.Count), CellStatus.Shown, null);
                        else
                        {
                            long pn = ptable.Perturb(v.Numerator.Count, v.Numerator.KeySum);
                            long pd = ptable.Perturb(den.Count, den.KeySum);
                            cells[r, j] = new ReleasedValue(Math.Min(100.0, Percent(pn, pd)!.Value), CellStatus.Perturbed, DisclosureRules.CellKey);
                            perturbed = true;
                        }
                        break;
                    case StatisticKind.Sum or StatisticKind.Mean or StatisticKind.Percentile when o.PerturbMagnitudes && v.Statistic is { } x:
                        double released = v.Kind switch
                        {
                            StatisticKind.Sum => MagnitudePerturbation.Sum(x, v.Largest!.Value, v.Numerator.KeySum, variables[j], o.MagnitudeNoise),
                            StatisticKind.Mean => MagnitudePerturbation.Mean(x, v.GroupSize, v.Largest!.Value, v.Numerator.KeySum, variables[j], o.MagnitudeNoise),
                            _ => MagnitudePerturbation.Percentile(x, v.LocalSpread, v.Numerator.KeySum, variables[j], o.PercentileNoise),
                        };
                        cells[r, j] = new ReleasedValue(released, CellStatus.Perturbed, DisclosureRules.MagnitudeCellKey);
                        magnitudesPerturbed = true;
                        break;
                    default:
                        cells[r, j] = new ReleasedValue(v.Statistic, CellStatus.Shown, null);
                        break;
                }
            }

        // 4. The rules in force for this table's measures, with their parameters.
        bool hasCounts = false, hasPct = false, hasStats = false, hasSums = false, hasMinMax = false;
        foreach (var measure in measures)
            switch (measure.Kind)
            {
                case StatisticKind.Count: hasCounts = true; break;
                case StatisticKind.Percentage: hasPct = true; break;
                case StatisticKind.Sum: hasSums = true; hasStats = true; break;
                case StatisticKind.Min or StatisticKind.Max: hasMinMax = true; break;
                default: hasStats = true; break;
            }
        string t = o.CountThreshold.ToString(CultureInfo.InvariantCulture);
        if (hasCounts)
            rules.Add(new AppliedRule(DisclosureRules.Threshold, $"a count under {t} is withheld (never shown as zero); true zeros are {(o.ReleaseZeroCounts ? "shown as 0" : "withheld")}",
                new Dictionary<string, string> { ["threshold"] = t, ["release_zero_counts"] = Bool(o.ReleaseZeroCounts) }));
        if (hasPct)
        {
            rules.Add(new AppliedRule(DisclosureRules.Complement, $"a percentage is withheld when its numerator, denominator, or denominator − numerator is under {t}",
                new Dictionary<string, string> { ["threshold"] = t }));
            if (used.Contains(DisclosureRules.PercentageOfWithheldCount))
                rules.Add(new AppliedRule(DisclosureRules.PercentageOfWithheldCount, "a percentage is withheld where the count of its numerator or denominator population is withheld in the same table",
                    new Dictionary<string, string>()));
        }
        if (hasStats)
            rules.Add(new AppliedRule(DisclosureRules.GroupSize, $"means, percentiles and sums of a group of fewer than {o.GroupSizeThreshold} records are withheld",
                new Dictionary<string, string> { ["group_size_threshold"] = o.GroupSizeThreshold.ToString(CultureInfo.InvariantCulture) }));
        if (measures.Any(x => x.Kind == StatisticKind.Percentile))
            rules.Add(new AppliedRule(DisclosureRules.PercentileTail,
                $"a percentile is withheld unless at least {o.GroupSizeThreshold} records lie strictly below and above the values it is interpolated from",
                new Dictionary<string, string> { ["records_each_side"] = o.GroupSizeThreshold.ToString(CultureInfo.InvariantCulture) }));
        if (used.Contains(DisclosureRules.DominantCategory))
            rules.Add(new AppliedRule(DisclosureRules.DominantCategory,
                $"where all units of a line, or all but fewer than {t}, fall into one category, that category's count and the line's zero counts are withheld",
                new Dictionary<string, string> { ["threshold"] = t }));
        if (used.Contains(DisclosureRules.MagnitudeScaleUnknown))
            rules.Add(new AppliedRule(DisclosureRules.MagnitudeScaleUnknown, "a mean whose largest contribution is unknown cannot be perturbed and is withheld",
                new Dictionary<string, string>()));
        if (o.PerturbMagnitudes && hasStats)
            rules.Add(new AppliedRule(DisclosureRules.MagnitudeCellKey,
                "sums and means carry consistent noise from the cell key scaled to the largest contribution, percentiles noise scaled to their local spread or value; the same records always get the same value",
                new Dictionary<string, string>
                {
                    ["magnitude_noise"] = o.MagnitudeNoise.ToString(CultureInfo.InvariantCulture),
                    ["percentile_noise"] = o.PercentileNoise.ToString(CultureInfo.InvariantCulture),
                    ["applied"] = Bool(magnitudesPerturbed),
                }));
        if (hasSums)
            rules.Add(new AppliedRule(DisclosureRules.Dominance, $"a sum is withheld when its {o.DominanceN} largest contributions exceed {o.DominanceK.ToString(CultureInfo.InvariantCulture)} % of it",
                new Dictionary<string, string> { ["n"] = o.DominanceN.ToString(CultureInfo.InvariantCulture), ["k"] = o.DominanceK.ToString(CultureInfo.InvariantCulture) }));
        if (hasMinMax && !o.ReleaseMinMax) rules.Add(MinMaxRule());
        if (o.SecondarySuppression && structure.Dimensions > 0 && (hasCounts || hasPct || hasStats))
            rules.Add(new AppliedRule(DisclosureRules.Secondary, "complementary cells are withheld (hypercube method) so that no withheld cell can be derived from the released cells and the totals",
                new Dictionary<string, string> { ["method"] = "hypercube", ["cells_withheld"] = secondaryCount.ToString(CultureInfo.InvariantCulture) }));
        if (ptable is not null && (hasCounts || hasPct))
            rules.Add(new AppliedRule(DisclosureRules.CellKey, "counts carry small consistent noise from the ABS cell-key method (the same cell always gets the same value); percentages are computed from perturbed counts, so margins need not equal the sum of their cells",
                new Dictionary<string, string>
                {
                    ["max_noise"] = ptable.Options.MaxNoise.ToString(CultureInfo.InvariantCulture),
                    ["variance"] = ptable.Options.Variance.ToString(CultureInfo.InvariantCulture),
                    ["key_range"] = ptable.Options.KeyRange.ToString(CultureInfo.InvariantCulture),
                    ["smallest_released_count"] = t,
                    ["applied"] = Bool(perturbed),
                }));
    }

    /// <summary>The primary rule withholding this cell, or null.</summary>
    private static string? PrimaryRule(ExactValue v, TierDisclosureOptions o, int row, int measure, string measureId)
    {
        int t = o.CountThreshold;
        switch (v.Kind)
        {
            case StatisticKind.Count:
                long c = v.Numerator.Count;
                if (c < 0) throw new ArgumentException($"row {row}, measure {measureId}: negative count {c}");
                return c == 0 ? (o.ReleaseZeroCounts ? null : DisclosureRules.Threshold) : c < t ? DisclosureRules.Threshold : null;
            case StatisticKind.Percentage:
                long num = v.Numerator.Count, den = RequireDenominator(v, row, measureId).Count;
                if (num < 0 || num > den)
                    throw new ArgumentException($"row {row}, measure {measureId}: numerator {num} must lie between 0 and the denominator {den}");
                return num < t || den < t || den - num < t ? DisclosureRules.Complement : null;
            case StatisticKind.Min or StatisticKind.Max:
                return o.ReleaseMinMax ? GroupRule(v, o) : DisclosureRules.MinMaxTier;
            case StatisticKind.Sum:
                if (GroupRule(v, o) is { } g) return g;
                return Dominated(v, o) ? DisclosureRules.Dominance : null;
            case StatisticKind.Percentile:
                if (GroupRule(v, o) is { } gp) return gp;
                return v.Probability is { } p && PercentileRule.Releasable(p, v.GroupSize, o.GroupSizeThreshold) ? null : DisclosureRules.PercentileTail;
            case StatisticKind.Mean:
                if (GroupRule(v, o) is { } gm) return gm;
                if (v.Largest is null) return o.PerturbMagnitudes ? DisclosureRules.MagnitudeScaleUnknown : null;
                // A mean times its group size is the sum: where the sum would be withheld by dominance, so is the mean.
                return Dominated(v, o, v.Statistic * v.GroupSize) ? DisclosureRules.Dominance : null;
            default:
                return GroupRule(v, o);
        }
    }

    private static string? GroupRule(ExactValue v, TierDisclosureOptions o) =>
        v.GroupSize < o.GroupSizeThreshold ? DisclosureRules.GroupSize
        : v.Statistic is null ? DisclosureRules.NoData
        : null;

    /// <summary>(n, k) dominance: the n largest contributions exceed k % of the total. Unknown contributions are
    /// treated as dominant (withheld), since the rule cannot be checked.</summary>
    private static bool Dominated(ExactValue v, TierDisclosureOptions o) => Dominated(v, o, v.Statistic);

    /// <summary>As <see cref="Dominated(ExactValue, TierDisclosureOptions)"/> for a cell whose sum is <paramref name="sum"/>.</summary>
    private static bool Dominated(ExactValue v, TierDisclosureOptions o, double? sum)
    {
        if (sum is not { } total || v.Largest is not { } first) return true;
        double top = first + (o.DominanceN == 2 ? v.SecondLargest ?? (v.GroupSize >= 2 ? double.PositiveInfinity : 0) : 0);
        if (total <= 0) return top > 0;
        return top > o.DominanceK / 100.0 * total;
    }

    /// <summary>Marks percentage cells withheld where a count measure of the same population (same unit, equal
    /// counts in every row as the percentage's numerator or denominator) is withheld. Returns true if any changed.</summary>
    private static bool InheritFromCounts(ExactTable table, string?[,] reason, int pct)
    {
        var measures = table.Shape.Measures;
        int n = table.Rows.Count;
        bool changed = false;
        for (int c = 0; c < measures.Count; c++)
        {
            if (measures[c].Kind != StatisticKind.Count || measures[c].Unit != measures[pct].Unit) continue;
            bool asNum = true, asDen = true;
            for (int r = 0; r < n && (asNum || asDen); r++)
            {
                var p = table.Rows[r].Values[pct];
                long count = table.Rows[r].Values[c].Numerator.Count;
                asNum &= p.Numerator.Count == count;
                asDen &= p.Denominator?.Count == count;
            }
            if (!asNum && !asDen) continue;
            for (int r = 0; r < n; r++)
                if (reason[r, c] is not null && reason[r, pct] is null)
                {
                    reason[r, pct] = DisclosureRules.PercentageOfWithheldCount;
                    changed = true;
                }
        }
        return changed;
    }

    /// <summary>
    /// Issue 11, class 3 (attribute disclosure, "group disclosure" in the SDC handbook): in every line of count
    /// measure <paramref name="j"/> whose total is above 0 and that has at least two categories, if the largest child
    /// holds all units or all but fewer than <paramref name="threshold"/>, withhold that child and every zero child.
    /// The zeros are what state "nobody here is in another category" (tau-ARGUS treats such zeros as unsafe when asked);
    /// the dominant cell with the total would give the same by subtraction. The small non-zero children are already
    /// withheld by the threshold rule. Secondary suppression then protects the withheld cells as any others.
    /// </summary>
    private static bool ProtectDominantCategories(ExactTable table, IReadOnlyList<AdditiveLine> lines, int j, int threshold,
        string?[,] reason, CancellationToken ct)
    {
        bool changed = false;
        int count = 0;
        foreach (var line in lines)
        {
            if ((++count & 0x3FF) == 0) ct.ThrowIfCancellationRequested();
            if (line.Children.Count < 2) continue;
            long total = table.Rows[line.Total].Values[j].Numerator.Count;
            if (total <= 0) continue;
            int dominant = -1;
            long max = -1;
            foreach (int c in line.Children)
            {
                long x = table.Rows[c].Values[j].Numerator.Count;
                if (x > max) { max = x; dominant = c; }
            }
            if (total - max >= threshold) continue;
            foreach (int c in line.Children)
                if (c == dominant || table.Rows[c].Values[j].Numerator.Count == 0)
                    if (reason[c, j] is null)
                    {
                        reason[c, j] = DisclosureRules.DominantCategory;
                        changed = true;
                    }
            // The labels must not single the dominant child out: where every other child is labelled a small count
            // ("primary.threshold", i.e. under T), the one child left is the dominant one and the line says "all but
            // fewer than T have X" again (found by FrequencyTableAttacks). Such small children get this rule's label.
            int notSmall = 0;
            foreach (int c in line.Children)
                if (reason[c, j] != DisclosureRules.Threshold) notSmall++;
            if (notSmall < 2)
                foreach (int c in line.Children)
                    if (reason[c, j] == DisclosureRules.Threshold)
                    {
                        reason[c, j] = DisclosureRules.DominantCategory;
                        changed = true;
                    }
        }
        return changed;
    }

    /// <summary>The size used as the cost of withholding a cell in secondary suppression.</summary>
    private static double Size(ExactValue v) => v.Kind switch
    {
        StatisticKind.Count => v.Numerator.Count,
        StatisticKind.Percentage => v.Denominator?.Count ?? 0,
        StatisticKind.Sum => Math.Abs(v.Statistic ?? 0),
        _ => v.GroupSize,
    };

    private static KeyedCount RequireDenominator(ExactValue v, int row, object measure) =>
        v.Denominator ?? throw new ArgumentException($"row {row}, measure {measure}: a percentage needs a denominator");

    private static double? Percent(long num, long den) => den == 0 ? null : 100.0 * num / den;

    private static ReleasedValue Withheld(string rule) => new(null, CellStatus.Suppressed, rule);

    private static AppliedRule MinMaxRule() =>
        new(DisclosureRules.MinMaxTier, "minimum and maximum are never released below tier 3", new Dictionary<string, string> { ["min_tier"] = "3" });

    private static string Bool(bool b) => b ? "true" : "false";
}
