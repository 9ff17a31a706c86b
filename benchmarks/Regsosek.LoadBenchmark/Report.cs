using System.Globalization;
using System.Text;

namespace Regsosek.LoadBenchmark;

/// <summary>The Markdown report of a run: machine, tables, targets, and the SQL of every column.</summary>
public static class Report
{
    /// <summary>Target (issue 15): the service at least this many times faster than PostgreSQL on every aggregate.</summary>
    public const double PostgresSpeedupTarget = 20;

    /// <summary>Issue 15's allowance over the plain SQL for a request the fast path cannot serve: 10 % or 2.5 ms, whichever is larger.</summary>
    public static double PlainAllowanceMs(double plainMs) => Math.Max(0.10 * plainMs, 2.5);

    /// <summary>Service median / plain DuckDB median at concurrency 1.</summary>
    public static double ServiceOverPlain(KindResult r) => r.Single[Variant.Service].Median / r.Single[Variant.PlainDuckDb].Median;

    /// <summary>PostgreSQL median / service median at concurrency 1 (how many times faster the service is).</summary>
    public static double PostgresOverService(KindResult r) => r.Single[Variant.Postgres].Median / r.Single[Variant.Service].Median;

    /// <summary>Disclosure control's median time inside the service's pipeline, ms.</summary>
    public static double DisclosureMs(KindResult r) => r.Stages[Stage.Disclosure].Median;

    /// <summary>The results tables (printed to the console and included in the report).</summary>
    public static string Tables(RunResult run)
    {
        var o = run.Options;
        bool pg = run.Kinds.Any(r => r.Single[Variant.Postgres].Count > 0);
        var sb = new StringBuilder();
        sb.AppendLine($"#### Concurrency 1 (latency in ms; {Min(run, r => r.Single[Variant.Service].Count)} timed requests per kind of the service, " +
                      $"{Min(run, r => r.Single[Variant.PlainDuckDb].Count)} of each baseline, interleaved; result cache {(o.ResultCache ? "on" : "off")})");
        sb.AppendLine();
        sb.AppendLine("| request | scope | tier | rows | first answer | service p50 | p95 | p99 | without DC p50 | DC ms (p50) | DC share | scan SQL p50 | plain DuckDB p50 | " +
                      (pg ? "PostgreSQL p50 | " : "") + "service / plain (allowance) | " + (pg ? "PostgreSQL / service (≥ 20) |" : ""));
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|" + (pg ? "--:|" : "") + "--:|" + (pg ? "--:|" : ""));
        foreach (var r in run.Kinds)
        {
            var s = r.Single[Variant.Service];
            var plain = r.Single[Variant.PlainDuckDb].Median;
            bool withinAllowance = s.Median <= plain + PlainAllowanceMs(plain);
            // With the result cache on every timed request is a cache hit: disclosure control is then most of a few-ms
            // answer, and its share says nothing about the cost of answering. The share is given for uncached runs only.
            string share = o.ResultCache ? "– (cache hits)" : Pct(DisclosureMs(r) / s.Median);
            sb.Append($"| {r.Kind.Id} | {r.Kind.Scope.ToString().ToLowerInvariant()} | {r.Kind.Tier} | {r.Rows} | {Ms(r.FirstAnswerMs)} | {Ms(s.Median)} | {Ms(s.P95)} | {Ms(s.P99)} | " +
                      $"{Ms(r.Single[Variant.ServiceWithoutDisclosure].Median)} | {Ms(DisclosureMs(r))} | {share} | " +
                      $"{Ms(r.Single[Variant.DirectDuckDb].Median)} | {Ms(plain)} | ");
            if (pg) sb.Append($"{Ms(r.Single[Variant.Postgres].Median)} | ");
            sb.Append($"{F(ServiceOverPlain(r), "N2")} {(withinAllowance ? "✅" : "❌")} |");
            if (pg) sb.Append($" {F(PostgresOverService(r), "N0")}× {(PostgresOverService(r) >= PostgresSpeedupTarget ? "✅" : "❌")} |");
            sb.AppendLine();
        }
        sb.AppendLine();
        sb.AppendLine("\"First answer\": the first request of the kind after the service started, through the service's pipeline in-process (a result-cache miss: " +
                      "summaries or records). \"DC ms\": disclosure control inside that pipeline (its regsosek.disclosure.duration measurement). " +
                      "\"Scan SQL\": the SQL the service plans without summaries, on DuckDB directly. \"Plain\": the plainest SQL for the same cells " +
                      "(appendix), checked cell by cell against the scan SQL's result before timing. The allowance is issue 15's: plain + max(10 %, 2.5 ms).");

        if (run.Phases.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"#### Mixed phases (every kind's {o.Requests} requests shuffled together; latency in ms; every response compared with the checked one)");
            sb.AppendLine();
            sb.AppendLine("| callers | requests OK | p50 | p95 | p99 | p99 / p50 | req/s | errors | wrong answers | CPU s of the process | peak RSS of the process | load average after |");
            sb.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
            foreach (var p in run.Phases)
                sb.AppendLine($"| {p.Concurrency} | {p.All.Count} | {Ms(p.All.Median)} | {Ms(p.All.P95)} | {Ms(p.All.P99)} | {F(p.All.P99 / p.All.Median, "N1")} | " +
                              $"{F(p.All.Throughput, "N1")} | {p.Errors} | {p.WrongAnswers} | {p.Cpu.TotalSeconds:N1} | {Mib(p.PeakRssBytes)} | {p.LoadAverage} |");
            foreach (var p in run.Phases.Where(p => p.FirstProblem is not null))
                sb.AppendLine($"\nAt {p.Concurrency} callers, first problem: {p.FirstProblem}");
            sb.AppendLine();
            sb.Append("| request | ").AppendJoin(" | ", run.Phases.Select(p => $"{p.Concurrency} callers p50 | p99")).AppendLine(" |");
            sb.Append("|---|").AppendJoin("", run.Phases.Select(_ => "--:|--:|")).AppendLine();
            foreach (var r in run.Kinds)
                sb.Append($"| {r.Kind.Id} | ").AppendJoin(" | ", run.Phases.Select(p => $"{Ms(p.ByKind[r.Kind.Id].Median)} | {Ms(p.ByKind[r.Kind.Id].P99)}")).AppendLine(" |");
            sb.AppendLine();
            sb.AppendLine("The server runs inside the benchmark process (as does the client, the second server without disclosure control and the DuckDB " +
                          "baselines), so the peak RSS (VmHWM, reset at the start of each phase) is an upper bound on the server's, and the CPU seconds are " +
                          "server and client together. PostgreSQL's memory is not in it.");
        }

        if (o.Profile)
        {
            sb.AppendLine();
            sb.AppendLine($"#### Where the time goes (median ms per stage of the service's pipeline called in-process, {Min(run, r => r.Stages[Stage.Engine].Count)} runs per kind)");
            sb.AppendLine();
            var stages = Enum.GetValues<Stage>();
            sb.Append("| request | ").AppendJoin(" | ", stages.Select(StageName)).AppendLine(" | in-process pipeline | service − in-process (gRPC, HTTP/2, Kestrel, client) |");
            sb.Append("|---|").AppendJoin("", stages.Select(_ => "--:|")).AppendLine("--:|--:|");
            foreach (var r in run.Kinds)
            {
                double pipeline = r.Single[Variant.Pipeline].Median;
                sb.Append($"| {r.Kind.Id} | ").AppendJoin(" | ", stages.Select(st => Ms(r.Stages[st].Median)))
                  .AppendLine($" | {Ms(pipeline)} | {Ms(r.Single[Variant.Service].Median - pipeline)} |");
            }
        }
        sb.AppendLine();
        sb.AppendLine($"Whole run: {run.Cpu.TotalSeconds:N0} CPU s (user + system) of the benchmark process in {run.Elapsed.TotalSeconds:N0} s; peak RSS over the run {Mib(run.PeakRssBytes)} (since the last phase's reset).");
        return sb.ToString();
    }

    /// <summary>The whole report: what was run, on what, the tables, the targets, and the SQL.</summary>
    public static string Markdown(RunResult run)
    {
        var m = run.Machine;
        var o = run.Options;
        var sb = new StringBuilder();
        sb.AppendLine($"### Run of {run.Started:yyyy-MM-dd HH:mm} UTC: {m.Persons:N0} persons");
        sb.AppendLine();
        sb.AppendLine($"- Machine: {m.Cpu}, {m.Cores} cores, {m.Memory} RAM; {m.Os}.");
        sb.AppendLine($"- .NET: {m.DotNet}; DuckDB (libduckdb): {m.DuckDb}; threads = default (all cores), in-memory databases, for the service's engine and both DuckDB baselines.");
        sb.AppendLine($"- Dataset: `{m.DatasetPath}`: {m.Persons:N0} persons, {m.Families:N0} families, {m.DatasetFiles:N0} Parquet files, {m.DatasetBytes / 1048576.0:N1} MiB.");
        sb.AppendLine($"- Baselines: the scan plan's SQL on DuckDB, {string.Join(" and ", run.Baselines.Select(b => b + " (plain SQL)"))}.");
        sb.AppendLine($"- Load average (1, 5, 15 min) before: {run.LoadAverageBefore}; after: {run.LoadAverageAfter}.");
        sb.AppendLine($"- Command: `regsosek-loadbench --dataset {m.DatasetPath} --requests {o.Requests} --baseline-requests {o.BaselineRequests} --concurrency {string.Join(",", o.Concurrency)} --warmup {o.Warmup}" +
                      $"{(o.Postgres is null ? "" : " --postgres …")}{(o.ResultCache ? "" : " --no-result-cache")}{(o.Profile ? " --profile" : "")}`; run time {run.Elapsed.TotalSeconds:N0} s" +
                      $"{(run.StoppedEarly ? $"; **stopped early at the {o.MaxDuration.TotalSeconds:N0} s limit, fewer samples than asked**" : "")}.");
        sb.AppendLine("- Checked before timing, per request kind: the service's response against the scan plan's exact result (rows and keys identical; without DC every cell exact; " +
                      "with DC every cell exact, withheld with a rule, or perturbed within ±D), and each baseline's plain SQL cell by cell against the same exact result. " +
                      "Every timed call at concurrency 1 returned OK with the checked row count; in the mixed phases every response's rows were compared with the checked response's.");
        sb.AppendLine();
        sb.AppendLine("Requests:");
        sb.AppendLine();
        foreach (var r in run.Kinds)
            sb.AppendLine($"- `{r.Kind.Id}` ({r.Kind.Method}): {r.Kind.Description}; {r.Rows} rows, {r.Suppressed} cells withheld and {r.Perturbed} perturbed by disclosure control; response {r.ResponseBytes.WithDisclosure:N0} bytes.");
        sb.AppendLine();
        sb.Append(Tables(run));
        sb.AppendLine();
        sb.AppendLine("<details><summary>The SQL of each request: the scan plan (as QueryPlanner plans it without summaries) and the plain SQL (DuckDB's text; PostgreSQL's names the loaded tables)</summary>");
        sb.AppendLine();
        foreach (var r in run.Kinds)
            foreach (var (label, sql) in new[] { ("scan plan", r.Sql), ("plain", r.PlainSql) })
                sb.AppendLine($"`{r.Kind.Id}`, {label}:").AppendLine().AppendLine("```sql").AppendLine(sql).AppendLine("```").AppendLine();
        sb.AppendLine("</details>");
        return sb.ToString();
    }

    private static int Min(RunResult run, Func<KindResult, int> count) => run.Kinds.Count == 0 ? 0 : run.Kinds.Min(count);

    private static string StageName(Stage s) => s switch
    {
        Stage.DecideAndPlan => "decide + plan + complete",
        Stage.Serialize => "serialise",
        _ => s.ToString().ToLowerInvariant(),
    };

    private static string Mib(long? bytes) => bytes is { } b ? $"{b / 1048576.0:N0} MiB" : "–";
    private static string Ms(double v) => F(v, v < 10 ? "N2" : "N1");
    private static string Pct(double v) => double.IsFinite(v) ? (v * 100).ToString("N1", CultureInfo.InvariantCulture) + " %" : "–";
    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
