using System.Text;
using Regsosek.Core.Aggregates;
using YamlDotNet.RepresentationModel;

namespace Regsosek.Catalogue.Summaries;

/// <summary>One summary table to build: a unit, its non-region dimensions, and its file-system name.</summary>
/// <param name="Name">"persons__sex__age_group_5y": the unit and the dimension ids; the summary's directory.</param>
/// <param name="Unit">Persons or families.</param>
/// <param name="Dimensions">Its non-region dimensions, in the order of schema/summaries.yaml.</param>
/// <param name="Numeric">A distribution's numeric (its values by regency × dimensions); null for a count summary.</param>
public sealed record SummarySpec(string Name, Unit Unit, IReadOnlyList<Dimension> Dimensions, NumericVariable? Numeric = null);

/// <summary>
/// What schema/summaries.yaml asks to prepare, validated against the catalogue, with the SQL that builds each
/// summary (<see cref="SummarySql"/>) and the conditions its columns count. Pure.
/// </summary>
public sealed class SummaryDesign
{
    private readonly Dictionary<Unit, IReadOnlyList<string>> _conditions;

    private SummaryDesign(IndicatorCatalogue catalogue, IReadOnlyList<SummarySpec> specs, IReadOnlyList<SummarySpec> distributions)
    {
        Catalogue = catalogue;
        Specs = specs;
        Distributions = distributions;
        _conditions = Enum.GetValues<Unit>().ToDictionary(u => u, u => (IReadOnlyList<string>)ConditionsOf(catalogue, u));
    }

    /// <summary>The catalogue the design was validated against.</summary>
    public IndicatorCatalogue Catalogue { get; }

    /// <summary>The count summaries, by unit, finest first.</summary>
    public IReadOnlyList<SummarySpec> Specs { get; }

    /// <summary>The distributions: a numeric's values counted by regency × dimensions (<see cref="SummarySql.BuildDistribution"/>),
    /// from which exact percentiles follow.</summary>
    public IReadOnlyList<SummarySpec> Distributions { get; }

    /// <summary>Every summary file set to build: the count summaries, then the distributions.</summary>
    public IEnumerable<SummarySpec> All => Specs.Concat(Distributions);

    /// <summary>The conditions (SQL text) a summary of <paramref name="unit"/> counts, in column order: every distinct
    /// condition of the unit's count and percentage indicators (see <see cref="SummarySql.MeasureConditions"/>).</summary>
    public IReadOnlyList<string> Conditions(Unit unit) => _conditions[unit];

    /// <summary>Loads the embedded schema/summaries.yaml.</summary>
    /// <exception cref="CatalogueException">An entry is invalid; the message names it.</exception>
    public static SummaryDesign Load(IndicatorCatalogue catalogue) => Load(catalogue, IndicatorCatalogue.ReadResource("summaries.yaml"));

    /// <summary>Loads a design from YAML text.</summary>
    /// <exception cref="CatalogueException">An entry is invalid; the message names it.</exception>
    public static SummaryDesign Load(IndicatorCatalogue catalogue, string yaml)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        const string file = "summaries.yaml";
        var root = Yaml.LoadRoot(yaml, file);
        Yaml.RequireOnlyKeys(root, file, "summaries", "distributions");
        var specs = new List<SummarySpec>();
        int index = 0;
        foreach (var node in Yaml.Seq(Yaml.Get(root, "summaries"), file, "'summaries'").Children)
        {
            var entry = $"{file}: summaries[{index++}]";
            var map = Yaml.Map(node, entry, "a summary");
            Yaml.RequireOnlyKeys(map, entry, "unit", "dimensions");
            var unitText = Yaml.String(map, "unit", entry);
            if (!UnitExtensions.TryParse(unitText, out var unit))
                throw new CatalogueException(entry, $"unit must be persons or families, not '{unitText}'");
            var dimensions = ReadDimensions(catalogue, map, entry, unit);
            var spec = new SummarySpec(NameOf(unit.Name(), dimensions), unit, dimensions);
            if (specs.Any(s => s.Unit == unit && s.Dimensions.Count == dimensions.Count && s.Dimensions.All(dimensions.Contains)))
                throw new CatalogueException(entry, $"{spec.Name}: the same summary is listed twice");
            specs.Add(spec);
        }
        var distributions = new List<SummarySpec>();
        index = 0;
        if (root.Children.ContainsKey(new YamlScalarNode("distributions")))
        {
            foreach (var node in Yaml.Seq(Yaml.Get(root, "distributions"), file, "'distributions'").Children)
            {
                var entry = $"{file}: distributions[{index++}]";
                var map = Yaml.Map(node, entry, "a distribution");
                Yaml.RequireOnlyKeys(map, entry, "numeric", "dimensions");
                var numericId = Yaml.String(map, "numeric", entry);
                if (!catalogue.TryGetNumeric(numericId, out var numeric))
                    throw new CatalogueException(entry, $"unknown numeric '{numericId}'");
                var dimensions = ReadDimensions(catalogue, map, entry, numeric.Unit);
                var spec = new SummarySpec(NameOf("values__" + numeric.Id, dimensions), numeric.Unit, dimensions, numeric);
                if (distributions.Any(s => s.Numeric == numeric && s.Dimensions.Count == dimensions.Count && s.Dimensions.All(dimensions.Contains)))
                    throw new CatalogueException(entry, $"{spec.Name}: the same distribution is listed twice");
                distributions.Add(spec);
            }
        }
        var ordered = specs.OrderBy(s => s.Unit).ThenByDescending(s => s.Dimensions.Count).ToList();
        return new SummaryDesign(catalogue, ordered, distributions);
    }

    private static List<Dimension> ReadDimensions(IndicatorCatalogue catalogue, YamlMappingNode map, string entry, Unit unit)
    {
        var dimensions = new List<Dimension>();
        foreach (var d in Yaml.Seq(Yaml.Get(map, "dimensions"), entry, "'dimensions'").Children)
        {
            var id = (d as YamlScalarNode)?.Value ?? "";
            if (!catalogue.TryGetDimension(id, out var dimension))
                throw new CatalogueException(entry, $"unknown dimension '{id}'{Yaml.At(d)}");
            if (dimension.IsRegion)
                throw new CatalogueException(entry, "the region is in every summary (by village, or regency for a distribution); do not list it");
            if (!dimension.AppliesTo(unit))
                throw new CatalogueException(entry, $"dimension '{id}' does not apply to {unit.Name()}");
            if (dimensions.Contains(dimension))
                throw new CatalogueException(entry, $"dimension '{id}' is listed twice");
            dimensions.Add(dimension);
        }
        return dimensions;
    }

    private static string NameOf(string prefix, IReadOnlyList<Dimension> dimensions)
    {
        var name = new StringBuilder(prefix);
        foreach (var d in dimensions) name.Append("__").Append(d.Id);
        return name.ToString();
    }

    private static List<string> ConditionsOf(IndicatorCatalogue catalogue, Unit unit)
    {
        var list = new List<string>();
        foreach (var indicator in catalogue.Indicators)
        {
            if (indicator.Unit != unit) continue;
            var measure = Measure.Of(indicator);
            if (measure.Kind is not (StatisticKind.Count or StatisticKind.Percentage)) continue;
            foreach (var condition in SummarySql.MeasureConditions(measure, catalogue))
                if (!list.Contains(condition)) list.Add(condition);
        }
        return list;
    }
}
