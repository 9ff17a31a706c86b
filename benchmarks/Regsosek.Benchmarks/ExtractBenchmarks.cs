using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Extracts;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Benchmarks;

/// <summary>
/// Extract throughput over a generated dataset (REGSOSEK_BENCH_DATASET, e.g. the generator's 10-million-person
/// sample or the full-scale one): a regency, its province (REGSOSEK_BENCH_REGENCY, default the first regency
/// directory found) and the whole nation, tier 3 (pseudonyms, k-anonymity report with local suppression) and tier 4 (plain COPY), as
/// Parquet and CSV. The chunks go to a sink that only counts them, as a fast client would. After each benchmark
/// the console shows rows/s, MB/s and the process's peak working set: peak memory should stay nearly flat from a
/// regency to the nation (DuckDB works single-threaded under a small memory limit and spills into the extract's temp
/// directory, tier-3 sorts run in bounded runs, and one 1 MiB chunk buffer is reused). The national cases run only
/// with REGSOSEK_BENCH_NATIONAL=1.
/// </summary>
[MemoryDiagnoser]
public class ExtractBenchmarks
{
    private ExtractService _service = null!;
    private ExtractPlan _plan = null!;
    private long _rows;
    private long _bytes;
    private double _seconds;
    private string _temp = null!;

    /// <summary>The region extracted.</summary>
    [ParamsSource(nameof(Regions))]
    public string Region { get; set; } = "regency";

    /// <summary>regency and province; national too when REGSOSEK_BENCH_NATIONAL=1 (minutes per case at 10 M persons).</summary>
    public static IEnumerable<string> Regions =>
        Environment.GetEnvironmentVariable("REGSOSEK_BENCH_NATIONAL") == "1" ? ["regency", "province", "national"] : ["regency", "province"];

    /// <summary>3 = de-identified microdata, 4 = BNBA.</summary>
    [Params(3, 4)]
    public int Tier { get; set; }

    /// <summary>Output format.</summary>
    [Params(ExtractFormat.Parquet, ExtractFormat.Csv)]
    public ExtractFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var dataset = Environment.GetEnvironmentVariable("REGSOSEK_BENCH_DATASET");
        if (string.IsNullOrEmpty(dataset) || !Directory.Exists(Path.Combine(dataset, "individu")))
            throw new InvalidOperationException(
                "set REGSOSEK_BENCH_DATASET to a generated dataset directory (with individu/ and keluarga/ partitions) to run the extract benchmarks");
        var regency = Environment.GetEnvironmentVariable("REGSOSEK_BENCH_REGENCY")
            ?? Directory.EnumerateDirectories(Path.Combine(dataset, "individu"), "prov_code=*").OrderBy(d => d, StringComparer.Ordinal)
                .SelectMany(p => Directory.EnumerateDirectories(p, "regency_code=*")).Select(d => Path.GetFileName(d)["regency_code=".Length..]).First();
        var region = Region switch { "regency" => regency, "province" => regency[..2], _ => "" };
        _temp = Path.Combine(Path.GetTempPath(), "regsosek-extract-bench");
        Directory.CreateDirectory(_temp);
        var runner = new ExtractRunner(new PseudonymKeyring(new byte[32]), new ExtractOptions { TempRoot = _temp });
        _service = new ExtractService(DatasetPartitions.Scan(dataset), runner);
        _plan = _service.Plan(new ExtractRequest
        {
            Table = ExtractTable.Individu,
            Region = region,
            Format = Format,
            KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = Tier == 3 },
        }, ExtractOnce.Caller(Tier, region));
    }

    [Benchmark(Description = "extract individu")]
    public async Task<long> Extract()
    {
        long bytes = 0;
        var watch = Stopwatch.StartNew();
        var summary = await _service.RunAsync(_plan, (chunk, _) =>
        {
            bytes += chunk.Length;
            return ValueTask.CompletedTask;
        });
        _seconds = watch.Elapsed.TotalSeconds;
        _rows = summary.Rows;
        _bytes = bytes;
        return summary.Rows;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_seconds > 0)
            Console.WriteLine(
                $"// extract {Region} tier {Tier} {Format}: {_rows:N0} rows, {_bytes / 1e6:N1} MB, last run {_rows / _seconds:N0} rows/s, " +
                $"{_bytes / 1e6 / _seconds:N1} MB/s; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:N0} MB");
    }
}
