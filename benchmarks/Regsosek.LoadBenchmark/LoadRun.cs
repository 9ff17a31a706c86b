using System.Diagnostics;
using Regsosek.Api.V1;
using Regsosek.Core.Disclosure;

namespace Regsosek.LoadBenchmark;

/// <summary>The variants measured for each request kind.</summary>
public enum Variant
{
    /// <summary>The service end to end over gRPC.</summary>
    Service,
    /// <summary>The same service with disclosure control replaced by a pass-through.</summary>
    ServiceWithoutDisclosure,
    /// <summary>The same SQL on DuckDB directly.</summary>
    DirectDuckDb,
    /// <summary>Diagnostic (--profile): the service's own pipeline (AggregatePipeline) called in-process, each stage timed.</summary>
    Pipeline,
}

/// <summary>Everything measured for one request kind.</summary>
public sealed class KindResult(RequestKind kind)
{
    /// <summary>The request kind.</summary>
    public RequestKind Kind { get; } = kind;
    /// <summary>Rows of DuckDB's exact result (the table's non-empty cells including margins).</summary>
    public int Rows { get; set; }

    /// <summary>Rows of the service's response: the complete table, empty categories included as zeros.</summary>
    public int ServiceRows { get; set; }
    /// <summary>Cells withheld by disclosure control in the service's response.</summary>
    public int Suppressed { get; set; }
    /// <summary>Cells perturbed by disclosure control in the service's response.</summary>
    public int Perturbed { get; set; }
    /// <summary>Size of the serialised response message with disclosure control, and without it.</summary>
    public (int WithDisclosure, int Without) ResponseBytes { get; set; }
    /// <summary>The query's SQL (for the report's appendix).</summary>
    public string Sql { get; set; } = "";
    /// <summary>Concurrency 1, per variant.</summary>
    public Dictionary<Variant, Samples> Single { get; } = Enum.GetValues<Variant>().ToDictionary(v => v, _ => new Samples());
    /// <summary>Concurrency C, service and service without DC.</summary>
    public Dictionary<Variant, Samples> Concurrent { get; } = new() { [Variant.Service] = new(), [Variant.ServiceWithoutDisclosure] = new() };
    /// <summary>Diagnostic profile: time per stage (empty unless profiled).</summary>
    public Dictionary<Stage, Samples> Stages { get; } = Enum.GetValues<Stage>().ToDictionary(s => s, _ => new Samples());
}

/// <summary>What a run measured, for the report.</summary>
/// <param name="GrpcFloor">Diagnostic: latency of a trivial call (grpc.health.v1.Health/Check) through the same client and server.</param>
public sealed record RunResult(IReadOnlyList<KindResult> Kinds, Samples GrpcFloor, BenchmarkOptions Options, MachineInfo Machine,
    string LoadAverageBefore, string LoadAverageAfter, long PeakWorkingSetBytes, TimeSpan Elapsed, bool StoppedEarly, DateTimeOffset Started);

/// <summary>A call that succeeded with an unexpected result: the benchmark fails loudly.</summary>
public sealed class BenchmarkFailureException(string message) : Exception(message);

/// <summary>
/// One benchmark run: starts the service twice (with disclosure control, and with the pass-through), opens a
/// direct DuckDB, checks each request's result against DuckDB's exact result, warms up, then measures the
/// variants interleaved at concurrency 1 (the order rotating per iteration so noise hits them alike; --profile
/// adds the in-process pipeline with its stages timed), then the two
/// service variants in alternating rounds at concurrency C.
/// </summary>
public sealed class LoadRun(BenchmarkOptions options, TextWriter log)
{
    private const int ConcurrentRounds = 4;
    private readonly Stopwatch _clock = new();
    private bool _stoppedEarly;
    private ServiceUnderTest _service = null!;
    private ServiceUnderTest _raw = null!;
    private DirectDuckDb _direct = null!;
    private PipelineProfile _pipeline = null!;

    /// <summary>Runs the benchmark.</summary>
    /// <exception cref="Grpc.Core.RpcException">A call returned a non-OK status.</exception>
    /// <exception cref="BenchmarkFailureException">A response disagreed with DuckDB's exact result.</exception>
    public async Task<RunResult> RunAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        _clock.Start();
        var dataset = Path.GetFullPath(options.Dataset);
        log.WriteLine($"starting the service twice over {dataset} (with disclosure control, and with a pass-through)");
        await using var service = _service = await ServiceUnderTest.StartAsync("service", dataset, passThroughDisclosure: false);
        await using var raw = _raw = await ServiceUnderTest.StartAsync("service without DC", dataset, passThroughDisclosure: true);
        using var direct = _direct = new DirectDuckDb();
        using var pipeline = _pipeline = new PipelineProfile(service.Services);
        using var rawPipeline = new PipelineProfile(raw.Services);

        var results = new List<KindResult>();
        foreach (var kind in Workload.Kinds)
        {
            var result = new KindResult(kind);
            var answered = await pipeline.AnswerAsync(kind, await pipeline.AuthenticateAsync(kind, service.Token));
            var rawAnswered = await rawPipeline.AnswerAsync(kind, await rawPipeline.AuthenticateAsync(kind, raw.Token));
            if (rawAnswered.Query.Sql != answered.Query.Sql)
                throw new BenchmarkFailureException($"{kind.Id}: the two service variants plan different SQL");
            direct.Prepare(kind.Id, answered.Query);
            result.Sql = answered.Query.Sql;
            await CheckAsync(kind, result, answered);
            results.Add(result);
        }

        var variants = new List<Variant> { Variant.Service, Variant.ServiceWithoutDisclosure, Variant.DirectDuckDb };
        if (options.Profile) variants.Add(Variant.Pipeline);

        log.WriteLine($"warming up: {options.Warmup} requests per kind and variant");
        for (int w = 0; w < options.Warmup; w++)
            foreach (var r in results)
                foreach (var variant in variants)
                    await CallAsync(r, variant);
        foreach (var r in results)
            foreach (var stage in Enum.GetValues<Stage>()) r.Stages[stage] = new Samples(); // forget the warm-up's stage times

        var floor = new Samples();
        if (options.Profile) for (int w = 0; w < options.Warmup; w++) await HealthCheckAsync();
        log.WriteLine($"concurrency 1: {options.Requests} requests per kind and variant, interleaved ({variants.Count} variants)");
        for (int i = 0; i < options.Requests && !OutOfTime(); i++)
        {
            for (int k = 0; k < results.Count; k++)
                for (int j = 0; j < variants.Count; j++)
                {
                    var variant = variants[(i + k + j) % variants.Count];
                    long t = Stopwatch.GetTimestamp();
                    await CallAsync(results[k], variant);
                    var elapsed = Stopwatch.GetElapsedTime(t);
                    results[k].Single[variant].Add(elapsed.TotalMilliseconds);
                    results[k].Single[variant].AddWall(elapsed);
                }
            if (options.Profile)
            {
                long t = Stopwatch.GetTimestamp();
                await HealthCheckAsync();
                floor.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            if ((i + 1) % 25 == 0) log.WriteLine($"  {i + 1} of {options.Requests} ({_clock.Elapsed.TotalSeconds:N0} s)");
        }

        if (options.Concurrency > 1)
        {
            log.WriteLine($"concurrency {options.Concurrency}: {options.Requests} requests per kind and variant, in {ConcurrentRounds} alternating rounds");
            int perRound = Math.Max(options.Concurrency, options.Requests / ConcurrentRounds);
            foreach (var r in results)
                for (int round = 0; round < ConcurrentRounds && !OutOfTime(); round++)
                {
                    Variant[] order = round % 2 == 0
                        ? [Variant.Service, Variant.ServiceWithoutDisclosure]
                        : [Variant.ServiceWithoutDisclosure, Variant.Service];
                    foreach (var variant in order)
                        await RunConcurrentAsync(r, variant, perRound);
                }
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new RunResult(results, floor, options, MachineInfo.Collect(dataset), loadBefore, MachineInfo.LoadAverage(),
            process.PeakWorkingSet64, _clock.Elapsed, _stoppedEarly, started);
    }

    private bool OutOfTime()
    {
        if (_clock.Elapsed < options.MaxDuration) return false;
        if (!_stoppedEarly) log.WriteLine($"time limit {options.MaxDuration} reached: measurement stops here");
        _stoppedEarly = true;
        return true;
    }

    /// <summary>A trivial unary call: the floor of what gRPC over HTTP/2 on loopback costs here.</summary>
    private async Task HealthCheckAsync()
    {
        var response = await _service.Health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest { Service = "regsosek.v1.AggregateService" });
        if (response.Status != global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving)
            throw new BenchmarkFailureException($"the service reports {response.Status} for regsosek.v1.AggregateService");
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
            case Variant.Pipeline:
                var (times, released) = await _pipeline.RunTimedAsync(r.Kind, _service.Token);
                foreach (var stage in Enum.GetValues<Stage>()) r.Stages[stage].Add(times[(int)stage]);
                rows = released;
                break;
            default: throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown variant");
        }
        // The service's pipeline answers with the complete table (empty categories as zeros); DuckDB with its groups.
        int expected = variant is Variant.DirectDuckDb ? r.Rows : r.ServiceRows;
        if (rows != expected)
            throw new BenchmarkFailureException($"{r.Kind.Id} ({variant}): {rows} rows, where the checked result had {expected}");
    }

    private async Task RunConcurrentAsync(KindResult r, Variant variant, int total)
    {
        int next = -1;
        var samples = r.Concurrent[variant];
        var wall = Stopwatch.StartNew();
        var workers = new Task[Math.Min(total, options.Concurrency)];
        async Task Worker()
        {
            await Task.Yield();
            while (Interlocked.Increment(ref next) < total)
            {
                long t = Stopwatch.GetTimestamp();
                await CallAsync(r, variant);
                samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }
        for (int i = 0; i < workers.Length; i++) workers[i] = Worker();
        await Task.WhenAll(workers);
        samples.AddWall(wall.Elapsed);
    }

    /// <summary>Calls each variant once and compares it with DuckDB's exact result; fails loudly on a difference.</summary>
    private async Task CheckAsync(RequestKind kind, KindResult result, PipelineProfile.Answered answered)
    {
        var exact = _direct.ReadAll(kind.Id);
        var protectedResponse = await kind.CallAsync(_service.Aggregates, _service.Token);
        var exactResponse = await kind.CallAsync(_raw.Aggregates, _raw.Token);
        int d = DisclosureOptions.Default.For(answered.Answer.Allowed.DisclosureTier).CellKey.MaxNoise;
        var problems = ResultCheck.Compare(answered.Query, exact, protectedResponse, d)
            .Select(p => "service: " + p)
            .Concat(ResultCheck.Compare(answered.Query, exact, exactResponse, null).Select(p => "service without DC: " + p))
            .ToList();
        if (problems.Count > 0)
            throw new BenchmarkFailureException($"{kind.Id}: the service's result differs from DuckDB's exact result:\n  " + string.Join("\n  ", problems));
        if (exact.Count == 0)
            throw new BenchmarkFailureException($"{kind.Id}: the query returned no rows; the dataset does not cover the workload's regions");
        result.Rows = exact.Count;
        result.ServiceRows = protectedResponse.Rows.Count;
        result.ResponseBytes = (protectedResponse.CalculateSize(), exactResponse.CalculateSize());
        foreach (var row in protectedResponse.Rows)
            foreach (var cell in row.Cells)
            {
                if (cell.Status == CellStatus.Suppressed) result.Suppressed++;
                else if (cell.Status == CellStatus.Perturbed) result.Perturbed++;
            }
    }
}
