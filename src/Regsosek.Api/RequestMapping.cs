using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core;
using CatalogueRequest = Regsosek.Catalogue.AggregateRequest;
using RegionLevel = Regsosek.Core.RegionLevel;

namespace Regsosek.Api;

/// <summary>
/// Turns wire requests into catalogue requests, rejecting malformed input with INVALID_ARGUMENT
/// naming the field (in the wire's field names) and NOT_FOUND for well-formed region codes that do
/// not exist. Names are checked against the catalogue later, by the planner.
/// </summary>
public static class RequestMapping
{
    /// <summary>Most filters one request may carry.</summary>
    public const int MaxFilters = 16;

    /// <summary>The requested region and breakdown.</summary>
    public readonly record struct ScopeRequest(RegionCode Region, RegionLevel? Breakdown, bool WholeScope);

    public static ScopeRequest MapScope(Scope? scope, IRegionNames regions, string field = "scope")
    {
        scope ??= new Scope();
        if (!RegionCode.TryParse(scope.Region, out var region, out var error))
            throw RpcErrors.InvalidArgument($"{field}.region", error);
        if (scope.WholeScope && region.Level != RegionLevel.National)
            throw RpcErrors.InvalidArgument($"{field}.region",
                "leave the region empty when asking for your whole scope (whole_scope = true)");
        if (!regions.Exists(region))
            throw RpcErrors.NotFound("region", region.Value,
                $"region {region.Value} does not exist; see CatalogService.ListRegions for valid codes");
        RegionLevel? breakdown = scope.Breakdown switch
        {
            V1.RegionLevel.Unspecified => null,
            V1.RegionLevel.National => throw RpcErrors.InvalidArgument($"{field}.breakdown",
                "the nation cannot be a breakdown; use PROVINCE, REGENCY, DISTRICT or VILLAGE"),
            V1.RegionLevel.Province => RegionLevel.Province,
            V1.RegionLevel.Regency => RegionLevel.Regency,
            V1.RegionLevel.District => RegionLevel.District,
            V1.RegionLevel.Village => RegionLevel.Village,
            _ => throw RpcErrors.InvalidArgument($"{field}.breakdown", $"unknown region level {(int)scope.Breakdown}"),
        };
        return new ScopeRequest(region, breakdown, scope.WholeScope);
    }

    public static IReadOnlyList<DimensionFilter> MapFilters(IList<Filter> filters, string field = "filters")
    {
        if (filters.Count > MaxFilters)
            throw RpcErrors.InvalidArgument(field, $"at most {MaxFilters} filters; this request has {filters.Count}");
        var result = new List<DimensionFilter>(filters.Count);
        for (int i = 0; i < filters.Count; i++)
        {
            var f = filters[i];
            if (string.IsNullOrWhiteSpace(f.Dimension))
                throw RpcErrors.InvalidArgument($"{field}[{i}].dimension", "name a dimension (see CatalogService.ListDimensions)");
            if (f.Values.Count == 0)
                throw RpcErrors.InvalidArgument($"{field}[{i}].values", "give at least one value to keep");
            result.Add(new DimensionFilter(f.Dimension, f.Values.ToArray()));
        }
        return result;
    }

    /// <summary>Region codes named by a "region" filter, checked for shape; they go to the scope check.</summary>
    public static IReadOnlyList<RegionCode> RegionFilterCodes(IReadOnlyList<DimensionFilter> filters, IRegionNames regions)
    {
        var codes = new List<RegionCode>();
        for (int i = 0; i < filters.Count; i++)
        {
            if (filters[i].Dimension != Regsosek.Catalogue.Dimension.RegionId) continue;
            for (int j = 0; j < filters[i].Values.Count; j++)
            {
                var value = filters[i].Values[j];
                var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (value <= 0 || !RegionCode.TryParse(text, out var code, out var error))
                    throw RpcErrors.InvalidArgument($"filters[{i}].values[{j}]", $"{value} is not a region code: a code has 2, 4, 6 or 10 digits");
                if (!regions.Exists(code))
                    throw RpcErrors.NotFound("region", code.Value, $"region {code.Value} (filters[{i}].values[{j}]) does not exist");
                codes.Add(code);
            }
        }
        return codes;
    }

    public static CatalogueRequest MapAggregate(V1.AggregateRequest request, ScopeRequest scope)
    {
        if (request.Indicators.Count == 0)
            throw RpcErrors.InvalidArgument("indicators", "name at least one indicator (see CatalogService.ListIndicators)");
        return new CatalogueRequest(request.Indicators.ToArray(), scope.Region, scope.Breakdown,
            request.GroupBy.ToArray(), MapFilters(request.Filters));
    }

    public static CatalogueRequest MapDesil(DesilDistributionRequest request, ScopeRequest scope)
    {
        var unit = request.Unit switch
        {
            "" or "families" => Unit.Families,
            "persons" => Unit.Persons,
            _ => throw RpcErrors.InvalidArgument("unit", $"unit must be \"families\" (default) or \"persons\", not \"{Clip(request.Unit)}\""),
        };
        return CatalogueRequest.DesilDistribution(unit, scope.Region, scope.Breakdown, request.GroupBy.ToArray(),
            MapFilters(request.Filters));
    }

    public static CatalogueRequest MapPercentiles(PercentilesRequest request, ScopeRequest scope)
    {
        if (string.IsNullOrWhiteSpace(request.Variable))
            throw RpcErrors.InvalidArgument("variable", "name a numeric variable, e.g. \"age\" or \"floor_area_per_capita\"");
        if (request.Percentiles.Count == 0)
            throw RpcErrors.InvalidArgument("percentiles", "ask for at least one percentile, e.g. 25, 50, 75");
        for (int i = 0; i < request.Percentiles.Count; i++)
        {
            var p = request.Percentiles[i];
            if (!(p > 0 && p < 100))
                throw RpcErrors.InvalidArgument($"percentiles[{i}]", $"{p} is not a percentile: give a number between 0 and 100, exclusive");
        }
        return CatalogueRequest.Percentiles(request.Variable, request.Percentiles.Select(p => p / 100.0).ToArray(),
            scope.Region, scope.Breakdown, request.GroupBy.ToArray(), MapFilters(request.Filters));
    }

    private static string Clip(string s) => s.Length <= 32 ? s : s[..32] + "…";
}
