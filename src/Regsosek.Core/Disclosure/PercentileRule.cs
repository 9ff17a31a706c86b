using System.Globalization;

namespace Regsosek.Core.Disclosure;

/// <summary>
/// Issue 11, class 2: extremes through percentiles. The engine computes percentiles as DuckDB's
/// <c>quantile_cont</c>: with the group's n values sorted, x[0] ≤ … ≤ x[n−1], and h = (n − 1)·p, the p-percentile
/// interpolates between x[lo] and x[hi], lo = ⌊h⌋, hi = ⌈h⌉. A percentile is released only when
/// <b>lo ≥ T and n − 1 − hi ≥ T</b>, T the tier's group-size threshold: at least T records lie strictly below the
/// lower order statistic used and at least T strictly above the upper one.
/// </summary>
/// <remarks>
/// <para><b>Why this protects the extremes.</b> The released value v satisfies x[lo] ≤ v ≤ x[hi], so at least lo + 1 ≥ T + 1
/// records have a value ≤ v and at least n − hi ≥ T + 1 have a value ≥ v. v is therefore never the minimum or the
/// maximum of a tail of fewer than T + 1 records: p near 0 or 100 in a small group (which is the min/max that
/// <c>primary.min-max-tier</c> withholds) cannot pass.</para>
/// <para><b>Ties.</b> When many records tie, v may equal the group's minimum (or maximum), e.g. a median of 0 head of
/// cattle. Then every one of the ≥ T + 1 records at or below v holds exactly v: what is released is "at least T + 1
/// records share the value v", a group fact of the size the threshold rule releases for counts, not one record's
/// value. The rule needs no tie counts from the engine, which is why it is stated on ranks.</para>
/// <para><b>Smallest and largest releasable p</b> for a group of n: lo ≥ T ⇔ (n − 1)p ≥ T, and n − 1 − hi ≥ T ⇔
/// (n − 1)p ≤ n − 1 − T, so p ∈ [T/(n − 1), 1 − T/(n − 1)], empty when n − 1 &lt; 2T. No group is larger than the
/// region's record count, so a p outside the interval for that count can never pass: the pipeline refuses it up
/// front (<see cref="DisclosureControl.CheckPercentile"/>); otherwise each cell is checked on its own.</para>
/// </remarks>
public static class PercentileRule
{
    /// <summary>True when the p-percentile of a group of <paramref name="n"/> records has at least
    /// <paramref name="threshold"/> records strictly beyond each of the order statistics it is interpolated from.</summary>
    public static bool Releasable(double p, long n, int threshold)
    {
        if (!(p > 0 && p < 1) || n < 1) return false;
        double h = (n - 1) * p;
        long lo = (long)Math.Floor(h), hi = (long)Math.Ceiling(h);
        return lo >= threshold && n - 1 - hi >= threshold;
    }

    /// <summary>The releasable probabilities for a group of <paramref name="n"/> records: [T/(n − 1), 1 − T/(n − 1)], or
    /// null when none is (n − 1 &lt; 2T).</summary>
    public static (double Lowest, double Highest)? ReleasableRange(long n, int threshold)
    {
        if (n - 1 < 2L * threshold || n < 2) return null;
        return ((double)threshold / (n - 1), 1 - (double)threshold / (n - 1));
    }

    /// <summary>
    /// Null when p can pass for some group of at most <paramref name="largestGroup"/> records; otherwise the
    /// INVALID_ARGUMENT text naming the limit (without the field name, which the caller prefixes).
    /// </summary>
    public static string? Check(double p, long largestGroup, int threshold, Tier tier)
    {
        var range = ReleasableRange(largestGroup, threshold);
        string pct = Percent(p);
        if (range is null)
            return $"no percentile can be released for at most {largestGroup.ToString(CultureInfo.InvariantCulture)} records at tier {(int)tier}: " +
                   $"a percentile needs at least {threshold} records on each side (issue 11); ask for a larger region";
        var (lowest, highest) = range.Value;
        // The bounds are exact on ranks; compare with the rule itself so the message and the rule never disagree.
        if (Releasable(p, largestGroup, threshold)) return null;
        return p < 0.5
            ? $"p{pct} is below the smallest releasable percentile p{Percent(lowest, up: true)} for at most " +
              $"{largestGroup.ToString(CultureInfo.InvariantCulture)} records at tier {(int)tier} (at least {threshold} records must lie below it): ask for p{Percent(lowest, up: true)} or above"
            : $"p{pct} is above the largest releasable percentile p{Percent(highest, up: false)} for at most " +
              $"{largestGroup.ToString(CultureInfo.InvariantCulture)} records at tier {(int)tier} (at least {threshold} records must lie above it): ask for p{Percent(highest, up: false)} or below";
    }

    private static string Percent(double p, bool? up = null)
    {
        double v = p * 100;
        // Round outward (up for the lowest, down for the highest) to 4 decimals, so the suggested value passes.
        if (up == true) v = Math.Ceiling(v * 10_000) / 10_000;
        else if (up == false) v = Math.Floor(v * 10_000) / 10_000;
        return v.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
