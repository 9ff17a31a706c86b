using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Grpc.Core;

namespace Regsosek.Api;

/// <summary>regsosek.v1.CatalogService: what can be asked for. Open to everyone (the catalogue holds no
/// personal data), but audited like every call.</summary>
public sealed class CatalogApi(CallRunner runner, IndicatorCatalogue catalogue, IRegionNames regions)
    : V1.CatalogService.CatalogServiceBase
{

    private readonly ListIndicatorsResponse _indicators = BuildIndicators(catalogue);
    private readonly ListDimensionsResponse _dimensions = BuildDimensions(catalogue);

    public override Task<ListIndicatorsResponse> ListIndicators(ListIndicatorsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (_, outcome, _) =>
        {
            outcome.Rows = _indicators.Indicators.Count;
            return Task.FromResult(_indicators);
        });

    public override Task<ListDimensionsResponse> ListDimensions(ListDimensionsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (_, outcome, _) =>
        {
            outcome.Rows = _dimensions.Dimensions.Count;
            return Task.FromResult(_dimensions);
        });

    public override Task<ListRegionsResponse> ListRegions(ListRegionsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (_, outcome, _) =>
        {
            var response = ListRegions(request);
            outcome.Rows = response.Regions.Count;
            return Task.FromResult(response);
        });

    private ListRegionsResponse ListRegions(ListRegionsRequest request)
    {
        if (!RegionCode.TryParse(request.Parent, out var parent, out var error))
            throw RpcErrors.InvalidArgument("parent", error);
        if (parent.Level == Core.RegionLevel.Village)
            throw RpcErrors.InvalidArgument("parent", $"{parent.Value} is a village, the lowest level: it has no subregions");
        if (!regions.Exists(parent))
            throw RpcErrors.NotFound("region", parent.Value, $"region {parent.Value} does not exist; list the provinces with an empty parent");
        var response = new ListRegionsResponse();
        foreach (var (code, name) in regions.Children(parent))
            response.Regions.Add(new Region { Code = code.Value, Name = name, Level = (V1.RegionLevel)((int)code.Level + 1) });
        return response;
    }

    private static ListIndicatorsResponse BuildIndicators(IndicatorCatalogue catalogue)
    {
        var response = new ListIndicatorsResponse();
        foreach (var i in catalogue.Indicators)
            response.Indicators.Add(new V1.Indicator
            {
                Id = i.Id,
                NameId = i.NameId,
                NameEn = i.NameEn,
                Unit = i.Unit.Name(),
                Statistic = ResponseMapping.StatisticName(i.Statistic),
                Open = i.Visibility.Open,
                MinTier = (V1.Tier)(int)i.Visibility.MinTier,
                LowestLevel = (V1.RegionLevel)((int)i.Visibility.LowestLevel + 1),
                Definition = string.IsNullOrEmpty(i.Source) ? i.Definition : $"{i.Definition} ({i.Source})",
            });
        return response;
    }

    private static ListDimensionsResponse BuildDimensions(IndicatorCatalogue catalogue)
    {
        var response = new ListDimensionsResponse();
        foreach (var d in catalogue.Dimensions)
        {
            var wire = new V1.Dimension { Id = d.Id, NameId = d.NameId, NameEn = d.NameEn };
            wire.Units.Add(d.Units.Select(u => u.Name()));
            foreach (var v in d.Values)
                wire.Values.Add(new V1.DimensionValue { Code = v.Code, LabelId = v.NameId, LabelEn = v.NameEn });
            response.Dimensions.Add(wire);
        }
        return response;
    }
}
