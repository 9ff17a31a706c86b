using Regsosek.Benchmarking;
using System.Diagnostics;
using Google.Protobuf.Collections;
using Regsosek.Api.V1;
using Regsosek.Core.Disclosure;

namespace Regsosek.LoadBenchmark;

/// <summary>The variants measured for each request kind at concurrency 1.</summary>
public enum Variant
{
    /// <summary>The service end to end over gRPC.</summary>
    Service,
    /// <summary>The same service with disclosure control replaced by a pass-through.</summary>
    ServiceWithoutDisclosure,
    /// <summary>The service's own pipeline (AggregatePipeline) called in-process, each stage timed (disclosure time from its telemetry).</summary>
    Pipeline,
    /// <summary>The scan plan's SQL (what the service runs without summaries or cache) on DuckDB directly.</summary>
    DirectDuckDb,
    /// <summary>The plainest DuckDB SQL for the same cells (<see cref="RequestKind.PlainSql"/>).</summary>
    PlainDuckDb,
    /// <summary>The same plain SQL on PostgreSQL over the loaded tables.</summary>
    Postgres,
}

/// <summary>Everything measured for one request kind.</summary>
public sealed class KindResult(RequestKind kind)
{
    /// <summary>The request kind.</summary>
    public RequestKind Kind { get; } = kind;
    /// <summary>Rows of the scan plan's exact result (the table's non-empty cells including margins).</summary>
    public int Rows { get; set; }
    /// <summary>Rows of the service's response: the complete table, empty categories included as zeros.</summary>
    public int ServiceRows { get; set; }
    /// <summary>Cells withheld by disclosure control in the service's response.</summary>
    public int Suppressed { get; set; }
    /// <summary>Cells perturbed by disclosure control in the service's response.</summary>
    public int Perturbed { get; set; }
    /// <summary>Size of the serialised response message with disclosure control, and without it.</summary>
    public (int WithDisclosure, int Without) ResponseBytes { get; set; }
    /// <summary>The first answer of this kind after the service started (in-process, through the pipeline; a result-cache miss), ms.</summary>
    public double FirstAnswerMs { get; set; }
    /// <summary>The scan plan's SQL (for the report's appendix).</summary>
    public string Sql { get; set; } = "";
    /// <summary>The plain SQL as DuckDB ran it (for the report's appendix).</summary>
    public string PlainSql { get; set; } = "";
    /// <summary>The checked responses' rows, with and without disclosure control: every later response must equal them.</summary>
    public (RepeatedField<Row> Protected, RepeatedField<Row> Exact) Expected { get; set; }
    /// <summary>Concurrency 1, per variant.</summary>
    public Dictionary<Variant, Samples> Single { get; } = Enum.GetValues<Variant>().ToDictionary(v => v, _ => new Samples());
    /// <summary>Diagnostic profile: time per stage of the in-process pipeline.</summary>
    public Dictionary<Stage, Samples> Stages { get; } = Enum.GetValues<Stage>().ToDictionary(s => s, _ => new Samples());
}

/// <summary>One mixed phase: every kind's requests shuffled together, sent by <paramref name="Concurrency"/> callers.</summary>
public sealed class Phase(int concurrency, IReadOnlyList<RequestKind> kinds)
{
    /// <summary>Concurrent callers.</summary>
    public int Concurrency { get; } = concurrency;
    /// <summary>Latency of every call that ended OK with the right answer.</summary>
    public Samples All { get; } = new();
    /// <summary>The same, per kind.</summary>
    public Dictionary<string, Samples> ByKind { get; } = kinds.ToDictionary(k => k.Id, _ => new Samples(), StringComparer.Ordinal);
    /// <summary>Calls that ended with a status other than OK.</summary>
    public int Errors;
    /// <summary>Calls that ended OK with rows different from the checked response's.</summary>
    public int WrongAnswers;
    /// <summary>The first error or wrong answer, in words.</summary>
    public string? FirstProblem { get; set; }
    /// <summary>Peak resident set (VmHWM) of the benchmark process during the phase, bytes; null when it could not be reset and read.</summary>
    public long? PeakRssBytes { get; set; }
    /// <summary>CPU time (user + system) of the benchmark process during the phase.</summary>
    public TimeSpan Cpu { get; set; }
    /// <summary>Load average at the end of the phase.</summary>
    public string LoadAverage { get; set; } = "";
}

/// <summary>What a run measured, for the report.</summary>
public sealed record RunResult(IReadOnlyList<KindResult> Kinds, IReadOnlyList<Phase> Phases, BenchmarkOptions Options, MachineInfo Machine,
    string LoadAverageBefore, string LoadAverageAfter, long PeakRssBytes, TimeSpan Cpu, TimeSpan Elapsed, bool StoppedEarly,
    DateTimeOffset Started, IReadOnlyList<string> Baselines);

/// <summary>A call that succeeded with an unexpected result: the benchmark fails loudly.</summary>
public sealed class BenchmarkFailureException(string message) : Exception(message);

/// <summary>
/// One benchmark run. Starts the service twice (with disclosure control, and with the pass-through), opens the
/// baselines (DuckDB running the scan plan's SQL, DuckDB running the plain SQL, optionally PostgreSQL running the
/// plain SQL), and for each request kind checks: the service's answers against the scan plan's exact result, and
/// each baseline's result cell by cell against the same exact result, so every column answers the same question.
/// Then warms up and measures at concurrency 1 (the variants interleaved, the order rotating per iteration so noise
/// hits them alike; the baselines for their first --baseline-requests iterations), and finally one mixed phase per
/// concurrency level: every kind's requests shuffled together, each response compared with the checked one.
/// </summary>
public sealed class LoadRun(BenchmarkOptions options, TextWriter log)
{
    private readonly Stopwatch _clock = new();
    private bool _stoppedEarly;
    private ServiceUnderTest _service = null!;
    private ServiceUnderTest _raw = null!;
    private DirectDuckDb _direct = null!;
    private PlainBaseline _plain = null!;
    private PlainBaseline? _postgres;
    private PipelineProfile _pipeline = null!;

    /// <summary>Runs the benchmark.</summary>
    /// <exception cref="Grpc.Core.RpcException">A call of the check or the concurrency-1 phase returned a non-OK status.</exception>
    /// <exception cref="BenchmarkFailureException">A response or a baseline disagreed with the scan plan's exact result.</exception>
    public async Task<RunResult> RunAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var cpuBefore = Cpu();
        _clock.Start();
        var dataset = Path.GetFullPath(options.Dataset);
        log.WriteLine($"starting the service twice over {dataset} (with disclosure control, and with a pass-through; result cache {(options.ResultCache ? "on" : "off")})");
        await using var service = _service = await ServiceUnderTest.StartAsync("service", dataset, passThroughDisclosure: false, options.ResultCache);
        await using var raw = _raw = await ServiceUnderTest.StartAsync("service without DC", dataset, passThroughDisclosure: true, options.ResultCache);
        using var direct = _direct = new DirectDuckDb();
        using var plain = _plain = PlainBaseline.DuckDb(dataset);
        using var postgres = _postgres = options.Postgres is { } cs ? await PlainBaseline.PostgresAsync(cs, dataset) : null;
        using var pipeline = _pipeline = new PipelineProfile(service.Services);
        using var rawPipeline = new PipelineProfile(raw.Services);

        var results = new List<KindResult>();
        foreach (var kind in Workload.Kinds)
        {
            log.WriteLine($"checking {kind.Id}");
            var result = new KindResult(kind);
            long t = Stopwatch.GetTimestamp();
            var answered = await pipeline.AnswerAsync(kind, await pipeline.AuthenticateAsync(kind, service.Token));
            result.FirstAnswerMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            var rawAnswered = await rawPipeline.AnswerAsync(kind, await rawPipeline.AuthenticateAsync(kind, raw.Token));
            if (rawAnswered.Query.Sql != answered.Query.Sql)
                throw new BenchmarkFailureException($"{kind.Id}: the two service variants plan different SQL");
            direct.Prepare(kind.Id, answered.Query);
            result.Sql = answered.Query.Sql;
            var exact = direct.ReadAll(kind.Id);
            await CheckServiceAsync(kind, result, answered, exact);
            plain.Prepare(kind, answered.Query);
            result.PlainSql = plain.SqlOf(kind);
            CheckBaseline(plain, kind, answered, exact);
            if (postgres is not null)
            {
                postgres.Prepare(kind, answered.Query);
                CheckBaseline(postgres, kind, answered, exact);
            }
            results.Add(result);
        }

        var variants = new List<Variant> { Variant.Service, Variant.ServiceWithoutDisclosure, Variant.Pipeline };
        var baselines = new List<Variant> { Variant.DirectDuckDb, Variant.PlainDuckDb };
        if (postgres is not null) baselines.Add(Variant.Postgres);

        log.WriteLine($"warming up: {options.Warmup} requests per kind and variant (baselines once)");
        foreach (var r in results)
            foreach (var variant in baselines)
                await CallAsync(r, variant);
        for (int w = 0; w < options.Warmup; w++)
            foreach (var r in results)
                foreach (var variant in variants)
                    await CallAsync(r, variant);
        foreach (var r in results)
            foreach (var stage in Enum.GetValues<Stage>()) r.Stages[stage] = new Samples(); // forget the warm-up's stage times

        log.WriteLine($"concurrency 1: {options.Requests} requests per kind of the service variants, {options.BaselineRequests} of each baseline, interleaved");
        for (int i = 0; i < options.Requests && !OutOfTime(); i++)
            for (int k = 0; k < results.Count; k++)
            {
                foreach (var variant in Order(variants, baselines, i, k, i < options.BaselineRequests))
                {
                    long t = Stopwatch.GetTimestamp();
                    await CallAsync(results[k], variant);
                    var elapsed = Stopwatch.GetElapsedTime(t);
                    results[k].Single[variant].Add(elapsed.TotalMilliseconds);
                    results[k].Single[variant].AddWall(elapsed);
                }
                if (k == results.Count - 1 && (i + 1) % 25 == 0) log.WriteLine($"  {i + 1} of {options.Requests} ({_clock.Elapsed.TotalSeconds:N0} s)");
            }

        var phases = new List<Phase>();
        foreach (var level in options.Concurrency)
        {
            if (OutOfTime()) break;
            log.WriteLine($"mixed phase at concurrency {level}: {options.Requests} requests per kind, shuffled together");
            phases.Add(await RunMixedAsync(results, level));
        }

        return new RunResult(results, phases, options, MachineInfo.Collect(dataset), loadBefore, MachineInfo.LoadAverage(),
            PeakResidentSet.Read() ?? 0, Cpu() - cpuBefore, _clock.Elapsed, _stoppedEarly, started,
            postgres is null ? [plain.Name] : [plain.Name, postgres.Name]);
    }

    /// <summary>
    /// The variants of round <paramref name="i"/> of kind <paramref name="k"/>: the service variants rotated by
    /// i + k, then (in a baseline round) each baseline once, the DuckDB baselines' order swapped every other round.
    /// With a fixed order the scan baseline ran just before the plain one in four rounds of five, and the plain SQL
    /// itself, run in the scan's place (its database, its turn), measured 1.25× slower than in its own (national
    /// tile, 251 M, 2026-12-08: benchmarks/RESULTS.md): the order alternates so that neither always goes first.
    /// </summary>
    internal static IEnumerable<Variant> Order(IReadOnlyList<Variant> services, IReadOnlyList<Variant> baselines, int i, int k, bool withBaselines)
    {
        for (int j = 0; j < services.Count; j++) yield return services[(i + k + j) % services.Count];
        if (!withBaselines) yield break;
        bool swap = ((i + k) & 1) == 1;
        foreach (var b in baselines)
            yield return !swap ? b
                : b == Variant.DirectDuckDb ? Variant.PlainDuckDb
                : b == Variant.PlainDuckDb ? Variant.DirectDuckDb
                : b;
    }

    private bool OutOfTime()
    {
        if (_clock.Elapsed < options.MaxDuration) return false;
        if (!_stoppedEarly) log.WriteLine($"time limit {options.MaxDuration} reached: measurement stops here");
        _stoppedEarly = true;
        return true;
    }

    /// <summary>One request of <paramref name="r"/>'s kind under <paramref name="variant"/>; the row count must not change.</summary>
    private async Task CallAsync(KindResult r, Variant variant)
    {
        long rows;
        switch (variant)
        {
            case Variant.Service: rows = (await r.Kind.CallAsync(_service.Aggregates, _service.Token)).Rows.Count; break;
            case Variant.ServiceWithoutDisclosure: rows = (await r.Kind.CallAsync(_raw.Aggregates, _raw.Token)).Rows.Count; break;
            case Variant.DirectDuckDb: rows = _direct.Run(r.Kind.Id); break;
            case Variant.PlainDuckDb: rows = _plain.Run(r.Kind.Id); break;
            case Variant.Postgres: rows = _postgres!.Run(r.Kind.Id); break;
            case Variant.Pipeline:
                var (times, released) = await _pipeline.RunTimedAsync(r.Kind, _service.Token);
                foreach (var stage in Enum.GetValues<Stage>()) r.Stages[stage].Add(times[(int)stage]);
                rows = released;
                break;
            default: throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown variant");
        }
        // The service's pipeline answers with the complete table (empty categories as zeros); SQL with its groups.
        int expected = variant is Variant.DirectDuckDb or Variant.PlainDuckDb or Variant.Postgres ? r.Rows : r.ServiceRows;
        if (rows != expected)
            throw new BenchmarkFailureException($"{r.Kind.Id} ({variant}): {rows} rows, where the checked result had {expected}");
    }

    /// <summary>
    /// Every kind's requests shuffled together (a fixed seed per level), sent by <paramref name="concurrency"/> callers
    /// over the one channel. A non-OK status counts as an error, a response whose rows differ from the checked
    /// response's as a wrong answer; neither stops the phase.
    /// </summary>
    private async Task<Phase> RunMixedAsync(IReadOnlyList<KindResult> results, int concurrency)
    {
        var phase = new Phase(concurrency, results.Select(r => r.Kind).ToList());
        var order = results.SelectMany(r => Enumerable.Repeat(r, options.Requests)).ToArray();
        new Random(concurrency).Shuffle(order);
        int next = -1;
        PeakResidentSet.Read(reset: true);
        var cpu = Cpu();
        var wall = Stopwatch.StartNew();
        async Task Worker()
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < order.Length && !OutOfTime())
            {
                var r = order[i];
                long t = Stopwatch.GetTimestamp();
                try
                {
                    var response = await r.Kind.CallAsync(_service.Aggregates, _service.Token);
                    var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    if (!response.Rows.Equals(r.Expected.Protected))
                    {
                        Interlocked.Increment(ref phase.WrongAnswers);
                        phase.FirstProblem ??= $"{r.Kind.Id}: the response's rows differ from the checked response's";
                        continue;
                    }
                    phase.All.Add(ms);
                    phase.ByKind[r.Kind.Id].Add(ms);
                }
                catch (Grpc.Core.RpcException e)
                {
                    Interlocked.Increment(ref phase.Errors);
                    phase.FirstProblem ??= $"{r.Kind.Id}: {e.StatusCode}: {e.Status.Detail}";
                }
            }
        }
        var workers = Enumerable.Range(0, concurrency).Select(_ => Worker()).ToArray();
        await Task.WhenAll(workers);
        phase.All.AddWall(wall.Elapsed);
        phase.Cpu = Cpu() - cpu;
        phase.PeakRssBytes = PeakResidentSet.Read();
        phase.LoadAverage = MachineInfo.LoadAverage();
        return phase;
    }

    /// <summary>Calls both service variants once and compares them with the scan plan's exact result; fails loudly on a difference.</summary>
    private async Task CheckServiceAsync(RequestKind kind, KindResult result, PipelineProfile.Answered answered, IReadOnlyList<DirectRow> exact)
    {
        var protectedResponse = await kind.CallAsync(_service.Aggregates, _service.Token);
        var exactResponse = await kind.CallAsync(_raw.Aggregates, _raw.Token);
        int d = DisclosureOptions.Default.For(answered.Answer.Allowed.DisclosureTier).CellKey.MaxNoise;
        var problems = ResultCheck.Compare(answered.Query, exact, protectedResponse, d)
            .Select(p => "service: " + p)
            .Concat(ResultCheck.Compare(answered.Query, exact, exactResponse, null).Select(p => "service without DC: " + p))
            .ToList();
        if (problems.Count > 0)
            throw new BenchmarkFailureException($"{kind.Id}: the service's result differs from the scan plan's exact result:\n  " + string.Join("\n  ", problems));
        if (exact.Count == 0)
            throw new BenchmarkFailureException($"{kind.Id}: the query returned no rows; the dataset does not cover the workload's regions");
        result.Rows = exact.Count;
        result.ServiceRows = protectedResponse.Rows.Count;
        result.Expected = (protectedResponse.Rows, exactResponse.Rows);
        result.ResponseBytes = (protectedResponse.CalculateSize(), exactResponse.CalculateSize());
        foreach (var row in protectedResponse.Rows)
            foreach (var cell in row.Cells)
            {
                if (cell.Status == CellStatus.Suppressed) result.Suppressed++;
                else if (cell.Status == CellStatus.Perturbed) result.Perturbed++;
            }
    }

    /// <summary>Compares a baseline's result with the scan plan's exact result, cell by cell; fails loudly on a difference.</summary>
    private static void CheckBaseline(PlainBaseline baseline, RequestKind kind, PipelineProfile.Answered answered, IReadOnlyList<DirectRow> exact)
    {
        var problems = PlainBaseline.Compare(answered.Query, exact, baseline.ReadAll(kind.Id));
        if (problems.Count > 0)
            throw new BenchmarkFailureException($"{kind.Id}: {baseline.Name}'s plain SQL answers another question than the scan plan:\n  " +
                string.Join("\n  ", problems) + "\n" + baseline.SqlOf(kind));
    }

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
