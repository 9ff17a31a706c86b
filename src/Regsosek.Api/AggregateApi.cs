using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Disclosure;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using Grpc.Core;
using CatalogueRequest = Regsosek.Catalogue.AggregateRequest;

namespace Regsosek.Api;

/// <summary>
/// regsosek.v1.AggregateService: parse → policy → one parameterised query → disclosure control →
/// audit → response. Every step that refuses names its field or rule.
/// </summary>
public sealed class AggregateApi(
    CallRunner runner, IndicatorCatalogue catalogue, QueryPlanner planner, AggregateEngine engine,
    IDisclosureControl disclosure, IRegionNames regions, DatasetInfo dataset, TimeProvider time)
    : V1.AggregateService.AggregateServiceBase
{

    public override Task<AggregateResponse> Aggregate(V1.AggregateRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (caller, outcome, ct) =>
        {
            var scope = RequestMapping.MapScope(request.Scope, regions);
            return RunAsync(RequestMapping.MapAggregate(request, scope), scope, "indicators", caller, outcome, context, ct);
        });

    public override Task<AggregateResponse> DesilDistribution(DesilDistributionRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (caller, outcome, ct) =>
        {
            var scope = RequestMapping.MapScope(request.Scope, regions);
            return RunAsync(RequestMapping.MapDesil(request, scope), scope, "unit", caller, outcome, context, ct);
        });

    public override Task<AggregateResponse> Percentiles(PercentilesRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (caller, outcome, ct) =>
        {
            var scope = RequestMapping.MapScope(request.Scope, regions);
            return RunAsync(RequestMapping.MapPercentiles(request, scope), scope, "variable", caller, outcome, context, ct);
        });

    private async Task<AggregateResponse> RunAsync(CatalogueRequest request, RequestMapping.ScopeRequest scope,
        string measuresField, Caller caller, CallOutcome outcome, ServerCallContext context, CancellationToken ct)
    {
        var access = new List<IndicatorAccess>(request.Measures.Count);
        for (int i = 0; i < request.Measures.Count; i++)
        {
            if (!catalogue.TryResolveMeasure(request.Measures[i], out var measure, out var error))
                throw RpcErrors.InvalidArgument(WireField($"measures[{i}]", measuresField), error);
            access.Add(IndicatorCatalogue.AccessOf(measure));
        }
        var regionFilters = RequestMapping.RegionFilterCodes(request.Filters, regions);

        var decision = AccessPolicy.DecideAggregate(new AggregateAccessRequest(caller, scope.Region, scope.Breakdown,
            access, regionFilters, request.GroupBy, scope.WholeScope), time.GetUtcNow());
        if (decision is Denied denied)
        {
            outcome.Scope = scope.Region;
            throw RpcErrors.PermissionDenied(denied.Rule, denied.Message);
        }
        var allowed = (Allowed)decision;
        outcome.Scope = allowed.EffectiveRegion;

        QueryPlan plan;
        try
        {
            plan = planner.PlanAggregate(request with { Region = allowed.EffectiveRegion }, allowed.EffectiveRegion, dataset.Partitions);
        }
        catch (RequestValidationException e)
        {
            throw RpcErrors.InvalidArgument(WireField(e.Field, measuresField), WireText(e.Description, measuresField));
        }

        var exact = await Telemetry.TimeAsync(Telemetry.EngineDuration, "regsosek.engine", () => engine.ExecuteAsync(plan, ct)).ConfigureAwait(false);
        var released = Telemetry.Timed(Telemetry.DisclosureDuration, "regsosek.disclosure", () => disclosure.Apply(exact, allowed.Tier));
        outcome.Rows = released.Rows.Count;
        outcome.Cells = (long)released.Rows.Count * released.Shape.Measures.Count;

        var metadata = ResponseMapping.Metadata(dataset, allowed.Tier, allowed.EffectiveRegion, released.Rules);
        metadata.RequestId = RequestInfo.Of(context)?.RequestId ?? "";
        return ResponseMapping.ToResponse(released, catalogue, regions, scope.Breakdown, metadata);
    }

    /// <summary>
    /// The planner names catalogue fields ("measures[2]"); clients know the wire's ("indicators[2]").
    /// Percentiles has one variable, not a list, so its measures map to the field without an index.
    /// </summary>
    private static string WireField(string field, string measuresField)
    {
        if (!field.StartsWith("measures", StringComparison.Ordinal)) return field;
        return measuresField == "variable" ? measuresField : measuresField + field["measures".Length..];
    }

    private static string WireText(string description, string measuresField) =>
        measuresField == "variable" ? description : description.Replace("measures[", measuresField + "[", StringComparison.Ordinal);
}
