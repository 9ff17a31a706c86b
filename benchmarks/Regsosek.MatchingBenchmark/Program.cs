// Matching benchmark (issue 14): a list of N NIKs matched against a scope (a province, or the nation) of a generated
// dataset, through the service's MatchingEngine and MatchSummaryRelease (the gRPC handler's work minus protobuf and
// the network). The list is made first and written to a file, then read back line by line while it is spooled, so
// the peak resident set printed is the matching's (reset after the list is made), not the list's.
//
//   dotnet run -c Release --project benchmarks/Regsosek.MatchingBenchmark -- <dataset> <scope: 32 | national> [nik count, default 1000000] [--exclusions] [--grpc]
//
// --grpc: the whole call end to end instead (GrpcRun): the real host, a tier-4 grant, the list streamed through a
// grpc-dotnet client in batches of 10,000 rows, every result and the summary read back.
//
// List: 85 % persons of the scope (sampled), 5 % persons outside it (none for national), 5 % made-up NIKs of real
// districts, 4 % invalid, 1 % repeats. Prints phase times, peak working set and the temp directory's peak size.
using System.Diagnostics;
using Regsosek.Benchmarking;
using DuckDB.NET.Data;
using Regsosek.Api;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using Regsosek.Extracts.Matching;
using Regsosek.Schema;

if (args.Length > 0 && args[0] == "example") return Regsosek.MatchingBenchmark.WorkedExample.Run(args[1], args.Length > 2 ? args[2] : "3273");
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: <dataset> <scope: 2/4-digit region or 'national'> [nik count]");
    return 2;
}
var datasetDir = Path.GetFullPath(args[0]);
var scope = args[1] == "national" ? RegionCode.National : RegionCode.Parse(args[1]);
long total = args.Length > 2 ? long.Parse(args[2]) : 1_000_000;
bool withExclusions = args.Contains("--exclusions");
bool overGrpc = args.Contains("--grpc");
var work = Path.Combine(Path.GetTempPath(), "regsosek-matching-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
var listFile = Path.Combine(work, "list.csv");

var clock = Stopwatch.StartNew();
var partitions = DatasetPartitions.Scan(datasetDir);
long inScope = total * 85 / 100, outside = scope.Level == RegionLevel.National ? 0 : total * 5 / 100;
long unknown = total * 5 / 100, invalid = total * 4 / 100;
long repeats = total - inScope - outside - unknown - invalid;
using (var db = new DuckDBConnection("DataSource=:memory:"))
{
    db.Open();
    using var cmd = db.CreateCommand();
    string Glob(RegionCode r) => partitions.Glob(TableKind.Individu, r).Replace("'", "''");
    string where = scope.Level == RegionLevel.National ? "TRUE" : $"prov_code = {scope.AncestorAt(RegionLevel.Province).Numeric}";
    cmd.CommandText = $"""
        SET threads = 2;
        CREATE TABLE inside AS SELECT nik FROM (SELECT r403 AS nik FROM read_parquet('{Glob(scope)}', {DatasetLayout.HiveOptions}) WHERE {where}) USING SAMPLE {inScope} ROWS;
        CREATE TABLE outside AS SELECT nik FROM (SELECT r403 AS nik FROM read_parquet('{Glob(RegionCode.National)}', {DatasetLayout.HiveOptions}) WHERE NOT ({where})) USING SAMPLE {outside} ROWS;
        CREATE TABLE list AS
          SELECT nik, random() AS o FROM inside
          UNION ALL SELECT nik, random() FROM outside
          UNION ALL SELECT substr(nik, 1, 12) || lpad(CAST(9999 - (row_number() OVER () % 50) AS VARCHAR), 4, '0'), random() FROM (SELECT nik FROM inside LIMIT {unknown})
          UNION ALL SELECT CAST(range AS VARCHAR), random() FROM range({invalid})
          UNION ALL SELECT nik, random() FROM (SELECT nik FROM inside LIMIT {repeats});
        COPY (SELECT nik FROM list ORDER BY o) TO '{listFile.Replace("'", "''")}' (HEADER false);
        """;
    cmd.ExecuteNonQuery();
}
var prepare = clock.Elapsed;
Console.WriteLine($"list of {total:N0} made in {prepare.TotalSeconds:F1} s ({inScope:N0} in scope, {outside:N0} outside, {unknown:N0} made up, {invalid:N0} invalid, {repeats:N0} repeats)");
GC.Collect();
var process = Process.GetCurrentProcess();
process.Refresh();
long baseline = process.WorkingSet64;
// Making the list (an in-memory DuckDB sampling the scope) has its own peak; the matching's is measured from here.
PeakResidentSet.Read(reset: true);

string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
if (overGrpc)
{
    int code = await Regsosek.MatchingBenchmark.GrpcRun.RunAsync(datasetDir, scope, listFile, baseline, Load);
    Directory.Delete(work, recursive: true);
    return code;
}

var regions = RegionDirectory.Load(datasetDir, Environment.GetEnvironmentVariable("REGSOSEK_REGION_DATA"));
var districts = MatchingApi.DistrictCodes(regions);
var engine = new MatchingEngine(partitions, new MatchingOptions { TempRoot = work });
var grant = new Grant
{
    Id = "g_bench", Organisation = "bench", Unit = "bench", Tier = Tier.Bnba, Region = scope, Purpose = "benchmark",
    ValidFrom = DateTimeOffset.UtcNow.AddDays(-1), ValidUntil = DateTimeOffset.UtcNow.AddDays(1),
};
var caller = new Caller(grant);
var effective = engine.Decide(caller, MatchMode.Rows, false);
long peakTemp = 0;
string? jobDir = null;
void SampleTemp()
{
    if (jobDir is null || !Directory.Exists(jobDir)) return;
    long size = new DirectoryInfo(jobDir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    peakTemp = Math.Max(peakTemp, size);
}
using var sampler = new Timer(_ => SampleTemp(), null, 0, 200);

double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
var loadBefore = Load();
double cpu0 = Cpu(), cpuSpool, cpuMatch, cpuResults;
clock.Restart();
TimeSpan spool, match, results;
long matchedRows = 0, resultRows = 0;
MatchCounts counts;
using (var job = engine.Start(caller, effective, districts.Contains))
{
    jobDir = job.Directory;
    using (var reader = new StreamReader(listFile))
    {
        long i = 0;
        while (reader.ReadLine() is { } line) job.Add(new MatchInputRow(line, "", (i++).ToString()));
    }
    spool = clock.Elapsed;
    cpuSpool = Cpu() - cpu0;
    Console.WriteLine($"spooled in {spool.TotalSeconds:F1} s");
    var level = effective.Level <= RegionLevel.Province ? RegionLevel.Regency : RegionLevel.District;
    counts = job.Match(MatchingApi.Breakdown(regions, effective, level), level, CancellationToken.None);
    match = clock.Elapsed - spool;
    cpuMatch = Cpu() - cpu0 - cpuSpool;
    Console.WriteLine($"matched in {match.TotalSeconds:F1} s");
    foreach (var r in job.Results(CancellationToken.None))
    {
        resultRows++;
        if (r.Status == MatchRowStatus.Matched) matchedRows++;
    }
    results = clock.Elapsed - spool - match;
    cpuResults = Cpu() - cpu0 - cpuSpool - cpuMatch;
    SampleTemp();
    Console.WriteLine("steps: " + string.Join("; ", job.Steps.Select(s => $"{s.Step} {s.Elapsed.TotalSeconds:F1} s")));
    if (withExclusions)
    {
        var started = clock.Elapsed;
        double cpuBefore = Cpu();
        long exclusionRows = 0;
        foreach (var _ in job.Exclusions(CancellationToken.None)) exclusionRows++;
        Console.WriteLine($"exclusion list: {exclusionRows:N0} records in {(clock.Elapsed - started).TotalSeconds:F1} s, CPU {Cpu() - cpuBefore:F1} s");
        SampleTemp();
    }
}
var elapsed = clock.Elapsed;
var summary = new MatchSummaryRelease().Release(counts, Tier.Bnba);
process.Refresh();
Console.WriteLine($"scope {(effective.Value == "" ? "national" : effective.Value)}: {counts.Submitted:N0} rows, {counts.Invalid:N0} invalid, {counts.Duplicate:N0} duplicates, {counts.Matched.Count:N0} matched, {counts.ExclusionCandidates.Count:N0} exclusion candidates");
Console.WriteLine($"spool {spool.TotalSeconds:F1} s, match {match.TotalSeconds:F1} s, results {results.TotalSeconds:F1} s ({resultRows:N0} rows, {matchedRows:N0} with records); total {elapsed.TotalSeconds:F1} s");
Console.WriteLine($"CPU seconds: spool {cpuSpool:F1}, match {cpuMatch:F1}, results {cpuResults:F1}; load average before {loadBefore}, after {Load()}");
long peak = PeakResidentSet.Read() ?? process.PeakWorkingSet64;
Console.WriteLine($"peak resident set while matching {peak / 1048576.0:F0} MiB (before matching {baseline / 1048576.0:F0} MiB; the whole process's including the list's making {process.PeakWorkingSet64 / 1048576.0:F0} MiB); temp directory peak {peakTemp / 1048576.0:F0} MiB; summary matched {summary.Matched.Value:N0}");
Directory.Delete(work, recursive: true);
return 0;
