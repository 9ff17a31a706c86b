namespace Regsosek.Generator.Tests;

public class OptionsTests
{
    private static Task<GenerationResult> Run(GeneratorOptions o) => new DatasetGenerator().RunAsync(o);

    private static GeneratorOptions Options(string dir, long persons = 1000, IReadOnlyList<string>? regencies = null) => new()
    {
        Persons = persons,
        OutputDirectory = dir,
        RegionDataDirectory = TestData.RegionData,
        Regencies = regencies,
    };

    [Fact]
    public async Task A_non_empty_output_directory_is_refused()
    {
        var dir = TestData.NewTempDir("nonempty");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "x.txt"), "x");
        try
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => Run(Options(dir)));
            Assert.Contains("not empty", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("32", "4-digit")]
    [InlineData("9999", "unknown regency")]
    [InlineData("32x1", "must be 2, 4, 6 or 10 digits")]
    public async Task Bad_regency_codes_say_what_to_write(string code, string expected)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Run(Options(TestData.NewTempDir("badreg"), regencies: [code])));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Zero_persons_is_refused()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Run(Options(TestData.NewTempDir("zero"), persons: 0)));
        Assert.Contains("--persons", e.Message);
    }

    [Fact]
    public async Task A_missing_region_directory_points_at_bootstrap()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Run(Options(TestData.NewTempDir("noregion")) with { RegionDataDirectory = "/nonexistent/idn" }));
        Assert.Contains("scripts/bootstrap", e.Message);
    }

    [Fact]
    public async Task Progress_reaches_the_total_in_both_stages()
    {
        var dir = TestData.NewTempDir("progress");
        var seen = new List<GenerationProgress>();
        var progress = new SyncProgress(seen);
        try
        {
            var result = await new DatasetGenerator().RunAsync(Options(dir, 5000, ["3171"]), progress);
            Assert.Equal(5000, result.Persons);
            Assert.Contains(seen, p => p.Stage == "scoring" && p.PersonsDone > 0);
            Assert.Contains(seen, p => p.Stage == "writing" && p.PersonsDone > 0);
            Assert.Equal("done", seen[^1].Stage);
            Assert.True(result.BytesOnDisk > 0);
        }
        finally { Directory.Delete(dir, true); }
    }

    private sealed class SyncProgress(List<GenerationProgress> seen) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) { lock (seen) seen.Add(value); }
    }
}

public class UnitTests
{
    [Fact]
    public void Largest_remainder_splits_exactly_and_proportionally()
    {
        var counts = PopulationPlan.LargestRemainder([1, 2, 3, 4], 1001);
        Assert.Equal(1001, counts.Sum());
        double[] exact = [100.1, 200.2, 300.3, 400.4];
        Assert.All(counts.Zip(exact), x => Assert.True(Math.Abs(x.First - x.Second) < 1, $"{x.First} vs exact {x.Second}"));
        Assert.Equal(401, counts[3]); // the largest remainder (.4) gets the leftover person
        Assert.All(PopulationPlan.LargestRemainder([0.3, 0.3, 0.4], 7), c => Assert.InRange(c, 2, 3));
    }

    [Fact]
    public void Ranking_cuts_a_uniform_histogram_into_equal_deciles()
    {
        var hist = new long[WelfareRanking.Bins];
        for (int b = 0; b < hist.Length; b++) hist[b] = 1;
        var r = WelfareRanking.FromHistogram(hist);
        Assert.Equal(1, r.Desil(0));
        Assert.Equal(10, r.Desil(WelfareRanking.Bins - 1));
        Assert.Equal(1, r.Percentile(0));
        Assert.Equal(100, r.Percentile(WelfareRanking.Bins - 1));
        var perDesil = Enumerable.Range(0, WelfareRanking.Bins).GroupBy(r.Desil).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perDesil.Values, n => Assert.InRange(n, WelfareRanking.Bins / 10 - 1, WelfareRanking.Bins / 10 + 1));
    }

    [Fact]
    public void Ranking_puts_a_whole_bin_in_one_desil()
    {
        var hist = new long[WelfareRanking.Bins];
        hist[10] = 50;    // the poorest half in one bin
        hist[500] = 50;
        var r = WelfareRanking.FromHistogram(hist);
        Assert.Equal(3, r.Desil(10));   // midpoint of the first half: percentile 26
        Assert.Equal(8, r.Desil(500));  // percentile 76
    }

    [Fact]
    public void Quantized_scores_preserve_order()
    {
        int previous = -1;
        for (double s = -5; s < 20; s += 0.01)
        {
            int bin = WelfareRanking.Quantize(s);
            Assert.True(bin >= previous);
            previous = bin;
        }
        Assert.InRange(WelfareRanking.ScoreOf(WelfareRanking.Bins - 1), 0.999, 1.0);
    }

    [Fact]
    public void Streams_are_reproducible_and_independent()
    {
        var a = new Rng(42, 3201, 0);
        var b = new Rng(42, 3201, 0);
        var c = new Rng(42, 3202, 0);
        var d = new Rng(42, 3201, 1);
        var xa = Enumerable.Range(0, 100).Select(_ => a.NextULong()).ToArray();
        Assert.Equal(xa, Enumerable.Range(0, 100).Select(_ => b.NextULong()));
        Assert.NotEqual(xa, Enumerable.Range(0, 100).Select(_ => c.NextULong()));
        Assert.NotEqual(xa, Enumerable.Range(0, 100).Select(_ => d.NextULong()));
        var u = new Rng(1, 1, 1);
        double mean = Enumerable.Range(0, 100_000).Average(_ => u.NextDouble());
        Assert.InRange(mean, 0.49, 0.51);
        Assert.All(Enumerable.Range(0, 10_000).Select(_ => u.Next(7)), v => Assert.InRange(v, 0, 6));
    }

    [Fact]
    public void Family_sizes_sum_exactly_to_the_persons_asked()
    {
        var sizes = DatasetGenerator.DrawSizes(new Rng(5, 5, 2), 12_345);
        Assert.Equal(12_345, sizes.Sum(s => (s & 0x3F) + ((s & 0x40) != 0 ? 1 : 0)));
        Assert.All(sizes, s => Assert.InRange(s & 0x3F, 1, 9));
    }

    [Fact]
    public void Province_table_holds_the_38_provinces_of_idn_area_data()
    {
        var csv = File.ReadAllLines(Path.Combine(TestData.RegionData, "provinces.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).Order();
        Assert.Equal(csv, ProvinceTable.All.Select(p => p.Code).Order());
        // The six Papuan provinces sum to the two pre-split BPS totals.
        Assert.Equal(4418.6, new[] { 91, 93, 94, 95 }.Sum(c => ProvinceTable.Of(c).PopulationThousands), 6);
        Assert.Equal(1156.8, new[] { 92, 96 }.Sum(c => ProvinceTable.Of(c).PopulationThousands), 6);
    }
}
