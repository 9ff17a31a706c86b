using System.Text.RegularExpressions;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;
using YamlDotNet.RepresentationModel;

namespace Regsosek.Catalogue;

/// <summary>Reads indicators.yaml and dimensions.yaml and checks them against the data dictionary.</summary>
internal static partial class CatalogueLoader
{
    private const string IndicatorsFile = "indicators.yaml";
    private const string DimensionsFile = "dimensions.yaml";

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex IdPattern();

    public static IndicatorCatalogue Load(DataDictionary dictionary, string indicatorsYaml, string dimensionsYaml)
    {
        var root = Yaml.LoadRoot(indicatorsYaml, IndicatorsFile);
        Yaml.RequireOnlyKeys(root, IndicatorsFile, "units", "conditions", "numerics", "indicators");

        var named = ReadNamedConditions(root);
        var numerics = new Dictionary<string, NumericVariable>(StringComparer.Ordinal);
        var universes = new Dictionary<Unit, Condition>();
        {
            // The unit universes may not use numerics; read them with an empty numeric set.
            var reader = new ConditionReader(dictionary, named, numerics);
            var units = Yaml.Map(Yaml.Get(root, "units"), $"{IndicatorsFile}: units", "'units'");
            foreach (var unit in new[] { Unit.Persons, Unit.Families })
            {
                var entry = $"{IndicatorsFile}: units.{unit.Name()}";
                var map = Yaml.Map(Yaml.Get(units, unit.Name()), entry, $"units.{unit.Name()}");
                Yaml.RequireOnlyKeys(map, entry, "table", "universe");
                if (Yaml.String(map, "table", entry) != TableNames.Of(unit.Table()))
                    throw new CatalogueException(entry, $"table must be {TableNames.Of(unit.Table())}");
                universes[unit] = Yaml.Get(map, "universe") is { } u ? reader.Read(u, unit, entry) : TrueCondition.Instance;
            }
        }

        foreach (var node in Yaml.Seq(Yaml.Get(root, "numerics"), $"{IndicatorsFile}: numerics", "'numerics'").Children)
        {
            var numeric = ReadNumeric(node, dictionary, named, numerics);
            if (!numerics.TryAdd(numeric.Id, numeric))
                throw new CatalogueException($"{IndicatorsFile}: numeric '{numeric.Id}'", "duplicate id");
        }

        var conditionReader = new ConditionReader(dictionary, named, numerics);
        CheckNamedConditions(named, conditionReader);

        var indicators = new List<Indicator>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in Yaml.Seq(Yaml.Get(root, "indicators"), $"{IndicatorsFile}: indicators", "'indicators'").Children)
        {
            var indicator = ReadIndicator(node, conditionReader, numerics);
            if (!seen.Add(indicator.Id))
                throw new CatalogueException($"{IndicatorsFile}: indicator '{indicator.Id}'", "duplicate id");
            if (numerics.ContainsKey(indicator.Id))
                throw new CatalogueException($"{IndicatorsFile}: indicator '{indicator.Id}'", "the id is also a numeric's id; ids must be unique across indicators and numerics");
            indicators.Add(indicator);
        }

        var dimensions = ReadDimensions(dimensionsYaml, dictionary, conditionReader);
        CheckDimensionTiers(dimensions, indicators, numerics);
        return new IndicatorCatalogue(indicators, numerics.Values.ToList(), dimensions, universes);
    }

    private static Dictionary<string, YamlNode> ReadNamedConditions(YamlMappingNode root)
    {
        var named = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (Yaml.Get(root, "conditions") is not { } node) return named;
        foreach (var (key, value) in Yaml.Map(node, $"{IndicatorsFile}: conditions", "'conditions'").Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!IdPattern().IsMatch(name))
                throw new CatalogueException($"{IndicatorsFile}: conditions", $"'{name}' is not a valid name (lower case, digits, _){Yaml.At(key)}");
            named[name] = value;
        }
        return named;
    }

    /// <summary>Each named condition must be valid for at least one unit, even when nothing uses it yet.</summary>
    private static void CheckNamedConditions(Dictionary<string, YamlNode> named, ConditionReader reader)
    {
        foreach (var (name, node) in named)
        {
            var entry = $"{IndicatorsFile}: condition '{name}'";
            // Report the unit whose table has the columns: its error is the informative one.
            var errors = new List<CatalogueException>();
            foreach (var unit in new[] { Unit.Persons, Unit.Families })
            {
                try
                {
                    reader.Read(node, unit, entry);
                    errors.Clear();
                    break;
                }
                catch (CatalogueException e)
                {
                    errors.Add(e);
                }
            }
            if (errors.Count > 0)
                throw errors.FirstOrDefault(e => !e.Message.Contains("unknown variable", StringComparison.Ordinal)) ?? errors[0];
        }
    }

    private static NumericVariable ReadNumeric(YamlNode node, DataDictionary dictionary, Dictionary<string, YamlNode> named,
        Dictionary<string, NumericVariable> numericsSoFar)
    {
        var map = Yaml.Map(node, $"{IndicatorsFile}: numerics", "a numeric");
        var id = ReadId(map, $"{IndicatorsFile}: numeric");
        var entry = $"{IndicatorsFile}: numeric '{id}'";
        Yaml.RequireOnlyKeys(map, entry, "id", "name_id", "name_en", "unit", "value_unit", "value", "where", "open", "min_tier", "lowest_level");
        var unit = ReadUnit(map, entry);
        var valueMap = Yaml.Map(Yaml.Get(map, "value"), entry, "'value'");
        NumericExpression expression;
        if (Yaml.Get(valueMap, "var") is not null)
        {
            Yaml.RequireOnlyKeys(valueMap, entry, "var");
            expression = new ColumnExpression(Yaml.String(valueMap, "var", entry));
        }
        else if (Yaml.Get(valueMap, "ratio") is { } ratio)
        {
            Yaml.RequireOnlyKeys(valueMap, entry, "ratio");
            var cols = ScalarList(ratio, entry, "'ratio'");
            if (cols.Count != 2) throw new CatalogueException(entry, "'ratio' needs [numerator, denominator]");
            expression = new RatioExpression(cols[0], cols[1]);
        }
        else if (Yaml.Get(valueMap, "sum") is { } sum)
        {
            Yaml.RequireOnlyKeys(valueMap, entry, "sum");
            var cols = ScalarList(sum, entry, "'sum'");
            if (cols.Count < 2) throw new CatalogueException(entry, "'sum' needs at least two columns");
            expression = new SumExpression(cols);
        }
        else
        {
            throw new CatalogueException(entry, "'value' needs one of var, ratio, sum");
        }
        bool integerValued = expression is not RatioExpression;
        foreach (var column in expression.Columns)
        {
            var v = ConditionReader.Lookup(dictionary, unit, column, entry);
            if (v.HasCodes)
                throw new CatalogueException(entry, $"{column} is a coded variable; a numeric needs a quantity (a count, an area, hours)");
            integerValued &= v.Type.IsInteger();
        }
        var where = Yaml.Get(map, "where") is { } w
            ? new ConditionReader(dictionary, named, numericsSoFar).Read(w, unit, entry)
            : TrueCondition.Instance;
        return new NumericVariable
        {
            Id = id,
            NameId = Yaml.String(map, "name_id", entry),
            NameEn = Yaml.String(map, "name_en", entry),
            Unit = unit,
            ValueUnit = Yaml.String(map, "value_unit", entry),
            Expression = expression,
            Where = where,
            Visibility = ReadVisibility(map, entry),
            IntegerValued = integerValued,
        };
    }

    private static Indicator ReadIndicator(YamlNode node, ConditionReader reader, Dictionary<string, NumericVariable> numerics)
    {
        var map = Yaml.Map(node, $"{IndicatorsFile}: indicators", "an indicator");
        var id = ReadId(map, $"{IndicatorsFile}: indicator");
        var entry = $"{IndicatorsFile}: indicator '{id}'";
        Yaml.RequireOnlyKeys(map, entry, "id", "name_id", "name_en", "definition", "source", "unit", "statistic",
            "numerator", "denominator", "where", "of", "p", "open", "min_tier", "lowest_level");
        var unit = ReadUnit(map, entry);
        var statistic = Yaml.String(map, "statistic", entry) switch
        {
            "count" => StatisticKind.Count,
            "percentage" => StatisticKind.Percentage,
            "mean" => StatisticKind.Mean,
            "sum" => StatisticKind.Sum,
            "percentile" => StatisticKind.Percentile,
            "min" => StatisticKind.Min,
            "max" => StatisticKind.Max,
            var s => throw new CatalogueException(entry, $"unknown statistic '{s}'; use count, percentage, mean, sum, percentile, min or max"),
        };

        Condition Optional(string key) => Yaml.Get(map, key) is { } n ? reader.Read(n, unit, $"{entry}, {key}") : TrueCondition.Instance;
        void Forbid(params string[] keys)
        {
            foreach (var k in keys)
                if (Yaml.Get(map, k) is not null)
                    throw new CatalogueException(entry, $"'{k}' does not apply to statistic '{Yaml.String(map, "statistic", entry)}'");
        }

        Condition numerator;
        Condition? denominator = null;
        NumericVariable? of = null;
        double? p = null;
        switch (statistic)
        {
            case StatisticKind.Count:
                Forbid("numerator", "denominator", "of", "p");
                numerator = Optional("where");
                break;
            case StatisticKind.Percentage:
                Forbid("where", "of", "p");
                if (Yaml.Get(map, "numerator") is null) throw new CatalogueException(entry, "a percentage needs 'numerator'");
                if (Yaml.Get(map, "denominator") is null) throw new CatalogueException(entry, "a percentage needs 'denominator' ({all: []} for every record)");
                numerator = Optional("numerator");
                denominator = Optional("denominator");
                break;
            default:
                Forbid("numerator", "denominator");
                var ofId = Yaml.String(map, "of", entry);
                if (!numerics.TryGetValue(ofId, out of))
                    throw new CatalogueException(entry, $"unknown numeric '{ofId}' in 'of'; see 'numerics'");
                if (of.Unit != unit)
                    throw new CatalogueException(entry, $"numeric '{ofId}' is over {of.Unit.Name()}, not {unit.Name()}");
                numerator = Optional("where");
                if (statistic == StatisticKind.Percentile)
                {
                    p = Yaml.Get(map, "p") is { } pn ? Yaml.Number(pn, entry, "'p'") : throw new CatalogueException(entry, "a percentile needs 'p' in (0, 1)");
                    if (p is not (> 0 and < 1)) throw new CatalogueException(entry, $"'p' must be in (0, 1), not {p}");
                }
                else
                {
                    Forbid("p");
                }
                break;
        }

        return new Indicator
        {
            Id = id,
            NameId = Yaml.String(map, "name_id", entry),
            NameEn = Yaml.String(map, "name_en", entry),
            Definition = Yaml.String(map, "definition", entry),
            Source = Yaml.String(map, "source", entry),
            Unit = unit,
            Statistic = statistic,
            Numerator = numerator,
            Denominator = denominator,
            Of = of,
            Probability = p,
            Visibility = ReadVisibility(map, entry),
        };
    }

    private static IReadOnlyList<Dimension> ReadDimensions(string yaml, DataDictionary dictionary, ConditionReader reader)
    {
        var root = Yaml.LoadRoot(yaml, DimensionsFile);
        Yaml.RequireOnlyKeys(root, DimensionsFile, "dimensions");
        var list = new List<Dimension>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in Yaml.Seq(Yaml.Get(root, "dimensions"), $"{DimensionsFile}: dimensions", "'dimensions'").Children)
        {
            var map = Yaml.Map(node, $"{DimensionsFile}: dimensions", "a dimension");
            var id = ReadId(map, $"{DimensionsFile}: dimension");
            var entry = $"{DimensionsFile}: dimension '{id}'";
            Yaml.RequireOnlyKeys(map, entry, "id", "name_id", "name_en", "units", "region", "column", "bands", "cases", "values", "min_tier", "tier_reason");
            if (!seen.Add(id)) throw new CatalogueException(entry, "duplicate id");
            var units = ScalarList(Yaml.Get(map, "units"), entry, "'units'").Select(u =>
                UnitExtensions.TryParse(u, out var unit) ? unit : throw new CatalogueException(entry, $"unknown unit '{u}'; use persons or families")).Distinct().ToList();
            if (units.Count == 0) throw new CatalogueException(entry, "'units' is empty");
            var kinds = new[] { "region", "column", "bands", "cases" }.Where(k => Yaml.Get(map, k) is not null).ToList();
            if (kinds.Count != 1)
                throw new CatalogueException(entry, "a dimension needs exactly one of region, column, bands, cases");
            if ((kinds[0] == "region") != (id == Dimension.RegionId))
                throw new CatalogueException(entry, $"the dimension with 'region: true' must have id '{Dimension.RegionId}', and only it");
            if (kinds[0] != "column" && Yaml.Get(map, "values") is not null)
                throw new CatalogueException(entry, "'values' applies to column dimensions only");

            DimensionExpression expression;
            IReadOnlyList<DimensionValue> values;
            switch (kinds[0])
            {
                case "region":
                    if (!Yaml.Bool(map, "region", entry, false)) throw new CatalogueException(entry, "'region' must be true");
                    expression = RegionDimension.Instance;
                    values = [];
                    break;
                case "column":
                    (expression, values) = ReadColumnDimension(map, units, dictionary, entry);
                    break;
                case "bands":
                    (expression, values) = ReadBands(Yaml.Map(Yaml.Get(map, "bands"), entry, "'bands'"), units, reader, entry);
                    break;
                default:
                    (expression, values) = ReadCases(Yaml.Seq(Yaml.Get(map, "cases"), entry, "'cases'"), units, reader, entry);
                    break;
            }
            if (values.Select(v => v.Code).Distinct().Count() != values.Count)
                throw new CatalogueException(entry, "duplicate value codes");
            if (values.Any(v => v.Code == Dimension.NotApplicableCode))
                throw new CatalogueException(entry, $"{Dimension.NotApplicableCode} is reserved for 'not applicable'");
            list.Add(new Dimension
            {
                Id = id,
                NameId = Yaml.String(map, "name_id", entry),
                NameEn = Yaml.String(map, "name_en", entry),
                Units = units,
                Expression = expression,
                Values = values,
                MinTier = ReadDimensionTier(map, entry, id),
                TierReason = Yaml.OptString(map, "tier_reason", entry),
            });
        }
        if (!seen.Contains(Dimension.RegionId))
            throw new CatalogueException(DimensionsFile, $"the '{Dimension.RegionId}' dimension (region: true) is missing");
        return list;
    }

    private static (DimensionExpression, IReadOnlyList<DimensionValue>) ReadColumnDimension(YamlMappingNode map, List<Unit> units,
        DataDictionary dictionary, string entry)
    {
        var column = Yaml.String(map, "column", entry);
        Variable? variable = null;
        foreach (var unit in units)
        {
            variable = ConditionReader.Lookup(dictionary, unit, column, entry);
            if (!variable.Type.IsInteger())
                throw new CatalogueException(entry, $"{column} is {variable.SqlType}; a column dimension needs an integer column");
        }
        List<DimensionValue> values;
        if (Yaml.Get(map, "values") is { } valuesNode)
        {
            values = [];
            foreach (var item in Yaml.Seq(valuesNode, entry, "'values'").Children)
            {
                var triple = Yaml.Seq(item, entry, "each value");
                if (triple.Children.Count != 3) throw new CatalogueException(entry, $"each value is [code, name_id, name_en]{Yaml.At(item)}");
                var code = Yaml.Number(triple.Children[0], entry, "a value's code");
                if (variable!.HasCodes ? variable.FindCode((int)code) is null
                        : code < (variable.Min ?? double.MinValue) || code > (variable.Max ?? double.MaxValue))
                    throw new CatalogueException(entry, $"value {code} is not a possible value of {column}");
                values.Add(new DimensionValue((long)code, ((YamlScalarNode)triple.Children[1]).Value ?? "", ((YamlScalarNode)triple.Children[2]).Value ?? ""));
            }
        }
        else
        {
            if (!variable!.HasCodes)
                throw new CatalogueException(entry, $"{column} has no code list in the dictionary; list the dimension's 'values'");
            values = variable.Codes.Select(c => new DimensionValue(c.Code, c.LabelId, c.LabelEn)).ToList();
        }
        return (new ColumnDimension(column), values);
    }

    private static (DimensionExpression, IReadOnlyList<DimensionValue>) ReadBands(YamlMappingNode map, List<Unit> units, ConditionReader reader, string entry)
    {
        Yaml.RequireOnlyKeys(map, entry, "var", "ranges");
        var column = Yaml.String(map, "var", entry);
        var cases = new List<(long, Condition)>();
        var values = new List<DimensionValue>();
        double previousHigh = double.NegativeInfinity;
        var ranges = Yaml.Seq(Yaml.Get(map, "ranges"), entry, "'ranges'").Children;
        for (int i = 0; i < ranges.Count; i++)
        {
            var pair = Yaml.Seq(ranges[i], entry, "each range");
            if (pair.Children.Count != 2) throw new CatalogueException(entry, $"each range is [low, high] (high null: no upper bound){Yaml.At(pair)}");
            var low = Yaml.Number(pair.Children[0], entry, "a range's low");
            bool open = Yaml.IsNull(pair.Children[1]);
            var high = open ? double.PositiveInfinity : Yaml.Number(pair.Children[1], entry, "a range's high");
            if (low > high || low <= previousHigh)
                throw new CatalogueException(entry, $"range {i + 1} [{low}, {(open ? "null" : high)}] must start above the previous one and not be empty");
            if (open && i != ranges.Count - 1)
                throw new CatalogueException(entry, "only the last range may be open (null)");
            previousHigh = high;
            // Build the YAML-equivalent condition through the reader so that it is validated like any other.
            var test = open
                ? new YamlMappingNode(new YamlScalarNode("var"), new YamlScalarNode(column), new YamlScalarNode("ge"), new YamlScalarNode(Format(low)))
                : new YamlMappingNode(new YamlScalarNode("var"), new YamlScalarNode(column), new YamlScalarNode("between"),
                    new YamlSequenceNode(new YamlScalarNode(Format(low)), new YamlScalarNode(Format(high))));
            Condition? when = null;
            foreach (var unit in units) when = reader.Read(test, unit, entry);
            cases.Add((i + 1, when!));
            var label = open ? $"{Format(low)}+" : low == high ? Format(low) : $"{Format(low)}-{Format(high)}";
            values.Add(new DimensionValue(i + 1, label, label));
        }
        if (cases.Count == 0) throw new CatalogueException(entry, "'ranges' is empty");
        return (new CaseDimension(cases), values);
    }

    private static (DimensionExpression, IReadOnlyList<DimensionValue>) ReadCases(YamlSequenceNode seq, List<Unit> units, ConditionReader reader, string entry)
    {
        var cases = new List<(long, Condition)>();
        var values = new List<DimensionValue>();
        foreach (var item in seq.Children)
        {
            var map = Yaml.Map(item, entry, "each case");
            Yaml.RequireOnlyKeys(map, entry, "code", "name_id", "name_en", "when");
            var code = Yaml.Number(Yaml.Get(map, "code") ?? throw new CatalogueException(entry, $"each case needs 'code'{Yaml.At(map)}"), entry, "'code'");
            if (code != Math.Floor(code)) throw new CatalogueException(entry, $"case code {code} must be an integer");
            Condition? when = null;
            foreach (var unit in units) when = reader.Read(Yaml.Get(map, "when"), unit, $"{entry}, case {code}");
            cases.Add(((long)code, when!));
            values.Add(new DimensionValue((long)code, Yaml.String(map, "name_id", entry), Yaml.String(map, "name_en", entry)));
        }
        if (cases.Count == 0) throw new CatalogueException(entry, "'cases' is empty");
        return (new CaseDimension(cases), values);
    }

    /// <summary>A dimension's min_tier: required (issue 11, class 1), 1–4; the region dimension is 1 (its limits are
    /// the region-level rules of the policy).</summary>
    private static Tier ReadDimensionTier(YamlMappingNode map, string entry, string id)
    {
        var text = Yaml.OptString(map, "min_tier", entry)
            ?? throw new CatalogueException(entry, "'min_tier' is missing: every dimension names the lowest tier that may group by or filter on it " +
                "(the tier of the indicators of its topic, or lower with a 'tier_reason')");
        if (!int.TryParse(text, out var t) || !TierExtensions.IsDefined(t))
            throw new CatalogueException(entry, $"min_tier must be 1, 2, 3 or 4, not '{text}'");
        if (id == Dimension.RegionId && t != 1)
            throw new CatalogueException(entry, "the region dimension's min_tier is 1: the tier limits of regions are the region-level rules");
        return (Tier)t;
    }

    /// <summary>
    /// Issue 11, class 1: a dimension follows the tier of the indicators of its topic. Its topic's indicators are those
    /// (and the numerics) whose numerator reads any variable the dimension reads (a denominator names a population,
    /// not a topic); a dimension below the highest of their tiers needs a
    /// 'tier_reason' saying why (a count grouped by it would otherwise rebuild that indicator), and a 'tier_reason' on a
    /// dimension that is not below them is stale and refused.
    /// </summary>
    private static void CheckDimensionTiers(IReadOnlyList<Dimension> dimensions, IReadOnlyList<Indicator> indicators,
        Dictionary<string, NumericVariable> numerics)
    {
        var readers = new List<(string What, Tier Tier, HashSet<string> Columns)>();
        foreach (var i in indicators)
        {
            var cols = new HashSet<string>(StringComparer.Ordinal);
            // The topic is what the indicator measures: its numerator (counts: its condition; statistics: the numeric
            // and its condition). A denominator only names the population (age 0-4 for stunting), not the topic.
            AddColumns(i.Numerator, cols, numerics);
            if (i.Of is { } of) AddNumeric(of, cols, numerics);
            readers.Add(($"indicator '{i.Id}'", i.Visibility.MinTier, cols));
        }
        foreach (var n in numerics.Values)
        {
            var cols = new HashSet<string>(StringComparer.Ordinal);
            AddNumeric(n, cols, numerics);
            readers.Add(($"numeric '{n.Id}'", n.Visibility.MinTier, cols));
        }
        foreach (var dim in dimensions)
        {
            if (dim.IsRegion) continue;
            var entry = $"{DimensionsFile}: dimension '{dim.Id}'";
            var cols = DimensionColumns(dim, numerics);
            var highest = readers.Where(r => r.Columns.Overlaps(cols)).OrderByDescending(r => r.Tier).FirstOrDefault();
            bool below = highest.What is not null && dim.MinTier < highest.Tier;
            if (below && string.IsNullOrWhiteSpace(dim.TierReason))
                throw new CatalogueException(entry,
                    $"min_tier {(int)dim.MinTier} is below tier {(int)highest.Tier} of {highest.What}, which reads the same variables " +
                    $"({string.Join(", ", cols.Intersect(highest.Columns).Order(StringComparer.Ordinal))}): a count grouped by this dimension " +
                    $"would rebuild it. Raise min_tier to {(int)highest.Tier}, or say why not in 'tier_reason'");
            if (!below && dim.TierReason is not null)
                throw new CatalogueException(entry, "'tier_reason' explains a min_tier below the tier of its topic's indicators, and this one is not below: remove it");
        }
    }

    /// <summary>The dictionary columns a dimension's key is computed from.</summary>
    public static HashSet<string> DimensionColumns(Dimension dimension, IReadOnlyDictionary<string, NumericVariable> numerics)
    {
        var cols = new HashSet<string>(StringComparer.Ordinal);
        switch (dimension.Expression)
        {
            case ColumnDimension c: cols.Add(c.Column); break;
            case CaseDimension cases: foreach (var (_, when) in cases.Cases) AddColumns(when, cols, numerics); break;
        }
        return cols;
    }

    private static void AddNumeric(NumericVariable n, HashSet<string> cols, IReadOnlyDictionary<string, NumericVariable> numerics)
    {
        foreach (var c in n.Expression.Columns) cols.Add(c);
        AddColumns(n.Where, cols, numerics);
    }

    private static void AddColumns(Condition condition, HashSet<string> cols, IReadOnlyDictionary<string, NumericVariable> numerics)
    {
        switch (condition)
        {
            case TestCondition { Operand: VariableOperand v }: cols.Add(v.Column); break;
            case TestCondition { Operand: NumericOperand n }:
                if (numerics.TryGetValue(n.NumericId, out var numeric)) AddNumeric(numeric, cols, numerics);
                break;
            case FlagCondition f: cols.Add(f.Column); break;
            case AllCondition a: foreach (var p in a.Parts) AddColumns(p, cols, numerics); break;
            case AnyCondition a: foreach (var p in a.Parts) AddColumns(p, cols, numerics); break;
            case NotCondition n: AddColumns(n.Inner, cols, numerics); break;
        }
    }

    private static string ReadId(YamlMappingNode map, string what)
    {
        var id = Yaml.OptString(map, "id", what) ?? throw new CatalogueException(what, $"an entry has no 'id'{Yaml.At(map)}");
        if (!IdPattern().IsMatch(id))
            throw new CatalogueException($"{what} '{id}'", "ids are lower case letters, digits and '_', starting with a letter, at most 64 characters");
        return id;
    }

    private static Unit ReadUnit(YamlMappingNode map, string entry)
    {
        var s = Yaml.String(map, "unit", entry);
        return UnitExtensions.TryParse(s, out var unit) ? unit : throw new CatalogueException(entry, $"unknown unit '{s}'; use persons or families");
    }

    private static Visibility ReadVisibility(YamlMappingNode map, string entry)
    {
        bool open = Yaml.Bool(map, "open", entry, false);
        var tierText = Yaml.OptString(map, "min_tier", entry);
        Tier tier;
        if (tierText is null) tier = open ? Tier.Public : Tier.Disaggregated;
        else if (int.TryParse(tierText, out var t) && TierExtensions.IsDefined(t)) tier = (Tier)t;
        else throw new CatalogueException(entry, $"min_tier must be 1, 2, 3 or 4, not '{tierText}'");
        if (open && tier != Tier.Public)
            throw new CatalogueException(entry, $"an open indicator is shown to the public, so its min_tier must be 1, not {(int)tier}");
        if (!open && tier == Tier.Public)
            throw new CatalogueException(entry, "min_tier 1 (the public) sees open entries only; set 'open: true' or min_tier 2");
        var levelText = Yaml.String(map, "lowest_level", entry);
        var level = levelText switch
        {
            "province" => RegionLevel.Province,
            "regency" => RegionLevel.Regency,
            "district" => RegionLevel.District,
            "village" => RegionLevel.Village,
            _ => throw new CatalogueException(entry, $"lowest_level must be province, regency, district or village, not '{levelText}'"),
        };
        return new Visibility(open, tier, level);
    }

    private static List<string> ScalarList(YamlNode? node, string entry, string what) =>
        Yaml.Seq(node, entry, what).Children
            .Select(n => (n as YamlScalarNode)?.Value ?? throw new CatalogueException(entry, $"{what} must list names{Yaml.At(n)}"))
            .ToList();

    private static string Format(double d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
