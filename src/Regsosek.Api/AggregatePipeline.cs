using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using CatalogueRequest = Regsosek.Catalogue.AggregateRequest;
using RegionLevel = Regsosek.Core.RegionLevel;

namespace Regsosek.Api;

/// <summary>What an aggregate request became: the released table and the decision it was released under.</summary>
/// <param name="Released">The table after disclosure control.</param>
/// <param name="Allowed">The access decision (effective region, caller's tier, disclosure tier).</param>
public sealed record AggregateAnswer(ReleasedTable Released, Allowed Allowed);

/// <summary>
/// The one aggregate pipeline, written once and free of any transport: resolve the measures → decide (access
/// policy) → plan (one parameterised query) → check the table's size and the percentiles up front → execute →
/// complete the table → disclosure control. The gRPC handlers (<see cref="AggregateApi"/>), the start-up sample
/// table and the load benchmark all run it. Refusals are <see cref="Grpc.Core.RpcException"/>s from
/// <see cref="RpcErrors"/> naming the field (in the wire's names, given by <paramref name="measuresField"/> of
/// <see cref="RunAsync"/>) or the rule. Every stage takes the cancellation token.
/// </summary>
public sealed class AggregatePipeline(
    IndicatorCatalogue catalogue, QueryPlanner planner, AggregateEngine engine, IDisclosureControl disclosure,
    IRegionNames regions, DatasetInfo dataset, TimeProvider time)
{
    /// <summary>Runs <paramref name="request"/> for <paramref name="caller"/>.</summary>
    /// <param name="measuresField">The wire field the request's measures came from: "indicators", "unit" or "variable".</param>
    /// <param name="outcome">Receives the effective scope, rows and cells for the audit record.</param>
    public async Task<AggregateAnswer> RunAsync(CatalogueRequest request, RequestMapping.ScopeRequest scope, string measuresField,
        Caller caller, CallOutcome outcome, CancellationToken ct)
    {
        // Resolve.
        var measures = new List<Measure>(request.Measures.Count);
        for (int i = 0; i < request.Measures.Count; i++)
        {
            if (!catalogue.TryResolveMeasure(request.Measures[i], out var measure, out var error))
                throw RpcErrors.InvalidArgument(WireField($"measures[{i}]", measuresField), error);
            measures.Add(measure);
        }
        var regionFilters = RequestMapping.RegionFilterCodes(request.Filters, regions);

        // Decide.
        var decision = AccessPolicy.DecideAggregate(new AggregateAccessRequest(caller, scope.Region, scope.Breakdown,
            measures.Select(IndicatorCatalogue.AccessOf).ToList(), regionFilters, request.GroupBy, scope.WholeScope,
            catalogue.DimensionAccessOf(request),
            measures.Select(IndicatorCatalogue.VariableAccessOf).OfType<VariableAccess>().ToList()), time.GetUtcNow());
        if (decision is Denied denied)
        {
            outcome.Scope = scope.Region;
            throw RpcErrors.PermissionDenied(denied.Rule, denied.Message);
        }
        var allowed = (Allowed)decision;
        outcome.Scope = allowed.EffectiveRegion;

        // Plan.
        QueryPlan plan;
        try
        {
            plan = planner.PlanAggregate(request with { Region = allowed.EffectiveRegion }, allowed.EffectiveRegion, dataset.Partitions, dataset.Summaries);
        }
        catch (RequestValidationException e)
        {
            throw RpcErrors.InvalidArgument(WireField(e.Field, measuresField), WireText(e.Description, measuresField));
        }

        // Refuse up front what cannot be answered: a table over the size limit, a percentile no group can release.
        var regionCodes = scope.Breakdown is { } level ? RegionsAt(allowed.EffectiveRegion, level) : [];
        var domains = catalogue.CategoryDomains(plan.Shape, regionCodes);
        if (disclosure.CheckTableSize(TableCompletion.CompleteRowCount(domains.Select(d => d.Count).ToList()),
                plan.Shape.Measures.Count) is { } tooLarge)
            throw RpcErrors.ResourceExhausted("disclosure.max-cells", tooLarge);
        for (int i = 0; i < measures.Count; i++)
            if (measures[i].Probability is { } p
                && disclosure.CheckPercentile(p, dataset.Persons, allowed.DisclosureTier) is { } refused)
                throw RpcErrors.InvalidArgument(measuresField == "variable" ? "percentiles" : WireField($"measures[{i}]", measuresField), refused);

        // Execute, complete (every category present; a zero is a zero), disclose.
        var exact = await Telemetry.TimeAsync(Telemetry.EngineDuration, "regsosek.engine", () => engine.ExecuteAsync(plan, ct)).ConfigureAwait(false);
        ReleasedTable released;
        try
        {
            exact = TableCompletion.Complete(exact, domains, disclosure.MaxCells, ct);
            released = Telemetry.Timed(Telemetry.DisclosureDuration, "regsosek.disclosure", () => disclosure.Apply(exact, allowed.DisclosureTier, ct));
        }
        catch (TableTooLargeException e)
        {
            throw RpcErrors.ResourceExhausted("disclosure.max-cells", e.Message);
        }
        outcome.Rows = released.Rows.Count;
        outcome.Cells = (long)released.Rows.Count * released.Shape.Measures.Count;
        return new AggregateAnswer(released, allowed);
    }

    /// <summary>Every region at <paramref name="level"/> inside <paramref name="region"/>, by code.</summary>
    private List<long> RegionsAt(RegionCode region, RegionLevel level)
    {
        var current = new List<RegionCode> { region };
        for (var l = region.Level; l < level; l++)
        {
            var next = new List<RegionCode>();
            foreach (var parent in current)
                foreach (var (code, _) in regions.Children(parent))
                    next.Add(code);
            current = next;
        }
        return current.Select(c => c.Numeric).ToList();
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
