using FsCheck.Fluent;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

public class PerturbationTableTests
{
    private static readonly CellKeyOptions Defaults = new();

    [Theory]
    [InlineData(10)]
    [InlineData(5)]
    [InlineData(1)]
    public void Every_row_keeps_noise_within_D_and_released_counts_at_or_above_the_threshold(int threshold)
    {
        var table = PerturbationTable.Build(threshold, Defaults);
        for (long count = threshold; count <= threshold + Defaults.MaxNoise + 3; count++)
        {
            var row = table.Row(count);
            Assert.Equal(Defaults.KeyRange, row.Length);
            foreach (var noise in row)
            {
                Assert.InRange(noise, -Defaults.MaxNoise, Defaults.MaxNoise);
                Assert.True(count + noise >= threshold, $"count {count} + noise {noise} falls under the threshold {threshold}");
            }
        }
    }

    [Theory]
    [InlineData(10, 1.0)]
    [InlineData(5, 1.0)]
    [InlineData(5, 2.5)]
    public void Every_row_has_exactly_zero_mean_over_the_cell_keys(int threshold, double variance)
    {
        var table = PerturbationTable.Build(threshold, Defaults with { Variance = variance });
        for (long count = threshold; count <= threshold + Defaults.MaxNoise; count++)
        {
            long sum = 0;
            foreach (var noise in table.Row(count)) sum += noise;
            Assert.Equal(0, sum);
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Rows_past_the_cap_have_the_configured_variance_and_real_spread(double variance)
    {
        var table = PerturbationTable.Build(10, Defaults with { Variance = variance });
        var row = table.Row(1000).ToArray();
        double v = row.Average(n => (double)n * n);
        Assert.InRange(v, variance - 0.01, variance + 0.01);
        Assert.True(row.Distinct().Count() >= 5, "the noise should take at least 5 distinct values in [-3, 3]");
        Assert.Contains(row, n => n == Defaults.MaxNoise);
        Assert.Contains(row, n => n == -Defaults.MaxNoise);
    }

    [Fact]
    public void The_row_at_the_threshold_cannot_move_down_so_it_does_not_move()
    {
        var table = PerturbationTable.Build(10, Defaults);
        Assert.All(table.Row(10).ToArray(), n => Assert.Equal(0, n));
        Assert.Contains(table.Row(11).ToArray(), n => n == -1);
    }

    [Fact]
    public void Zero_stays_zero_and_counts_under_the_threshold_are_refused()
    {
        var table = PerturbationTable.Build(10, Defaults);
        Assert.Equal(0, table.Perturb(0, 1234));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => table.Perturb(9, 1234));
        Assert.Contains("withheld", ex.Message);
    }

    [Fact]
    public void The_cell_key_is_the_key_sum_modulo_the_key_range()
    {
        var table = PerturbationTable.Build(10, Defaults);
        Assert.Equal(5, table.CellKey(4096 * 7 + 5));
        Assert.Equal(4095, table.CellKey(-1));
    }

    [Fact]
    public void Building_twice_gives_the_same_table() 
    {
        var a = PerturbationTable.Build(5, Defaults);
        var b = PerturbationTable.Build(5, Defaults);
        for (long c = 5; c < 12; c++) Assert.True(a.Row(c).SequenceEqual(b.Row(c)));
    }

    [Fact]
    public void Noise_is_bounded_and_averages_about_zero_over_many_random_cells() =>
        PropertyRunner.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from threshold in Gen.Elements(5, 10)
             select (seed, threshold)).ToArbitrary(),
            c =>
            {
                var table = PerturbationTable.Build(c.threshold, Defaults);
                var rng = new Random(c.seed);
                const int cells = 20000;
                double sum = 0;
                for (int i = 0; i < cells; i++)
                {
                    long count = c.threshold + rng.Next(0, 2000);
                    long keySum = rng.NextInt64(0, count * 4096);
                    int noise = table.Noise(count, keySum);
                    Assert.InRange(noise, -Defaults.MaxNoise, Defaults.MaxNoise);
                    Assert.True(count + noise >= c.threshold);
                    sum += noise;
                }
                // Per-cell sd is about 1, so the standard error of the mean is about 0.007; 0.05 is over 7 of them.
                Assert.InRange(sum / cells, -0.05, 0.05);
            }, maxTest: 20);

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(3, 9.0)]
    [InlineData(3, 0.0)]
    public void Bad_parameters_are_refused_with_the_option_named(int d, double v)
    {
        var ex = Assert.Throws<ArgumentException>(() => PerturbationTable.Build(10, new CellKeyOptions { MaxNoise = d, Variance = v }));
        Assert.Contains(d == 0 ? "MaxNoise" : "Variance", ex.Message);
    }
}
