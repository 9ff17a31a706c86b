using System.Globalization;
using System.Text;

namespace Regsosek.LoadBenchmark;

/// <summary>The Markdown report of a run: machine, tables, targets, and (when profiled) time per stage.</summary>
public static class Report
{
    /// <summary>Target: service median at most 10 % above DuckDB's on the same SQL (issue 3).</summary>
    public const double ServiceOverDirectTarget = 1.10;

    /// <summary>Target: disclosure control at most 5 % of the service median (issue 4).</summary>
    public const double DisclosureShareTarget = 0.05;

    /// <summary>Service median / direct DuckDB median at concurrency 1.</summary>
    public static double ServiceOverDirect(KindResult r) =>
        r.Single[Variant.Service].Median / r.Single[Variant.DirectDuckDb].Median;

    /// <summary>(service − service without DC) / service, medians at concurrency 1.</summary>
    public static double DisclosureShare(KindResult r) =>
        (r.Single[Variant.Service].Median - r.Single[Variant.ServiceWithoutDisclosure].Median) / r.Single[Variant.Service].Median;

    /// <summary>Median over the concurrency-1 iterations of service / direct (each pair taken back to back).</summary>
    public static double PairedServiceOverDirect(KindResult r) => Samples.MedianOf(
        r.Single[Variant.Service].InOrder.Zip(r.Single[Variant.DirectDuckDb].InOrder, (s, d) => s / d));

    /// <summary>Median over the concurrency-1 iterations of (service − without DC) / service.</summary>
    public static double PairedDisclosureShare(KindResult r) => Samples.MedianOf(
        r.Single[Variant.Service].InOrder.Zip(r.Single[Variant.ServiceWithoutDisclosure].InOrder, (s, n) => (s - n) / s));

    /// <summary>True when every kind meets both targets.</summary>
    public static bool TargetsMet(RunResult run) =>
        run.Kinds.All(r => ServiceOverDirect(r) <= ServiceOverDirectTarget && DisclosureShare(r) <= DisclosureShareTarget);

    /// <summary>The results tables (printed to the console and included in the report).</summary>
    public static string Tables(RunResult run)
    {
        var o = run.Options;
        var sb = new StringBuilder();
        sb.AppendLine($"#### Concurrency 1 (latency in ms; {Min(run, r => r.Single[Variant.Service].Count)} timed requests per kind and variant, interleaved)");
        sb.AppendLine();
        sb.AppendLine("| request | rows | service median | p95 | p99 | req/s | without DC median | p95 | direct DuckDB median | p95 | service / direct (≤ 1.10) | paired | DC share (≤ 5 %) | paired |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in run.Kinds)
        {
            var s = r.Single[Variant.Service];
            var n = r.Single[Variant.ServiceWithoutDisclosure];
            var d = r.Single[Variant.DirectDuckDb];
            double ratio = ServiceOverDirect(r), share = DisclosureShare(r);
            sb.AppendLine($"| {r.Kind.Id} | {r.Rows} | {Ms(s.Median)} | {Ms(s.P95)} | {Ms(s.P99)} | {F(s.Throughput, "N1")} | " +
                          $"{Ms(n.Median)} | {Ms(n.P95)} | {Ms(d.Median)} | {Ms(d.P95)} | " +
                          $"{F(ratio, "N2")} {(ratio <= ServiceOverDirectTarget ? "✅" : "❌")} | {F(PairedServiceOverDirect(r), "N2")} | " +
                          $"{Pct(share)} {(share <= DisclosureShareTarget ? "✅" : "❌")} | {Pct(PairedDisclosureShare(r))} |");
        }
        if (o.Concurrency > 1)
        {
            sb.AppendLine();
            sb.AppendLine($"#### Concurrency {o.Concurrency} (latency in ms; {Min(run, r => r.Concurrent[Variant.Service].Count)} requests per kind and variant, alternating rounds)");
            sb.AppendLine();
            sb.AppendLine("| request | service median | p95 | p99 | req/s | without DC median | p95 | p99 | req/s |");
            sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var r in run.Kinds)
            {
                var s = r.Concurrent[Variant.Service];
                var n = r.Concurrent[Variant.ServiceWithoutDisclosure];
                sb.AppendLine($"| {r.Kind.Id} | {Ms(s.Median)} | {Ms(s.P95)} | {Ms(s.P99)} | {F(s.Throughput, "N1")} | " +
                              $"{Ms(n.Median)} | {Ms(n.P95)} | {Ms(n.P99)} | {F(n.Throughput, "N1")} |");
            }
        }
        if (run.Kinds.Any(r => r.Stages[Stage.Engine].Count > 0))
        {
            sb.AppendLine();
            sb.AppendLine($"#### Where the time goes (diagnostic: median ms per stage of the service's own pipeline (AggregatePipeline) called in-process, engine and disclosure time from its telemetry, {Min(run, r => r.Stages[Stage.Engine].Count)} runs per kind, interleaved with the above)");
            sb.AppendLine();
            var stages = Enum.GetValues<Stage>();
            sb.Append("| request | ").AppendJoin(" | ", stages.Select(StageName))
              .AppendLine(" | in-process pipeline | engine − direct DuckDB | service − in-process (gRPC, HTTP/2, Kestrel, client) |");
            sb.Append("|---|").AppendJoin("", stages.Select(_ => "--:|")).AppendLine("--:|--:|--:|");
            foreach (var r in run.Kinds)
            {
                double pipeline = r.Single[Variant.Pipeline].Median;
                sb.Append($"| {r.Kind.Id} | ").AppendJoin(" | ", stages.Select(st => Ms(r.Stages[st].Median)))
                  .AppendLine($" | {Ms(pipeline)} | {Ms(r.Stages[Stage.Engine].Median - r.Single[Variant.DirectDuckDb].Median)} | {Ms(r.Single[Variant.Service].Median - pipeline)} |");
            }
        }
        if (run.GrpcFloor.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"A trivial call through the same client and server (grpc.health.v1.Health/Check, {run.GrpcFloor.Count} calls interleaved with the above): " +
                          $"median {Ms(run.GrpcFloor.Median)} ms, p95 {Ms(run.GrpcFloor.P95)} ms — the floor of gRPC + HTTP/2 + Kestrel + client on loopback.");
        }
        sb.AppendLine();
        sb.AppendLine($"Peak working set of the benchmark process (two service instances, the direct DuckDB and the client): {run.PeakWorkingSetBytes / 1048576.0:N0} MiB.");
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
        sb.AppendLine($"- .NET: {m.DotNet}; DuckDB (libduckdb): {m.DuckDb}; DuckDB settings: threads = default (all cores), preserve_insertion_order = false, in-memory database, for both the service's engine and the direct baseline.");
        sb.AppendLine($"- Dataset: `{m.DatasetPath}`: {m.Persons:N0} persons, {m.Families:N0} families, {m.DatasetFiles:N0} Parquet files, {m.DatasetBytes / 1048576.0:N1} MiB.");
        sb.AppendLine($"- Load average (1, 5, 15 min) before: {run.LoadAverageBefore}; after: {run.LoadAverageAfter}.");
        sb.AppendLine($"- Command: `dotnet run -c Release --project benchmarks/Regsosek.LoadBenchmark -- --dataset {m.DatasetPath} --requests {o.Requests} --concurrency {o.Concurrency} --warmup {o.Warmup}{(o.Profile ? " --profile" : "")}`; run time {run.Elapsed.TotalSeconds:N0} s{(run.StoppedEarly ? $"; **stopped early at the {o.MaxDuration.TotalSeconds:N0} s limit, fewer samples than asked**" : "")}.");
        sb.AppendLine($"- Every response was checked against DuckDB's exact result (rows and group keys identical; without DC every cell exact; with DC every cell exact, withheld with a rule, or perturbed within ±D) and every timed call returned OK with the same row count.");
        sb.AppendLine();
        sb.AppendLine("Requests:");
        sb.AppendLine();
        foreach (var r in run.Kinds)
            sb.AppendLine($"- `{r.Kind.Id}` ({r.Kind.Method}): {r.Kind.Description}; {r.Rows} rows, {r.Suppressed} cells withheld and {r.Perturbed} perturbed by disclosure control; response {r.ResponseBytes.WithDisclosure:N0} bytes ({r.ResponseBytes.Without:N0} without disclosure control).");
        sb.AppendLine();
        sb.Append(Tables(run));
        sb.AppendLine();
        sb.AppendLine(TargetsMet(run)
            ? "**Targets met** for every request kind: service ≤ 1.10 × direct DuckDB and disclosure control ≤ 5 % of the service median."
            : "**Targets not met** for: " + string.Join("; ", run.Kinds
                .Where(r => ServiceOverDirect(r) > ServiceOverDirectTarget || DisclosureShare(r) > DisclosureShareTarget)
                .Select(r => $"{r.Kind.Id} (service/direct {F(ServiceOverDirect(r), "N2")}, DC share {Pct(DisclosureShare(r))})")) + ".");
        sb.AppendLine();
        sb.AppendLine("<details><summary>The SQL of each request (as QueryPlanner plans it; the same text and parameters run directly)</summary>");
        sb.AppendLine();
        foreach (var r in run.Kinds)
        {
            sb.AppendLine($"`{r.Kind.Id}`:");
            sb.AppendLine();
            sb.AppendLine("```sql");
            sb.AppendLine(r.Sql);
            sb.AppendLine("```");
            sb.AppendLine();
        }
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

    private static string Ms(double v) => F(v, v < 10 ? "N2" : "N1");
    private static string Pct(double v) => double.IsFinite(v) ? (v * 100).ToString("N1", CultureInfo.InvariantCulture) + " %" : "–";
    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
