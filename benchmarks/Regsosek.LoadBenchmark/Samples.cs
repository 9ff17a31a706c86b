namespace Regsosek.LoadBenchmark;

/// <summary>Latency samples of one request kind under one variant, with the wall time they took.</summary>
public sealed class Samples
{
    private readonly List<double> _ms = [];
    private double[]? _sorted;

    /// <summary>Number of samples.</summary>
    public int Count => _ms.Count;

    /// <summary>The samples in the order they were taken (the i-th of each variant at concurrency 1 share an iteration).</summary>
    public IReadOnlyList<double> InOrder
    {
        get { lock (_ms) return [.. _ms]; }
    }

    /// <summary>The median of a list of values (NaN when empty).</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var s = new Samples();
        foreach (var v in values) s.Add(v);
        return s.Median;
    }

    /// <summary>Wall-clock time over which the samples were taken (for throughput), in seconds.</summary>
    public double WallSeconds { get; private set; }

    /// <summary>Adds one latency in milliseconds.</summary>
    public void Add(double milliseconds)
    {
        lock (_ms) { _ms.Add(milliseconds); _sorted = null; }
    }

    /// <summary>Adds wall-clock time to the throughput denominator.</summary>
    public void AddWall(TimeSpan elapsed) => WallSeconds += elapsed.TotalSeconds;

    /// <summary>Completed requests per second of wall time (NaN without samples).</summary>
    public double Throughput => WallSeconds > 0 ? Count / WallSeconds : double.NaN;

    /// <summary>The median.</summary>
    public double Median => Quantile(0.5);

    /// <summary>The 95th percentile.</summary>
    public double P95 => Quantile(0.95);

    /// <summary>The 99th percentile.</summary>
    public double P99 => Quantile(0.99);

    /// <summary>The q-quantile, linear between closest ranks (NaN without samples).</summary>
    public double Quantile(double q)
    {
        var sorted = Sorted();
        if (sorted.Length == 0) return double.NaN;
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private double[] Sorted()
    {
        lock (_ms)
        {
            if (_sorted is null)
            {
                _sorted = [.. _ms];
                Array.Sort(_sorted);
            }
            return _sorted;
        }
    }
}
