using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using ExtractTable = Regsosek.Extracts.ExtractTable;
using Regsosek.Schema;
using Grpc.Core;

namespace Regsosek.Api;

/// <summary>regsosek.v1.CatalogService: what can be asked for, and who is asking. Open to everyone (the
/// catalogue holds no personal data), but authenticated and audited like every call.</summary>
public sealed class CatalogApi(CallRunner runner, IndicatorCatalogue catalogue, IRegionNames regions)
    : V1.CatalogService.CatalogServiceBase
{

    private readonly ListIndicatorsResponse _indicators = BuildIndicators(catalogue);
    private readonly ListDimensionsResponse _dimensions = BuildDimensions(catalogue);
    private readonly ListNumericsResponse _numerics = BuildNumerics(catalogue);
    private readonly Dictionary<ExtractTable, ListExtractColumnsResponse> _extractColumns =
        Enum.GetValues<ExtractTable>().ToDictionary(t => t, t => BuildExtractColumns(DataDictionary.Default, t));

    public override Task<ListNumericsResponse> ListNumerics(ListNumericsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (_, outcome, _) =>
        {
            outcome.Rows = _numerics.Numerics.Count;
            return Task.FromResult(_numerics);
        });

    public override Task<ListExtractColumnsResponse> ListExtractColumns(ListExtractColumnsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (_, outcome, _) =>
        {
            var response = _extractColumns[ParseTable(request.Table)];
            outcome.Rows = response.Columns.Count;
            return Task.FromResult(response);
        });

    /// <summary>Who the caller is: its grant, or the public. Authentication refuses a token that is unknown,
    /// expired, not yet valid or revoked before this runs, so the grant shown is always one in force.</summary>
    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, (caller, outcome, _) =>
        {
            var scope = caller.Scope;
            outcome.Scope = scope;
            outcome.Rows = 1;
            var response = new WhoAmIResponse
            {
                Tier = (V1.Tier)(int)caller.Tier,
                Region = scope.Value,
                RegionName = regions.NameOf(scope) ?? scope.Value,
            };
            if (caller.Grant is { } grant) response.Grant = AdminApi.ToWire(grant);
            return Task.FromResult(response);
        });

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
            wire.MinTier = (V1.Tier)(int)d.MinTier;
            foreach (var v in d.Values)
                wire.Values.Add(new V1.DimensionValue { Code = v.Code, LabelId = v.NameId, LabelEn = v.NameEn });
            response.Dimensions.Add(wire);
        }
        return response;
    }

    private static ListNumericsResponse BuildNumerics(IndicatorCatalogue catalogue)
    {
        var response = new ListNumericsResponse();
        foreach (var n in catalogue.Numerics)
            response.Numerics.Add(new V1.Numeric
            {
                Id = n.Id,
                NameId = n.NameId,
                NameEn = n.NameEn,
                Unit = n.Unit.Name(),
                ValueUnit = n.ValueUnit,
                Open = n.Visibility.Open,
                MinTier = (V1.Tier)(int)n.Visibility.MinTier,
                LowestLevel = (V1.RegionLevel)((int)n.Visibility.LowestLevel + 1),
            });
        return response;
    }

    /// <summary>"individu" (also empty, as ExtractRequest's default), "keluarga", "individu_with_keluarga", or the
    /// ExtractTable enum names of extract.proto; case-insensitive.</summary>
    private static ExtractTable ParseTable(string text)
    {
        var name = (text ?? "").Trim().ToLowerInvariant();
        if (name.StartsWith("extract_table_", StringComparison.Ordinal)) name = name["extract_table_".Length..];
        return name switch
        {
            "" or "individu" => ExtractTable.Individu,
            "keluarga" => ExtractTable.Keluarga,
            "individu_with_keluarga" => ExtractTable.IndividuWithKeluarga,
            _ => throw RpcErrors.InvalidArgument("table",
                $"unknown table '{(name.Length <= 32 ? name : name[..32] + "…")}'; use individu, keluarga or individu_with_keluarga"),
        };
    }

    private static string TableName(ExtractTable table) => table switch
    {
        ExtractTable.Keluarga => "keluarga",
        ExtractTable.Individu => "individu",
        _ => "individu_with_keluarga",
    };

    /// <summary>
    /// The columns of an extract of <paramref name="table"/> in the order of "all columns" (as ExtractPlanner takes
    /// them: the person's, then the family's not already listed), each with the tier its extracts need: tier 3 (an
    /// extract at all) or the variable's own min_tier, tier 4 for identity variables and geography below regency —
    /// the rules of ExtractPlanner and AccessPolicy.DecideExtract (CatalogTests checks the two agree column by column).
    /// </summary>
    private static ListExtractColumnsResponse BuildExtractColumns(DataDictionary dictionary, ExtractTable table)
    {
        var variables = new List<Variable>();
        if (table != ExtractTable.Keluarga) variables.AddRange(dictionary.Columns(TableKind.Individu));
        if (table != ExtractTable.Individu)
        {
            var taken = variables.Select(v => v.Column).ToHashSet(StringComparer.Ordinal);
            variables.AddRange(dictionary.Columns(TableKind.Keluarga).Where(v => !taken.Contains(v.Column)));
        }
        var response = new ListExtractColumnsResponse { Table = TableName(table) };
        foreach (var v in variables)
        {
            var tier = Regsosek.Extracts.ExtractPlanner.ColumnTier(v);
            var column = new ExtractColumn
            {
                Name = v.Column,
                Table = v.Table == TableKind.Keluarga ? "keluarga" : "individu",
                Question = v.Question ?? "",
                Type = v.SqlType.ToLowerInvariant(),
                LabelId = v.LabelId,
                LabelEn = v.LabelEn,
                MultiSelectSum = v.MultiSelectSum,
                MinTier = (V1.Tier)(int)tier,
                Identity = v.Identity,
                QuasiIdentifier = v.QuasiIdentifier,
                Pseudonymised = Regsosek.Extracts.ExtractPlanner.IsPseudonymised(v.Column),
            };
            if (v.Min is { } min) column.Min = min;
            if (v.Max is { } max) column.Max = max;
            foreach (var c in v.Codes)
                column.Values.Add(new ValueLabel { Code = c.Code, LabelId = c.LabelId, LabelEn = c.LabelEn });
            response.Columns.Add(column);
        }
        return response;
    }
}
