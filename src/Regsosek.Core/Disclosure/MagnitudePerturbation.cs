namespace Regsosek.Core.Disclosure;

/// <summary>
/// Issue 11, class 4: cell-key perturbation of magnitudes (after the ABS method for magnitude tables). Every cell
/// carries the sum of its records' <c>record_key</c> (the engine computes it for every measure); from it a
/// deterministic noise factor e with |e| in [½, 1] and a random sign is drawn, so the same records always get the same
/// factor, whatever else the request asks.
/// <list type="bullet">
/// <item>Sum: released = S + m·|L|·e, L the largest single contribution, m = <see cref="TierDisclosureOptions.MagnitudeNoise"/>.</item>
/// <item>Mean: released = mean + m·|L|·e / n (the sum's noise spread over the group: mean·n is the perturbed sum).</item>
/// <item>Percentile: released = v + q·s·e, s the local spread when the engine gives one, else |v|;
/// q = <see cref="TierDisclosureOptions.PercentileNoise"/>.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para><b>Why the largest contribution.</b> Differencing two answers whose record sets differ by a set D gives
/// Σ_D x + (noise₁ − noise₂). The noises are independent draws (different key sums) of size between m/2 and m times
/// the cells' largest contributions, which bound every single x of D; so a single record's value is hidden within
/// about ±m of the largest value, never exactly, while a large cell's relative error m·L/S stays small.</para>
/// <para><b>Never zero.</b> |e| ≥ ½, so no released magnitude equals the exact one unless L (or s) is 0; "total minus
/// the other cells" then carries at least one non-zero noise term of each cell it uses.</para>
/// <para><b>Percentiles</b> are not additive, but differencing still works on them: the median of a group and of the
/// same group plus one record r gives r back exactly when r falls between the two middle values (med' = (med + r)/2).
/// The noise scaled to the spread of the values near the percentile makes that estimate of r err by about as much as
/// the values around it differ; without a spread from the engine the percentile's own magnitude is the scale.</para>
/// <para>The noise factor is a function of the key sum and the <i>variable</i> (hashed with SplitMix64 and FNV-1a), not
/// of the statistic: the mean and the sum of one variable over the same records carry the same factor, so they agree
/// (mean·n = sum) and cannot be averaged against each other; two variables get independent factors, so knowing one
/// variable's exact total does not reveal another's noise. The hash decorrelates it from the count's ptable noise,
/// which reads the key sum modulo R. Percentiles of one variable and cell share the factor, so with the value as the
/// scale (q ≤ 1) their order is kept (p25 ≤ p50 after perturbation for non-negative values).</para>
/// </remarks>
public static class MagnitudePerturbation
{
    /// <summary>The noise factor of a cell with key sum <paramref name="keySum"/> for variable <paramref name="variable"/>:
    /// |e| in [½, 1], sign ±, deterministic.</summary>
    public static double Factor(long keySum, string variable)
    {
        ulong z = SplitMix(SplitMix((ulong)keySum ^ 0x5DEECE66DUL) ^ Fnv1a(variable));
        double u = (z >> 11) * (1.0 / (1UL << 53));            // [0, 1)
        double magnitude = 0.5 + 0.5 * u;                       // [0.5, 1)
        return (z & 1) == 0 ? magnitude : -magnitude;
    }

    /// <summary>The released sum.</summary>
    public static double Sum(double sum, double largest, long keySum, string variable, double noise) =>
        sum + noise * Math.Abs(largest) * Factor(keySum, variable);

    /// <summary>The released mean of <paramref name="n"/> records.</summary>
    public static double Mean(double mean, long n, double largest, long keySum, string variable, double noise) =>
        n <= 0 ? mean : mean + noise * Math.Abs(largest) * Factor(keySum, variable) / n;

    /// <summary>The released percentile.</summary>
    public static double Percentile(double value, double? localSpread, long keySum, string variable, double noise) =>
        value + noise * Math.Abs(localSpread ?? value) * Factor(keySum, variable);

    /// <summary>The variable a measure summarises, for the noise: <see cref="Aggregates.MeasureInfo.Variable"/> when
    /// set, else the measure id up to its ':' ("age:p50" → "age").</summary>
    public static string VariableOf(Aggregates.MeasureInfo measure)
    {
        if (measure.Variable is { } v) return v;
        int colon = measure.Id.IndexOf(':');
        return colon < 0 ? measure.Id : measure.Id[..colon];
    }

    private static ulong Fnv1a(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
