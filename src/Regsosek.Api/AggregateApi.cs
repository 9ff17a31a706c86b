using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Grpc.Core;

namespace Regsosek.Api;

/// <summary>
/// regsosek.v1.AggregateService: map the wire request → <see cref="AggregatePipeline"/> (policy, plan, execute,
/// disclosure control) → response; <see cref="CallRunner"/> authenticates and audits around it.
/// </summary>
public sealed class AggregateApi(
    CallRunner runner, AggregatePipeline pipeline, IndicatorCatalogue catalogue, IRegionNames regions, DatasetInfo dataset)
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

    private async Task<AggregateResponse> RunAsync(Regsosek.Catalogue.AggregateRequest request, RequestMapping.ScopeRequest scope,
        string measuresField, Core.Policy.Caller caller, CallOutcome outcome, ServerCallContext context, CancellationToken ct)
    {
        var answer = await pipeline.RunAsync(request, scope, measuresField, caller, outcome, ct).ConfigureAwait(false);
        var metadata = ResponseMapping.Metadata(dataset, answer.Allowed.Tier, answer.Allowed.EffectiveRegion, answer.Released.Rules);
        metadata.RequestId = RequestInfo.Of(context)?.RequestId ?? "";
        return ResponseMapping.ToResponse(answer.Released, catalogue, regions, scope.Breakdown, metadata, ct);
    }
}
