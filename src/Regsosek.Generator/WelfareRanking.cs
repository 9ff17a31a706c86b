namespace Regsosek.Generator;

/// <summary>
/// National welfare ranking without holding 78 million scores: the score is quantized to one of
/// <see cref="Bins"/> bins, a first pass counts families per bin, and the exact national cut points
/// follow from the cumulative counts. Families in the same bin share a rank; a family's percentile is
/// that of the middle of its bin: percentile = ⌊100 · (families below + half the bin) / N⌋ + 1 and
/// desil = ⌈percentile / 10⌉, so desil 1 is the poorest 10 %.
/// </summary>
internal sealed class WelfareRanking
{
    /// <summary>Number of score bins (2^20).</summary>
    public const int Bins = 1 << 20;

    // Location and scale of the raw score (from simulation runs); only the ranking's resolution depends on them.
    private const double Center = 6.4;
    private const double Scale = 1.2;

    private readonly byte[] _percentile;

    private WelfareRanking(byte[] percentile) => _percentile = percentile;

    /// <summary>The quantized bin of a raw score: a logistic squashing onto [0, Bins).</summary>
    public static int Quantize(double score)
    {
        double u = Stats.Logistic((score - Center) / Scale);
        int bin = (int)(u * Bins);
        return Math.Clamp(bin, 0, Bins - 1);
    }

    /// <summary>The stored welfare_score of a bin, in [0, 1).</summary>
    public static double ScoreOf(int bin) => bin / (double)Bins;

    /// <summary>How poor a raw score is, roughly N(0, 1) nationally (higher = poorer); drives programme targeting.</summary>
    public static double PoorIndex(double score) => (Center - score) / Scale;

    /// <summary>Builds the ranking from the per-bin family counts of the whole nation.</summary>
    public static WelfareRanking FromHistogram(long[] histogram)
    {
        if (histogram.Length != Bins) throw new ArgumentException($"the histogram must have {Bins} bins", nameof(histogram));
        long total = 0;
        foreach (var c in histogram) total += c;
        var percentile = new byte[Bins];
        long below = 0;
        for (int b = 0; b < Bins; b++)
        {
            long c = histogram[b];
            if (total > 0)
            {
                // 200·below + 100·c over 2·total = 100·(below + c/2)/total, in integers (exact, deterministic).
                long p = (200 * below + 100 * c) / (2 * total) + 1;
                percentile[b] = (byte)Math.Min(100, p);
            }
            below += c;
        }
        return new WelfareRanking(percentile);
    }

    /// <summary>National percentile (1-100) of a bin.</summary>
    public byte Percentile(int bin) => _percentile[bin];

    /// <summary>National desil (1-10) of a bin.</summary>
    public byte Desil(int bin) => (byte)((_percentile[bin] + 9) / 10);
}
