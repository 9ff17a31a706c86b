using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api;
using Regsosek.Catalogue;
using Regsosek.Core.Disclosure;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Tokens;
using V1 = Regsosek.Api.V1;
using CatalogueRequest = Regsosek.Catalogue.AggregateRequest;

namespace Regsosek.LoadBenchmark;

/// <summary>The steps of the aggregate pipeline, in the order AggregateApi and CallRunner run them.</summary>
public enum Stage
{
    /// <summary>Bearer token → grant (a grant-store lookup), or the public.</summary>
    Authenticate,
    /// <summary>Wire request → catalogue request, measure access, AccessPolicy decision.</summary>
    MapAndPolicy,
    /// <summary>QueryPlanner.PlanAggregate: the SQL text and its parameters.</summary>
    Plan,
    /// <summary>AggregateEngine.ExecuteAsync: pooled connection, cached prepared statement, DuckDB, reading the exact table.</summary>
    Engine,
    /// <summary>IDisclosureControl.Apply on the exact table.</summary>
    Disclosure,
    /// <summary>ResponseMapping: metadata, labels, wire rows.</summary>
    Response,
    /// <summary>Protobuf serialisation of the response.</summary>
    Serialize,
    /// <summary>The audit record: the request as JSON, and the hash-chained append (SQLite).</summary>
    Audit,
}

/// <summary>
/// The service's aggregate pipeline rebuilt from the running server's own components (its DI container):
/// the same catalogue, planner, engine (pool and statement cache), disclosure control, grant store and audit
/// log. Used to derive the exact SQL of a request (as AggregateApi would plan it for that caller) and, in
/// the diagnostic profile, to time each stage with a Stopwatch without touching the service's code.
/// </summary>
public sealed class PipelineReplica
{
    private readonly IndicatorCatalogue _catalogue;
    private readonly QueryPlanner _planner;
    private readonly AggregateEngine _engine;
    private readonly IDisclosureControl _disclosure;
    private readonly IRegionNames _regions;
    private readonly DatasetInfo _dataset;
    private readonly TokenAuthenticator _authenticator;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;

    /// <summary>The pipeline of the server whose services are <paramref name="services"/>.</summary>
    public PipelineReplica(IServiceProvider services)
    {
        _catalogue = services.GetRequiredService<IndicatorCatalogue>();
        _planner = services.GetRequiredService<QueryPlanner>();
        _engine = services.GetRequiredService<AggregateEngine>();
        _disclosure = services.GetRequiredService<IDisclosureControl>();
        _regions = services.GetRequiredService<IRegionNames>();
        _dataset = services.GetRequiredService<DatasetInfo>();
        _authenticator = services.GetRequiredService<TokenAuthenticator>();
        _audit = services.GetRequiredService<IAuditLog>();
        _time = services.GetRequiredService<TimeProvider>();
    }

    /// <summary>A request planned for its caller: the access decision and the one query.</summary>
    public sealed record Planned(Allowed Access, RequestMapping.ScopeRequest Scope, QueryPlan Query);

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

    /// <summary>Maps, authorises and plans <paramref name="kind"/> as AggregateApi does.</summary>
    /// <exception cref="InvalidOperationException">The policy refused the request.</exception>
    public Planned Plan(RequestKind kind, Caller caller)
    {
        var (request, scope) = Map(kind.Request);
        var allowed = Decide(kind, request, scope, caller);
        return new Planned(allowed, scope, PlanQuery(request, allowed));
    }

    /// <summary>Runs the whole pipeline of <paramref name="kind"/> once, returning each stage's time in ms and the response's row count.</summary>
    public async Task<(double[] StageMs, int Rows)> RunTimedAsync(RequestKind kind, string token)
    {
        var times = new double[Enum.GetValues<Stage>().Length];
        long t0 = Stopwatch.GetTimestamp();
        var caller = await AuthenticateAsync(kind, token).ConfigureAwait(false);
        long t1 = Stopwatch.GetTimestamp();
        var (request, scope) = Map(kind.Request);
        var allowed = Decide(kind, request, scope, caller);
        long t2 = Stopwatch.GetTimestamp();
        var plan = PlanQuery(request, allowed);
        long t3 = Stopwatch.GetTimestamp();
        var exact = await _engine.ExecuteAsync(plan).ConfigureAwait(false);
        long t4 = Stopwatch.GetTimestamp();
        var released = _disclosure.Apply(exact, allowed.Tier);
        long t5 = Stopwatch.GetTimestamp();
        var metadata = ResponseMapping.Metadata(_dataset, allowed.Tier, allowed.EffectiveRegion, released.Rules);
        var response = ResponseMapping.ToResponse(released, _catalogue, _regions, scope.Breakdown, metadata);
        long t6 = Stopwatch.GetTimestamp();
        var bytes = response.ToByteArray();
        long t7 = Stopwatch.GetTimestamp();
        await _audit.AppendAsync(new AuditEntry
        {
            GrantId = caller.Grant?.Id,
            Organisation = caller.Grant?.Organisation,
            Unit = caller.Grant?.Unit,
            Method = kind.Method.TrimStart('/'),
            Request = JsonFormatter.Default.Format(kind.Request),
            Scope = allowed.EffectiveRegion,
            Decision = AuditDecision.Allowed,
            Rows = released.Rows.Count,
            Cells = (long)released.Rows.Count * released.Shape.Measures.Count,
            Bytes = bytes.Length,
            Latency = Stopwatch.GetElapsedTime(t0),
        }).ConfigureAwait(false);
        long t8 = Stopwatch.GetTimestamp();

        long[] marks = [t0, t1, t2, t3, t4, t5, t6, t7, t8];
        for (int i = 0; i < times.Length; i++) times[i] = Stopwatch.GetElapsedTime(marks[i], marks[i + 1]).TotalMilliseconds;
        return (times, response.Rows.Count);
    }

    private (CatalogueRequest Request, RequestMapping.ScopeRequest Scope) Map(IMessage message)
    {
        switch (message)
        {
            case V1.AggregateRequest a:
            {
                var scope = RequestMapping.MapScope(a.Scope, _regions);
                return (RequestMapping.MapAggregate(a, scope), scope);
            }
            case V1.DesilDistributionRequest d:
            {
                var scope = RequestMapping.MapScope(d.Scope, _regions);
                return (RequestMapping.MapDesil(d, scope), scope);
            }
            case V1.PercentilesRequest p:
            {
                var scope = RequestMapping.MapScope(p.Scope, _regions);
                return (RequestMapping.MapPercentiles(p, scope), scope);
            }
            default:
                throw new ArgumentException($"not an aggregate request: {message.Descriptor.FullName}", nameof(message));
        }
    }

    private Allowed Decide(RequestKind kind, CatalogueRequest request, RequestMapping.ScopeRequest scope, Caller caller)
    {
        var access = new List<IndicatorAccess>(request.Measures.Count);
        foreach (var name in request.Measures)
        {
            if (!_catalogue.TryResolveMeasure(name, out var measure, out var error))
                throw new InvalidOperationException($"{kind.Id}: {error}");
            access.Add(IndicatorCatalogue.AccessOf(measure));
        }
        var regionFilters = RequestMapping.RegionFilterCodes(request.Filters, _regions);
        var decision = AccessPolicy.DecideAggregate(new AggregateAccessRequest(caller, scope.Region, scope.Breakdown,
            access, regionFilters, request.GroupBy, scope.WholeScope), _time.GetUtcNow());
        return decision switch
        {
            Allowed allowed => allowed,
            Denied denied => throw new InvalidOperationException($"{kind.Id}: the access policy refuses the benchmark's request: {denied.Rule}: {denied.Message}"),
            _ => throw new InvalidOperationException($"{kind.Id}: unknown access decision {decision}"),
        };
    }

    private QueryPlan PlanQuery(CatalogueRequest request, Allowed allowed) =>
        _planner.PlanAggregate(request with { Region = allowed.EffectiveRegion }, allowed.EffectiveRegion, _dataset.Partitions);
}
