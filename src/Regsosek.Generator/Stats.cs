using System.Runtime.CompilerServices;

namespace Regsosek.Generator;

/// <summary>Normal quantiles and the categorical draws of the simulation.</summary>
internal static class Stats
{
    /// <summary>Φ⁻¹((i + 0.5) / 65536) for i in [0, 65536).</summary>
    public static readonly double[] NormalQuantiles = BuildQuantiles();

    private static double[] BuildQuantiles()
    {
        var q = new double[65536];
        for (int i = 0; i < q.Length; i++) q[i] = InverseNormal((i + 0.5) / q.Length);
        return q;
    }

    /// <summary>Inverse of the standard normal CDF (Acklam's rational approximation, |error| &lt; 1.2e-9).</summary>
    public static double InverseNormal(double p)
    {
        if (p <= 0) return double.NegativeInfinity;
        if (p >= 1) return double.PositiveInfinity;
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425, high = 1 - low;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p <= high)
        {
            double q = p - 0.5, r = q * q;
            return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        double qq = Math.Sqrt(-2 * Math.Log(1 - p));
        return -(((((c[0] * qq + c[1]) * qq + c[2]) * qq + c[3]) * qq + c[4]) * qq + c[5]) / ((((d[0] * qq + d[1]) * qq + d[2]) * qq + d[3]) * qq + 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Logistic(double x) => 1.0 / (1.0 + Math.Exp(-x));
}

/// <summary>A categorical distribution over codes: draw by one uniform and a short linear scan.</summary>
internal sealed class Categorical
{
    private readonly short[] _codes;
    private readonly double[] _cumulative;

    /// <summary>(code, weight) pairs; weights need not sum to 1.</summary>
    public Categorical(params (int Code, double Weight)[] items)
    {
        _codes = new short[items.Length];
        _cumulative = new double[items.Length];
        double total = items.Sum(i => i.Weight), run = 0;
        for (int i = 0; i < items.Length; i++)
        {
            _codes[i] = (short)items[i].Code;
            run += items[i].Weight / total;
            _cumulative[i] = run;
        }
        _cumulative[^1] = 1.0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short Draw(Rng rng)
    {
        double u = rng.NextDouble();
        var c = _cumulative;
        int i = 0;
        while (i < c.Length - 1 && u >= c[i]) i++;
        return _codes[i];
    }
}

/// <summary>
/// An ordered categorical answer driven by a standard-normal latent (a Gaussian copula): codes are
/// listed from worst to best with their target national shares; the cut points are the normal
/// quantiles of the cumulative shares, so a latent ~ N(0,1) reproduces the shares and a higher
/// latent (a better-off family) gives better answers.
/// </summary>
internal sealed class Ordinal
{
    private readonly short[] _codes;
    private readonly double[] _cuts;

    public Ordinal(params (int Code, double Share)[] worstToBest)
    {
        _codes = worstToBest.Select(x => (short)x.Code).ToArray();
        _cuts = new double[worstToBest.Length - 1];
        double total = worstToBest.Sum(x => x.Share), run = 0;
        for (int i = 0; i < _cuts.Length; i++)
        {
            run += worstToBest[i].Share / total;
            _cuts[i] = Stats.InverseNormal(run);
        }
    }

    /// <summary>The code for latent <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short Of(double z)
    {
        var c = _cuts;
        int i = 0;
        while (i < c.Length && z >= c[i]) i++;
        return _codes[i];
    }

    /// <summary>Draws with latent = rho·w + sqrt(1 − rho²)·noise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short Draw(Rng rng, double w, double rho) => Of(rho * w + Math.Sqrt(1 - rho * rho) * rng.Gaussian());
}
