using System.Diagnostics;
using System.Globalization;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.DataAccess;
using Regsosek.Extracts;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Benchmarks;

/// <summary>
/// One extract, or the plain DuckDB COPY it is measured against, in a process of its own, so that the process's
/// peak working set and CPU time (e.g. under <c>/usr/bin/time -v</c>) belong to that one case:
/// <c>dotnet run -c Release -- extract-once DATASET REGION TIER FORMAT [plain] [TEMP]</c>, REGION a regency or province
/// code or "national", FORMAT parquet or csv. "plain" copies the same rows and columns (the tier's "all columns" in
/// the extract's order, ids as stored instead of pseudonyms, no suppression, stored order) from the same partitions with the extract's DuckDB settings
/// (<see cref="ExtractOptions"/>: one thread, 96 MB, no external file cache) into one file with one COPY.
/// A tier-3 extract runs with local suppression unless the environment sets REGSOSEK_EXTRACT_SUPPRESSION=0 (the
/// request's default: the class table and the k-anonymity report only).
/// Prints one line: case, rows, bytes, seconds, peak working set.
/// </summary>
public static class ExtractOnce
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: extract-once DATASET REGION TIER parquet|csv [plain] [TEMP]");
            return 2;
        }
        string dataset = args[0], region = args[1] == "national" ? "" : args[1];
        int tier = int.Parse(args[2], CultureInfo.InvariantCulture);
        var format = args[3] == "csv" ? ExtractFormat.Csv : ExtractFormat.Parquet;
        bool plain = args.Length > 4 && args[4] == "plain";
        var temp = args.Length > 5 ? args[5] : Path.Combine(Path.GetTempPath(), "regsosek-extract-once");
        Directory.CreateDirectory(temp);
        // REGSOSEK_EXTRACT_MEMORY overrides the extract's DuckDB memory limit (default ExtractOptions.MemoryLimit, 96 MB).
        var options = Environment.GetEnvironmentVariable("REGSOSEK_EXTRACT_MEMORY") is { Length: > 0 } memory
            ? new ExtractOptions { TempRoot = temp, MemoryLimit = memory }
            : new ExtractOptions { TempRoot = temp };
        var service = new ExtractService(DatasetPartitions.Scan(dataset), new ExtractRunner(new PseudonymKeyring(new byte[32]), options));
        var plan = service.Plan(new ExtractRequest
        {
            Table = ExtractTable.Individu,
            Region = region,
            Format = format,
            KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = tier == 3 && Environment.GetEnvironmentVariable("REGSOSEK_EXTRACT_SUPPRESSION") != "0" },
        }, Caller(tier, region));
        if (Environment.GetEnvironmentVariable("REGSOSEK_EXTRACT_SQL") == "1") Console.Error.WriteLine(plan.SelectSql);
        var watch = Stopwatch.StartNew();
        long rows, bytes;
        if (plain)
            (rows, bytes) = PlainCopy(plan, options, temp);
        else
        {
            long sent = 0;
            // REGSOSEK_EXTRACT_OUT keeps the file (to look into it); otherwise the chunks are only counted.
            var keep = Environment.GetEnvironmentVariable("REGSOSEK_EXTRACT_OUT");
            await using var output = string.IsNullOrEmpty(keep) ? null : File.Create(keep);
            var summary = await service.RunAsync(plan, async (chunk, ct) =>
            {
                sent += chunk.Length;
                if (output is not null) await output.WriteAsync(chunk, ct);
            });
            (rows, bytes) = (summary.Rows, sent);
        }
        double seconds = watch.Elapsed.TotalSeconds;
        var process = Process.GetCurrentProcess();
        string kind = plain ? "plain" : "extract";
        Console.WriteLine(FormattableString.Invariant(
            $"{kind} {args[1]} tier {tier} {format}: {rows:N0} rows, {bytes:N0} bytes, {seconds:F2} s, cpu {process.TotalProcessorTime.TotalSeconds:F2} s, peak working set {process.PeakWorkingSet64 / 1e6:F0} MB"));
        return 0;
    }

    /// <summary>The benchmarks' caller: a grant of <paramref name="tier"/> over <paramref name="region"/> ("" = national), valid today.</summary>
    internal static Caller Caller(int tier, string region) => new(new Grant
    {
        Id = "bench",
        Organisation = "bench",
        Unit = "bench",
        Tier = (Tier)tier,
        Region = region.Length == 0 ? RegionCode.National : RegionCode.Parse(region),
        Purpose = "benchmark",
        ValidFrom = DateTimeOffset.UtcNow.AddDays(-1),
        ValidUntil = DateTimeOffset.UtcNow.AddDays(1),
    });

    /// <summary>The plan's output columns from its query (its partitions, ids as stored) in one COPY under the extract's DuckDB settings.</summary>
    private static (long Rows, long Bytes) PlainCopy(ExtractPlan plan, ExtractOptions options, string temp)
    {
        var directory = Path.Combine(temp, "plain-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var file = Path.Combine(directory, plan.Format == ExtractFormat.Csv ? "plain.csv" : "plain.parquet");
            using var connection = DuckDbSettings.Open(null, new DuckDbSettings
            {
                Threads = options.Threads,
                MemoryLimit = options.MemoryLimit,
                TempDirectory = directory,
                Settings = new Dictionary<string, string>
                {
                    ["enable_external_file_cache"] = "false",
                    ["allocator_flush_threshold"] = options.AllocatorFlushThreshold ?? "16MB",
                    ["allocator_background_threads"] = "true",
                },
            });
            var to = plan.Format == ExtractFormat.Csv
                ? "FORMAT csv, HEADER true"
                : $"FORMAT parquet, COMPRESSION zstd, WRITE_BLOOM_FILTER false, ROW_GROUP_SIZE {options.ParquetRowGroupSize}";
            // The extract's columns in its order, the ids as stored (the raw keys the plan's query carries), nothing else.
            var columns = plan.Columns.Select(c => c.IdKind switch
            {
                IdKind.Family => $"\"{ExtractPlan.FamilyKeyColumn}\" AS \"{c.Name}\"",
                IdKind.Person => $"\"{ExtractPlan.PersonKeyColumn}\" AS \"{c.Name}\"",
                _ => $"\"{c.Name}\"",
            });
            long rows = connection.Execute($"COPY (SELECT {string.Join(", ", columns)} FROM ({plan.SelectSql})) TO '{file}' ({to})", plan.Parameters, CancellationToken.None);
            // REGSOSEK_EXTRACT_OUT keeps the plain file too (to compare columns).
            if (Environment.GetEnvironmentVariable("REGSOSEK_EXTRACT_OUT") is { Length: > 0 } keep) File.Copy(file, keep, overwrite: true);
            return (rows, new FileInfo(file).Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
