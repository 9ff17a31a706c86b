namespace Regsosek.Core.Disclosure;

/// <summary>
/// The perturbation table (ptable) of the ABS cell-key method, built deterministically for one count threshold
/// <c>T</c> and <see cref="CellKeyOptions"/> (maximum noise D, variance V, key range R).
/// </summary>
/// <remarks>
/// <para>Counts under T are withheld before perturbation, so the table covers count 0 (noise 0: zeros stay zero)
/// and counts c ≥ T. Row <c>r = min(c − T, D)</c> holds the noise distribution for counts c = T + r, on the
/// integer support [max(−D, T − c), D]: the lower end keeps every released value at or above T, so no released
/// value falls in (0, T) — i.e. at or below the small-count threshold T − 1 — and none is negative. From
/// c = T + D on the row no longer changes (the cap).</para>
/// <para>Each row is the maximum-entropy distribution on its support with mean exactly 0 and variance
/// min(V, 0.9 · |lo| · D) (p_i ∝ exp(a·i + b·i²), a and b found by nested bisection); the row for c = T has
/// support [0, D] and zero mean, so its noise is 0. The probabilities are quantised to R key slots (the largest
/// remainder is adjusted so they sum to R, then single slots are moved one step towards 0 until the integer
/// mean is exactly 0); slots are assigned to noise values in ascending order, so cell key k gets the noise whose
/// cumulative slot interval contains k.</para>
/// </remarks>
public sealed class PerturbationTable
{
    private readonly sbyte[][] _rows;   // [min(count - T, D)][cell key]

    private PerturbationTable(int threshold, CellKeyOptions options, sbyte[][] rows)
    {
        Threshold = threshold;
        Options = options;
        _rows = rows;
    }

    /// <summary>T: the smallest count that is released (counts under it are withheld).</summary>
    public int Threshold { get; }

    /// <summary>D, V and the key range.</summary>
    public CellKeyOptions Options { get; }

    /// <summary>Builds the ptable for counts withheld under <paramref name="threshold"/>.</summary>
    public static PerturbationTable Build(int threshold, CellKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (threshold < 1) throw new ArgumentOutOfRangeException(nameof(threshold), "the count threshold must be at least 1");
        options.Validate("ptable");
        int d = options.MaxNoise;
        var rows = new sbyte[d + 1][];
        for (int r = 0; r <= d; r++)
        {
            // Count T + r: noise ≥ −r keeps the released value ≥ T; never below −D.
            int lo = -Math.Min(r, d);
            var slots = QuantiseZeroMean(MaxEntropy(lo, d, Math.Min(options.Variance, 0.9 * -lo * d)), lo, options.KeyRange);
            var row = new sbyte[options.KeyRange];
            int k = 0;
            for (int i = lo; i <= d; i++)
                for (int n = slots[i - lo]; n > 0; n--)
                    row[k++] = (sbyte)i;
            rows[r] = row;
        }
        return new PerturbationTable(threshold, options, rows);
    }

    /// <summary>The cell key: the sum of the cell's record keys modulo the key range.</summary>
    public int CellKey(long keySum)
    {
        long m = keySum % Options.KeyRange;
        return (int)(m < 0 ? m + Options.KeyRange : m);
    }

    /// <summary>The noise added to a cell of exact <paramref name="count"/> whose record keys sum to <paramref name="keySum"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is in (0, T): such counts must be withheld, not perturbed.</exception>
    public int Noise(long count, long keySum)
    {
        if (count == 0) return 0;
        if (count < Threshold)
            throw new ArgumentOutOfRangeException(nameof(count), $"a count of {count} is under the threshold {Threshold} and must be withheld, not perturbed");
        return _rows[(int)Math.Min(count - Threshold, Options.MaxNoise)][CellKey(keySum)];
    }

    /// <summary>The released count: exact count plus noise. Same (count, key sum) ⇒ same result, always.</summary>
    public long Perturb(long count, long keySum) => count + Noise(count, keySum);

    /// <summary>The noise of every cell key for counts of <paramref name="count"/> (≥ T), for inspection and tests.</summary>
    public ReadOnlySpan<sbyte> Row(long count)
    {
        if (count < Threshold) throw new ArgumentOutOfRangeException(nameof(count), $"counts under {Threshold} have no ptable row");
        return _rows[(int)Math.Min(count - Threshold, Options.MaxNoise)];
    }

    /// <summary>p_i ∝ exp(a·i + b·i²) on [lo, hi] with mean 0 and variance <paramref name="variance"/>.</summary>
    private static double[] MaxEntropy(int lo, int hi, double variance)
    {
        var p = new double[hi - lo + 1];
        if (lo == 0)
        {
            p[0] = 1;   // support [0, D] with mean 0: all mass at 0
            return p;
        }
        double bLo = -30, bHi = 30;
        for (int iter = 0; iter < 100; iter++)
        {
            double b = (bLo + bHi) / 2;
            double a = SolveMean(lo, hi, b, p);
            Fill(lo, hi, a, b, p);
            if (Moment(lo, p, 2) < variance) bLo = b; else bHi = b;
        }
        Fill(lo, hi, SolveMean(lo, hi, (bLo + bHi) / 2, p), (bLo + bHi) / 2, p);
        return p;
    }

    private static double SolveMean(int lo, int hi, double b, double[] p)
    {
        double aLo = -400, aHi = 400;
        for (int iter = 0; iter < 100; iter++)
        {
            double a = (aLo + aHi) / 2;
            Fill(lo, hi, a, b, p);
            if (Moment(lo, p, 1) < 0) aLo = a; else aHi = a;
        }
        return (aLo + aHi) / 2;
    }

    private static void Fill(int lo, int hi, double a, double b, double[] p)
    {
        double max = double.NegativeInfinity;
        for (int i = lo; i <= hi; i++) max = Math.Max(max, a * i + b * i * i);
        double sum = 0;
        for (int i = lo; i <= hi; i++) sum += p[i - lo] = Math.Exp(a * i + b * i * i - max);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
    }

    private static double Moment(int lo, double[] p, int power)
    {
        double m = 0;
        for (int j = 0; j < p.Length; j++) m += p[j] * Math.Pow(lo + j, power);
        return m;
    }

    /// <summary>Integer slot counts summing to <paramref name="range"/> with Σ n_i·i = 0 exactly.</summary>
    private static int[] QuantiseZeroMean(double[] p, int lo, int range)
    {
        var n = new int[p.Length];
        int total = 0, largest = 0;
        for (int j = 0; j < p.Length; j++)
        {
            n[j] = (int)Math.Round(p[j] * range);
            total += n[j];
            if (n[j] > n[largest]) largest = j;
        }
        n[largest] += range - total;
        long residual = 0;
        for (int j = 0; j < n.Length; j++) residual += (long)n[j] * (lo + j);
        while (residual != 0)
        {
            if (residual > 0)
            {
                int j = -lo + 1;                            // smallest positive noise value holding a slot
                while (n[j] == 0) j++;
                n[j]--; n[j - 1]++; residual--;
            }
            else
            {
                int j = -lo - 1;                            // largest negative noise value holding a slot
                while (n[j] == 0) j--;
                n[j]--; n[j + 1]++; residual++;
            }
        }
        return n;
    }
}
