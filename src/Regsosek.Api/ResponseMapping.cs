using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using CoreCellStatus = Regsosek.Core.Aggregates.CellStatus;
using RegionLevel = Regsosek.Core.RegionLevel;
using Tier = Regsosek.Core.Tier;
using Dimension = Regsosek.Catalogue.Dimension;

namespace Regsosek.Api;

/// <summary>Turns released tables into wire responses, with labels for every key.</summary>
public static class ResponseMapping
{
    public static AggregateResponse ToResponse(ReleasedTable table, IndicatorCatalogue catalogue, IRegionNames regions,
        RegionLevel? breakdown, ResponseMetadata metadata, CancellationToken ct = default)
    {
        var response = new AggregateResponse { Metadata = metadata };
        response.Dimensions.Add(table.Shape.Dimensions);
        foreach (var m in table.Shape.Measures)
            response.Measures.Add(new V1.Measure { Id = m.Id, Statistic = StatisticName(m.Kind), Unit = m.Unit });

        var dimensions = table.Shape.Dimensions
            .Select(id => catalogue.TryGetDimension(id, out var d) ? d : null)
            .ToArray();
        for (int r = 0; r < table.Rows.Count; r++)
        {
            if ((r & 1023) == 0) ct.ThrowIfCancellationRequested();
            var row = table.Rows[r];
            var wire = new Row();
            for (int i = 0; i < row.Keys.Count; i++)
                wire.Keys.Add(Key(row.Keys[i], dimensions[i], regions, breakdown));
            foreach (var v in row.Values)
            {
                var cell = new Cell { Status = Status(v.Status), Rule = v.Rule ?? "" };
                if (v.Status != CoreCellStatus.Suppressed && v.Value is { } value)
                    cell.Value = value;
                wire.Cells.Add(cell);
            }
            response.Rows.Add(wire);
        }
        return response;
    }

    public static ResponseMetadata Metadata(DatasetInfo dataset, Tier tier, RegionCode effectiveRegion,
        IReadOnlyList<Regsosek.Core.Aggregates.AppliedRule> rules)
    {
        var metadata = new ResponseMetadata
        {
            DataVersion = dataset.Version,
            Attribution = Licences.Attribution,
            Licence = Licences.ForAggregates(),
            Tier = (V1.Tier)(int)tier,
            EffectiveRegion = effectiveRegion.Value,
        };
        foreach (var r in rules)
        {
            var applied = new V1.AppliedRule { Id = r.Id, Description = r.Description };
            foreach (var (name, value) in r.Parameters) applied.Parameters[name] = value;
            metadata.Rules.Add(applied);
        }
        return metadata;
    }

    private static Key Key(long? code, Dimension? dimension, IRegionNames regions, RegionLevel? breakdown)
    {
        if (code is not { } c) return new Key();
        var key = new Key { Code = c };
        if (dimension is null) return key;
        if (dimension.IsRegion)
        {
            if (breakdown is { } level && TryRegion(c, level, out var region))
                key.Label = regions.NameOf(region) ?? "";
        }
        else
        {
            key.Label = dimension.Values.FirstOrDefault(v => v.Code == c)?.NameId ?? "";
        }
        return key;
    }

    private static bool TryRegion(long code, RegionLevel level, out RegionCode region)
    {
        try
        {
            region = RegionCode.FromNumeric(code, level);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            region = default;
            return false;
        }
    }

    public static string StatisticName(StatisticKind kind) => kind switch
    {
        StatisticKind.Count => "count",
        StatisticKind.Percentage => "percentage",
        StatisticKind.Mean => "mean",
        StatisticKind.Sum => "sum",
        StatisticKind.Percentile => "percentile",
        StatisticKind.Min => "min",
        StatisticKind.Max => "max",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static V1.CellStatus Status(CoreCellStatus status) => status switch
    {
        CoreCellStatus.Shown => V1.CellStatus.Shown,
        CoreCellStatus.Suppressed => V1.CellStatus.Suppressed,
        CoreCellStatus.Perturbed => V1.CellStatus.Perturbed,
        _ => V1.CellStatus.Unspecified,
    };
}
