using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Schema;

namespace Regsosek.Catalogue;

/// <summary>
/// The indicator catalogue: indicators, numerics and dimensions, loaded from the embedded
/// schema/indicators.yaml and schema/dimensions.yaml and validated against the data dictionary.
/// Immutable and thread-safe.
/// </summary>
public sealed class IndicatorCatalogue
{
    private readonly Dictionary<string, Indicator> _indicators;
    private readonly Dictionary<string, NumericVariable> _numerics;
    private readonly Dictionary<string, Dimension> _dimensions;
    private readonly IReadOnlyDictionary<Unit, Condition> _universes;

    internal IndicatorCatalogue(IReadOnlyList<Indicator> indicators, IReadOnlyList<NumericVariable> numerics,
        IReadOnlyList<Dimension> dimensions, IReadOnlyDictionary<Unit, Condition> universes)
    {
        Indicators = indicators;
        Numerics = numerics;
        Dimensions = dimensions;
        _universes = universes;
        _indicators = indicators.ToDictionary(i => i.Id, StringComparer.Ordinal);
        _numerics = numerics.ToDictionary(n => n.Id, StringComparer.Ordinal);
        _dimensions = dimensions.ToDictionary(d => d.Id, StringComparer.Ordinal);
    }

    /// <summary>Loads the embedded catalogue and validates it against <paramref name="dictionary"/>.</summary>
    /// <exception cref="CatalogueException">An entry is invalid; the message names it.</exception>
    public static IndicatorCatalogue Load(DataDictionary dictionary) =>
        Load(dictionary, ReadResource("indicators.yaml"), ReadResource("dimensions.yaml"));

    /// <summary>Loads a catalogue from YAML texts (tests, tools) and validates it against <paramref name="dictionary"/>.</summary>
    /// <exception cref="CatalogueException">An entry is invalid; the message names it.</exception>
    public static IndicatorCatalogue Load(DataDictionary dictionary, string indicatorsYaml, string dimensionsYaml)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        return CatalogueLoader.Load(dictionary, indicatorsYaml, dimensionsYaml);
    }

    /// <summary>The embedded YAML text of "indicators.yaml" or "dimensions.yaml".</summary>
    public static string ReadResource(string fileName)
    {
        using var stream = typeof(IndicatorCatalogue).Assembly.GetManifestResourceStream($"Regsosek.Catalogue.{fileName}")
            ?? throw new CatalogueException(fileName, "not embedded in the Regsosek.Catalogue assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Every indicator, in catalogue order.</summary>
    public IReadOnlyList<Indicator> Indicators { get; }

    /// <summary>Every numeric (for Percentiles and "numeric:statistic" measures), in catalogue order.</summary>
    public IReadOnlyList<NumericVariable> Numerics { get; }

    /// <summary>Every dimension, in catalogue order (region first).</summary>
    public IReadOnlyList<Dimension> Dimensions { get; }

    /// <summary>The records of <paramref name="unit"/> that count at all (persons: 404 = 1 or 5).</summary>
    public Condition UniverseOf(Unit unit) => _universes[unit];

    /// <summary>Finds an indicator by id.</summary>
    public bool TryGetIndicator(string id, [NotNullWhen(true)] out Indicator? indicator) => _indicators.TryGetValue(id, out indicator);

    /// <summary>Finds a numeric by id.</summary>
    public bool TryGetNumeric(string id, [NotNullWhen(true)] out NumericVariable? numeric) => _numerics.TryGetValue(id, out numeric);

    /// <summary>
    /// The one dictionary column a dimension's key is computed from (a column dimension's; the variable every test of
    /// a CASE reads, numerics expanded to their columns: age bands over r407), or null (a region, or several columns).
    /// </summary>
    internal string? SingleColumnOf(Dimension dimension) =>
        dimension.IsRegion ? null : CatalogueLoader.DimensionColumns(dimension, _numerics) is { Count: 1 } columns ? columns.First() : null;

    /// <summary>Finds a dimension by id.</summary>
    public bool TryGetDimension(string id, [NotNullWhen(true)] out Dimension? dimension) => _dimensions.TryGetValue(id, out dimension);

    /// <summary>
    /// Resolves a measure name: an indicator id, or "&lt;numeric&gt;:&lt;statistic&gt;" (see <see cref="Measure"/>).
    /// On failure <paramref name="error"/> says what to fix.
    /// </summary>
    public bool TryResolveMeasure(string? name, [NotNullWhen(true)] out Measure? measure, [NotNullWhen(false)] out string? error)
    {
        measure = null;
        if (string.IsNullOrEmpty(name))
        {
            error = "a measure is empty; name an indicator (see ListIndicators) or a numeric statistic such as 'age:p50'";
            return false;
        }
        var colon = name.IndexOf(':');
        if (colon < 0)
        {
            if (_indicators.TryGetValue(name, out var indicator))
            {
                measure = Measure.Of(indicator);
                error = null;
                return true;
            }
            error = _numerics.ContainsKey(name)
                ? $"'{Shorten(name)}' is a numeric; ask for a statistic of it, e.g. '{name}:mean' or '{name}:p50'"
                : $"unknown indicator '{Shorten(name)}'; see ListIndicators";
            return false;
        }
        var numericId = name[..colon];
        if (!_numerics.TryGetValue(numericId, out var numeric))
        {
            error = $"unknown numeric '{Shorten(numericId)}'; see ListIndicators for the numerics";
            return false;
        }
        if (!Measure.TryParseStatistic(name[(colon + 1)..], out var kind, out var p, out var statError))
        {
            error = $"'{Shorten(name)}': {statError}";
            return false;
        }
        measure = new Measure
        {
            Id = name,
            Kind = kind,
            Unit = numeric.Unit,
            Numerator = TrueCondition.Instance,
            Numeric = numeric,
            Probability = p,
            Visibility = numeric.Visibility,
        };
        error = null;
        return true;
    }

    /// <summary>What the access policy needs to know about an indicator.</summary>
    public IndicatorAccess AccessOf(Indicator indicator) =>
        new(indicator.Id, indicator.Visibility.Open, indicator.Visibility.MinTier, indicator.Visibility.LowestLevel);

    /// <summary>What the access policy needs to know about a resolved measure (indicator or numeric statistic).</summary>
    public static IndicatorAccess AccessOf(Measure measure) =>
        new(measure.Id, measure.Visibility.Open, measure.Visibility.MinTier, measure.Visibility.LowestLevel);

    /// <summary>
    /// What the access policy needs to know about the dimensions of <paramref name="request"/> (issue 11, class 1):
    /// every group-by dimension (DesilDistribution's desil included, as <see cref="AggregateRequest.DesilDistribution"/>
    /// puts it first in GroupBy) and every filter dimension, with its minimum tier. Unknown ids are left out (the
    /// planner reports them as invalid); the region dimension is left out (the region rules govern it).
    /// </summary>
    public IReadOnlyList<DimensionAccess> DimensionAccessOf(AggregateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var list = new List<DimensionAccess>();
        foreach (var id in request.GroupBy ?? [])
            if (id is not null && _dimensions.TryGetValue(id, out var d) && !d.IsRegion)
                list.Add(new DimensionAccess(d.Id, d.MinTier, DimensionUse.GroupBy));
        foreach (var filter in request.Filters ?? [])
            if (filter?.Dimension is { } id && _dimensions.TryGetValue(id, out var d) && !d.IsRegion)
                list.Add(new DimensionAccess(d.Id, d.MinTier, DimensionUse.Filter));
        return list;
    }

    /// <summary>
    /// The category domain of each dimension of <paramref name="shape"/>, in its order, for
    /// <c>TableCompletion.Complete</c> (issue 11, class 3): a catalogue dimension's value codes, and for "region" the
    /// codes the caller gives (<paramref name="regionCodes"/>: every region at the breakdown level inside the effective
    /// region). The not-applicable code −1 is not added: rows the engine returns with it are kept by the completion.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension of the shape is not in the catalogue.</exception>
    public IReadOnlyList<IReadOnlyList<long>> CategoryDomains(Regsosek.Core.Aggregates.TableShape shape, IReadOnlyList<long> regionCodes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var domains = new List<IReadOnlyList<long>>(shape.Dimensions.Count);
        foreach (var id in shape.Dimensions)
        {
            if (!_dimensions.TryGetValue(id, out var d)) throw new ArgumentException($"unknown dimension '{Shorten(id)}'", nameof(shape));
            domains.Add(d.IsRegion ? regionCodes : d.Values.Select(v => v.Code).ToList());
        }
        return domains;
    }

    /// <summary>What the access policy needs to know about the numeric a measure summarises (issue 11, class 1);
    /// null for counts and percentages.</summary>
    public static VariableAccess? VariableAccessOf(Measure measure) =>
        measure.Numeric is { } n ? new VariableAccess(n.Id, n.Visibility.MinTier) : null;

    internal static string Shorten(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
