using System.Diagnostics;
using System.Diagnostics.Metrics;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api;
using Regsosek.Catalogue;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Tokens;
using V1 = Regsosek.Api.V1;
using CatalogueRequest = Regsosek.Catalogue.AggregateRequest;

namespace Regsosek.LoadBenchmark;

/// <summary>The steps of an aggregate call, in the order AggregateApi and CallRunner run them.</summary>
public enum Stage
{
    /// <summary>Bearer token → grant (a grant-store lookup), or the public.</summary>
    Authenticate,
    /// <summary>Wire request → catalogue request and scope (RequestMapping).</summary>
    Map,
    /// <summary>The rest of <see cref="AggregatePipeline"/>: resolve the measures, the access policy, the plan, the up-front
    /// size checks and the table's completion (the pipeline's time less its engine and disclosure time).</summary>
    DecideAndPlan,
    /// <summary>AggregateEngine.ExecuteAsync inside the pipeline (its regsosek.engine.duration measurement).</summary>
    Engine,
    /// <summary>Disclosure control inside the pipeline (its regsosek.disclosure.duration measurement).</summary>
    Disclosure,
    /// <summary>ResponseMapping: metadata, labels, wire rows.</summary>
    Response,
    /// <summary>Protobuf serialisation of the response.</summary>
    Serialize,
    /// <summary>The audit record: the request as JSON, and the hash-chained append (SQLite).</summary>
    Audit,
}

/// <summary>
/// The service's own aggregate pipeline (<see cref="AggregatePipeline"/>, what AggregateApi runs) called in-process
/// from the running server's components (its DI container), with the transport's steps around it done as the
/// handler and CallRunner do them: authenticate, map the wire request, run the pipeline, map the response, serialise,
/// append the audit record. Each step is timed with a Stopwatch; the pipeline's engine and disclosure time come from
/// its own telemetry (the regsosek.engine.duration and regsosek.disclosure.duration measurements of this run, told
/// apart from the servers' by an async-local capture). Also gives the query a request was answered with, for DuckDB.
/// </summary>
public sealed class PipelineProfile : IDisposable
{
    private readonly AsyncLocal<double[]?> _capture = new(); // per instance: each profile has its own listener
    private readonly TokenAuthenticator _authenticator;
    private readonly AggregatePipeline _pipeline;
    private readonly QueryPlanner _planner;
    private readonly IndicatorCatalogue _catalogue;
    private readonly IRegionNames _regions;
    private readonly DatasetInfo _dataset;
    private readonly IAuditLog _audit;
    private readonly MeterListener _listener = new();

    /// <summary>The pipeline of the server whose services are <paramref name="services"/>.</summary>
    public PipelineProfile(IServiceProvider services)
    {
        _authenticator = services.GetRequiredService<TokenAuthenticator>();
        _pipeline = services.GetRequiredService<AggregatePipeline>();
        _planner = services.GetRequiredService<QueryPlanner>();
        _catalogue = services.GetRequiredService<IndicatorCatalogue>();
        _regions = services.GetRequiredService<IRegionNames>();
        _dataset = services.GetRequiredService<DatasetInfo>();
        _audit = services.GetRequiredService<IAuditLog>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument == Telemetry.EngineDuration || instrument == Telemetry.DisclosureDuration)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, seconds, _, _) =>
        {
            if (_capture.Value is not { } times) return; // a server's call, not this profile's
            times[(int)(instrument == Telemetry.EngineDuration ? Stage.Engine : Stage.Disclosure)] += seconds * 1000;
        });
        _listener.Start();
    }

    /// <summary>A request answered for its caller: the decision and released table, and the query it ran.</summary>
    public sealed record Answered(AggregateAnswer Answer, QueryPlan Query);

    /// <summary>The caller <paramref name="kind"/> acts as (the grant of <paramref name="token"/>, or the public).</summary>
    public async Task<Caller> AuthenticateAsync(RequestKind kind, string token)
    {
        var result = await _authenticator.AuthenticateAsync(kind.WithToken ? "Bearer " + token : null).ConfigureAwait(false);
        return result.Outcome switch
        {
            AuthOutcome.Public => Caller.Public,
            AuthOutcome.Authenticated => new Caller(result.Grant),
            _ => throw new InvalidOperationException($"{kind.Id}: the benchmark's token was refused: {result.Message}"),
        };
    }

    /// <summary>
    /// Runs <paramref name="kind"/> through the pipeline for <paramref name="caller"/>, and gives the query it ran: planned
    /// again from the pipeline's own decision, with the pipeline's planner (the benchmark runs the same SQL on DuckDB).
    /// </summary>
    public async Task<Answered> AnswerAsync(RequestKind kind, Caller caller)
    {
        var (request, scope, field) = Map(kind.Request);
        var answer = await _pipeline.RunAsync(request, scope, field, caller, new CallOutcome(), CancellationToken.None).ConfigureAwait(false);
        var region = answer.Allowed.EffectiveRegion;
        return new Answered(answer, _planner.PlanAggregate(request with { Region = region }, region, _dataset.Partitions));
    }

    /// <summary>Runs the whole call of <paramref name="kind"/> once, returning each stage's time in ms and the response's row count.</summary>
    public async Task<(double[] StageMs, int Rows)> RunTimedAsync(RequestKind kind, string token)
    {
        var times = new double[Enum.GetValues<Stage>().Length];
        long t0 = Stopwatch.GetTimestamp();
        var caller = await AuthenticateAsync(kind, token).ConfigureAwait(false);
        long t1 = Stopwatch.GetTimestamp();
        var (request, scope, field) = Map(kind.Request);
        long t2 = Stopwatch.GetTimestamp();
        var outcome = new CallOutcome();
        AggregateAnswer answer;
        _capture.Value = times;
        try
        {
            answer = await _pipeline.RunAsync(request, scope, field, caller, outcome, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _capture.Value = null;
        }
        long t3 = Stopwatch.GetTimestamp();
        var metadata = ResponseMapping.Metadata(_dataset, answer.Allowed.Tier, answer.Allowed.EffectiveRegion, answer.Released.Rules);
        var response = ResponseMapping.ToResponse(answer.Released, _catalogue, _regions, scope.Breakdown, metadata);
        long t4 = Stopwatch.GetTimestamp();
        var bytes = response.ToByteArray();
        long t5 = Stopwatch.GetTimestamp();
        await _audit.AppendAsync(new AuditEntry
        {
            GrantId = caller.Grant?.Id,
            Organisation = caller.Grant?.Organisation,
            Unit = caller.Grant?.Unit,
            Method = kind.Method.TrimStart('/'),
            Request = JsonFormatter.Default.Format(kind.Request),
            Scope = outcome.Scope,
            Decision = AuditDecision.Allowed,
            Rows = outcome.Rows,
            Cells = outcome.Cells,
            Bytes = bytes.Length,
            Latency = Stopwatch.GetElapsedTime(t0),
        }).ConfigureAwait(false);
        long t6 = Stopwatch.GetTimestamp();

        times[(int)Stage.Authenticate] = Ms(t0, t1);
        times[(int)Stage.Map] = Ms(t1, t2);
        times[(int)Stage.DecideAndPlan] = Ms(t2, t3) - times[(int)Stage.Engine] - times[(int)Stage.Disclosure];
        times[(int)Stage.Response] = Ms(t3, t4);
        times[(int)Stage.Serialize] = Ms(t4, t5);
        times[(int)Stage.Audit] = Ms(t5, t6);
        return (times, response.Rows.Count);
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>The wire request as AggregateApi maps it: catalogue request, scope, and the wire field of its measures.</summary>
    private (CatalogueRequest Request, RequestMapping.ScopeRequest Scope, string MeasuresField) Map(IMessage message)
    {
        switch (message)
        {
            case V1.AggregateRequest a:
            {
                var scope = RequestMapping.MapScope(a.Scope, _regions);
                return (RequestMapping.MapAggregate(a, scope), scope, "indicators");
            }
            case V1.DesilDistributionRequest d:
            {
                var scope = RequestMapping.MapScope(d.Scope, _regions);
                return (RequestMapping.MapDesil(d, scope), scope, "unit");
            }
            case V1.PercentilesRequest p:
            {
                var scope = RequestMapping.MapScope(p.Scope, _regions);
                return (RequestMapping.MapPercentiles(p, scope), scope, "variable");
            }
            default:
                throw new ArgumentException($"not an aggregate request: {message.Descriptor.FullName}", nameof(message));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
