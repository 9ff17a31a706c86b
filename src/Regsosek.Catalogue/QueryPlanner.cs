using System.Text;
using Regsosek.Catalogue.Summaries;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Catalogue;

/// <summary>
/// Turns an <see cref="AggregateRequest"/> into ONE parameterised DuckDB query over the unit's
/// hive-partitioned Parquet table. The file glob covers only the scope's partitions (see
/// <see cref="DatasetPartitions"/>) and the region becomes equalities on the region columns;
/// dimensions are grouped with CUBE so that every margin comes back in the same query; each measure
/// gets its counts and record-key sums (for cell-key perturbation) or its statistic. SQL identifiers come only from the catalogue and the data
/// dictionary; every value the client controls is a bound parameter. Pure and thread-safe.
/// </summary>
public sealed class QueryPlanner(IndicatorCatalogue catalogue)
{
    /// <summary>At most this many dimensions (the region breakdown included): a cube of 4 has 16 grouping sets.</summary>
    public const int MaxDimensions = 4;

    /// <summary>At most this many measures in one request.</summary>
    public const int MaxMeasures = 32;

    /// <summary>At most this many values in one filter.</summary>
    public const int MaxFilterValues = 1000;

    /// <summary>The catalogue the planner reads.</summary>
    public IndicatorCatalogue Catalogue { get; } = catalogue;

    /// <summary>
    /// Plans <paramref name="request"/> over <paramref name="effectiveScope"/> — the region the access
    /// policy allowed (Allowed.EffectiveRegion), which the query covers exactly — reading the dataset
    /// in <paramref name="datasetDirectory"/>. <c>request.Region</c> is not read: the policy has turned it
    /// (or "my whole scope") into <paramref name="effectiveScope"/>. Region filters are checked again to lie
    /// strictly inside it.
    /// </summary>
    /// <exception cref="RequestValidationException">The request is invalid; the exception names the field.</exception>
    public QueryPlan PlanAggregate(AggregateRequest request, RegionCode effectiveScope, string datasetDirectory) =>
        PlanAggregate(request, effectiveScope, DatasetPartitions.Unscanned(datasetDirectory));

    /// <summary>
    /// As <see cref="PlanAggregate(AggregateRequest, RegionCode, string)"/>, reading only the partitions of
    /// <paramref name="effectiveScope"/> that <paramref name="dataset"/> lists (the glob is narrowed to the
    /// scope's province or regency directory; the region equalities still filter). When one of
    /// <paramref name="summaries"/> holds every count the request needs (see <see cref="PreparedSummaries.Cover"/>),
    /// the query reads that summary instead of the records: the same cells, the same numbers, from a table a
    /// thousand times smaller.
    /// </summary>
    /// <exception cref="RequestValidationException">The request is invalid; the exception names the field.</exception>
    public QueryPlan PlanAggregate(AggregateRequest request, RegionCode effectiveScope, DatasetPartitions dataset, PreparedSummaries? summaries = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataset);

        var measures = ResolveMeasures(request.Measures);
        var unit = measures[0].Unit;
        var dimensions = ResolveDimensions(request, effectiveScope, unit);
        var filters = ResolveFilters(request.Filters, effectiveScope, request.Breakdown, unit);
        var summary = summaries is null ? null : CoveringSummary(summaries, measures, unit, dimensions, filters);
        if (summary is null && summaries is not null && CoveringDistribution(summaries, measures, unit, effectiveScope, request.Breakdown, dimensions, filters) is { } distribution)
            return PlanFromDistribution(distribution, measures, effectiveScope, request.Breakdown, dimensions, filters);

        var sql = new SqlText();
        var globParam = sql.Add(new StringParameter(summary?.Glob(effectiveScope) ?? dataset.Glob(unit.Table(), effectiveScope)));

        // A scan whose measures are all counts and percentages first groups the records by their dimension keys and
        // condition columns (one count and one key sum a group), then adds those few rows up in the CUBE: the CUBE's
        // grouping sets and the measures' filters then run over groups instead of records.
        bool grouped = summary is null && measures.All(m => m.Kind is StatisticKind.Count or StatisticKind.Percentage);

        // Inner query: one row per record (or summary row) with its dimension keys, measure conditions and values. A
        // grouped scan groups a dimension whose key depends on one column (a region level, a dictionary variable, bands
        // of one variable such as age groups) by that column as stored, passed through under its own name, and makes
        // the key over it once a group (the grouping's select list): hashing a TINYINT is cheaper than a BIGINT key (or
        // a CASE) made on every record, and the CUBE adds up any groups that share a key (NULL and -1 both map to -1;
        // every age in a band to the band).
        var inner = new List<string>();
        var groupKeys = new List<string>();
        var middle = new List<string>();
        for (int i = 0; i < dimensions.Count; i++)
        {
            var stored = dimensions[i].IsRegion ? request.Breakdown!.Value.ColumnName()
                : summary is null ? Catalogue.SingleColumnOf(dimensions[i]) : null;
            var key = dimensions[i].IsRegion
                ? $"CAST({stored} AS BIGINT)"
                : summary is not null ? SummarySql.DimensionColumn(dimensions[i].Id) : SqlCompiler.ScanDimensionKey(dimensions[i], Catalogue);
            if (grouped && stored is not null)
            {
                if (!groupKeys.Contains(stored))
                {
                    inner.Add(stored); // two dimensions may read one column (two age bandings)
                    groupKeys.Add(stored);
                }
                middle.Add($"{key} AS d{i}");
                continue;
            }
            inner.Add($"{key} AS d{i}");
            groupKeys.Add($"d{i}");
            middle.Add($"d{i}");
        }
        var outer = new List<string>
        {
            dimensions.Count == 0 ? "CAST(0 AS BIGINT) AS grouping_id" : $"CAST(GROUPING({DimensionList(dimensions.Count)}) AS BIGINT) AS grouping_id",
        };
        for (int i = 0; i < dimensions.Count; i++) outer.Add($"d{i}");

        // Percentiles of the same values (same expression, same condition) share ONE quantile_cont over the list
        // of their probabilities: DuckDB computes an aggregate that occurs several times in a query once, so k
        // percentiles of a variable cost one pass and one sort instead of k.
        var groups = new Dictionary<string, PercentileGroup>(StringComparer.Ordinal);
        var groupOf = new PercentileGroup?[measures.Count];
        for (int m = 0; m < measures.Count; m++)
        {
            if (measures[m].Kind != StatisticKind.Percentile) continue;
            var (valuesSql, conditionSql) = SummarySql.NumericValues(measures[m].Numeric!, measures[m].Numerator, Catalogue);
            var key = valuesSql + "\n" + conditionSql;
            if (!groups.TryGetValue(key, out var group)) groups[key] = group = new PercentileGroup(valuesSql, conditionSql);
            group.Probabilities.Add(measures[m].Probability!.Value);
            groupOf[m] = group;
        }

        // Count and percentage conditions of the scan: one inner column per distinct condition, so measures sharing a
        // denominator (or a numerator) share its aggregates — DuckDB computes an aggregate that occurs several times
        // once — and a condition that is always true (every record of the unit) counts without a FILTER.
        var conditionColumns = new ConditionColumns(inner);
        string Keyed(string? condition) => grouped ? KeyedGroupSum(condition) : KeyedCount(condition);
        var layout = new List<MeasureLayout>();
        int column = 1 + dimensions.Count;
        for (int m = 0; m < measures.Count; m++)
        {
            var measure = measures[m];
            layout.Add(new MeasureLayout(measure.Kind, column, measure.Probability));
            column += MeasureLayout.ColumnCount(measure.Kind);
            var n = $"m{m}_n";
            switch (measure.Kind)
            {
                case StatisticKind.Count or StatisticKind.Percentage when summary is not null:
                    // The summary's columns of the same conditions: counts and key sums to add up.
                    // In layout order: a count's numerator; a percentage's numerator (denominator and numerator), then denominator.
                    var counted = SummarySql.MeasureConditions(measure, Catalogue);
                    (string Name, string Condition)[] columns = measure.Kind == StatisticKind.Count
                        ? [(n, counted[0])]
                        : [(n, counted[1]), ($"m{m}_d", counted[0])];
                    foreach (var (name, condition) in columns)
                    {
                        int index = summary.ConditionIndex(condition);
                        inner.Add($"{SummarySql.CountColumn(index)} AS {name}_c");
                        inner.Add($"{SummarySql.KeySumColumn(index)} AS {name}_k");
                        outer.Add($"CAST(coalesce(sum({name}_c), 0) AS BIGINT), CAST(coalesce(sum({name}_k), 0) AS BIGINT)");
                    }
                    break;
                case StatisticKind.Count:
                    outer.Add(Keyed(conditionColumns.ColumnOf(SummarySql.MeasureConditions(measure, Catalogue, forFilter: true)[0], n)));
                    break;
                case StatisticKind.Percentage:
                    var conditions = SummarySql.MeasureConditions(measure, Catalogue, forFilter: true);
                    outer.Add(Keyed(conditionColumns.ColumnOf(conditions[1], n)));
                    outer.Add(Keyed(conditionColumns.ColumnOf(conditions[0], $"m{m}_d")));
                    break;
                case StatisticKind.Percentile:
                    var shared = groupOf[m]!;
                    if (shared.Values is null)
                    {
                        // The group's first measure names the shared columns and the list parameter.
                        shared.Values = $"m{m}_v";
                        shared.Included = n;
                        inner.Add($"{shared.ValuesSql} AS {shared.Values}");
                        inner.Add($"({shared.ConditionSql} AND {shared.Values} IS NOT NULL) AS {n}");
                        shared.Parameter = sql.Add(new DoubleListParameter(shared.Probabilities.ToArray()));
                    }
                    outer.Add(KeyedCount(shared.Included!));
                    outer.Add($"list_extract(quantile_cont({shared.Values}, {shared.Parameter}) FILTER (WHERE {shared.Included}), {++shared.Used})");
                    break;
                default:
                    var v = $"m{m}_v";
                    var numeric = measure.Numeric!;
                    inner.Add($"{SqlCompiler.Numeric(numeric.Expression)} AS {v}");
                    inner.Add($"({SqlCompiler.Condition(new AllCondition([numeric.Where, measure.Numerator]), Catalogue)} AND {v} IS NOT NULL) AS {n}");
                    outer.Add(KeyedCount(n));
                    outer.Add(measure.Kind switch
                    {
                        StatisticKind.Mean => $"avg({v}) FILTER (WHERE {n}), max({v}) FILTER (WHERE {n}), list_extract(max({v}, 2) FILTER (WHERE {n}), 2)",
                        StatisticKind.Sum => $"sum({v}) FILTER (WHERE {n}), max({v}) FILTER (WHERE {n}), list_extract(max({v}, 2) FILTER (WHERE {n}), 2)",
                        StatisticKind.Min => $"min({v}) FILTER (WHERE {n})",
                        StatisticKind.Max => $"max({v}) FILTER (WHERE {n})",
                        _ => throw new InvalidOperationException($"statistic {measure.Kind} is not planned"),
                    });
                    break;
            }
        }
        if (summary is null) inner.Add("record_key");

        // WHERE: the region (partition pruning), the unit's universe (a summary holds only its records), the filters.
        var where = RegionWhere(sql, effectiveScope);
        var universe = Catalogue.UniverseOf(unit);
        if (summary is null && universe is not TrueCondition) where.Add(SqlCompiler.Condition(universe, Catalogue));
        where.AddRange(FilterWhere(sql, filters, summary is not null));

        var text = new StringBuilder();
        text.Append("SELECT ").AppendJoin(", ", outer).Append('\n');
        groupKeys.AddRange(conditionColumns.Names);
        middle.AddRange(conditionColumns.Names);
        if (grouped) text.Append("FROM (SELECT ").AppendJoin("", middle.Select(k => k + ", ")).Append("count(*) AS __c, sum(record_key) AS __k\n");
        text.Append("FROM (SELECT ").AppendJoin(", ", inner).Append('\n');
        text.Append("  FROM read_parquet(").Append(globParam).Append(summary is null ? ", " + DatasetLayout.HiveOptions : "").Append(")\n");
        if (where.Count > 0) text.Append("  WHERE ").AppendJoin("\n    AND ", where).Append('\n');
        if (grouped)
        {
            text.Append(") AS r");
            if (groupKeys.Count > 0) text.Append("\nGROUP BY ").AppendJoin(", ", groupKeys);
            text.Append('\n');
        }
        text.Append(") AS t");
        if (dimensions.Count > 0)
        {
            var list = DimensionList(dimensions.Count);
            text.Append("\nGROUP BY CUBE (").Append(list).Append(')');
            text.Append("\nORDER BY grouping_id DESC, ").Append(string.Join(", ", Enumerable.Range(0, dimensions.Count).Select(i => $"d{i} NULLS FIRST")));
        }

        var shape = ShapeOf(dimensions, measures);
        return new QueryPlan(text.ToString(), sql.Parameters, shape, layout)
        {
            Summary = summary?.Name,
            Lane = summary is null && effectiveScope.Level < RegionLevel.Regency ? QueryLane.Scan : QueryLane.Small,
        };
    }

    /// <summary>The exact table's shape: the dimensions' ids and each measure's id, statistic and unit.</summary>
    private static TableShape ShapeOf(List<Dimension> dimensions, List<Measure> measures) => new(
        dimensions.Select(d => d.Id).ToList(),
        measures.Select(m => new MeasureInfo(m.Id, m.Kind, m.ValueUnit) { Variable = m.Numeric?.Id }).ToList());

    /// <summary>The region equalities of <paramref name="scope"/> (the partition columns prune the files).</summary>
    private static List<string> RegionWhere(SqlText sql, RegionCode scope)
    {
        var where = new List<string>();
        foreach (var level in new[] { RegionLevel.Province, RegionLevel.Regency, RegionLevel.District, RegionLevel.Village })
        {
            if (level > scope.Level) break;
            where.Add($"{level.ColumnName()} = {sql.Add(new Int64Parameter(scope.AncestorAt(level).Numeric))}");
        }
        return where;
    }

    /// <summary>The filters as conditions on the records' keys, or on a summary's key columns when <paramref name="onSummary"/>.</summary>
    private IEnumerable<string> FilterWhere(SqlText sql, List<ResolvedFilter> filters, bool onSummary)
    {
        foreach (var filter in filters)
        {
            if (filter.Dimension.IsRegion)
            {
                var byLevel = filter.Regions.GroupBy(r => r.Level).OrderBy(g => g.Key)
                    .Select(g => $"list_contains({sql.Add(new Int64ListParameter(g.Select(r => r.Numeric).ToArray()))}, {g.Key.ColumnName()})");
                yield return $"({string.Join(" OR ", byLevel)})";
            }
            else
            {
                var key = onSummary ? SummarySql.DimensionColumn(filter.Dimension.Id) : SqlCompiler.ScanDimensionKey(filter.Dimension, Catalogue);
                yield return $"list_contains({sql.Add(new Int64ListParameter(filter.Values))}, {key})";
            }
        }
    }

    /// <summary>
    /// The smallest distribution from which every measure follows exactly: all are statistics of the same values under
    /// the same condition that a distribution gives exactly (see <see cref="FollowsFromDistribution"/>), every non-region
    /// dimension is in it, and every region of the request (scope, breakdown, region filters) is a regency or above (a
    /// distribution counts values by regency). Null otherwise.
    /// </summary>
    private PreparedSummary? CoveringDistribution(PreparedSummaries summaries, List<Measure> measures, Unit unit, RegionCode scope,
        RegionLevel? breakdown, List<Dimension> dimensions, List<ResolvedFilter> filters)
    {
        if (!measures.All(FollowsFromDistribution)) return null;
        var groups = measures.Select(m => SummarySql.NumericValues(m.Numeric!, m.Numerator, Catalogue)).Distinct().ToList();
        if (groups.Count != 1) return null;
        if (scope.Level > RegionLevel.Regency || breakdown > RegionLevel.Regency) return null;
        if (filters.Any(f => f.Dimension.IsRegion && f.Regions.Any(r => r.Level > RegionLevel.Regency))) return null;
        var needed = dimensions.Concat(filters.Select(f => f.Dimension)).Where(d => !d.IsRegion).Distinct().ToList();
        return summaries.CoverValues(Catalogue, unit, groups[0].Values, groups[0].Condition, needed);
    }

    /// <summary>
    /// Whether a distribution (each value with how many records have it) gives <paramref name="measure"/> exactly as the
    /// scan computes it: percentiles, minima and maxima are values of the distribution, whatever they are; a mean or a sum
    /// is Σ value × count, the scan's DOUBLE sum bit for bit only when every value is a whole number (then every partial
    /// sum is exact, in any order); the mean's largest and second largest values are order statistics again.
    /// </summary>
    private static bool FollowsFromDistribution(Measure measure) => measure.Kind switch
    {
        StatisticKind.Percentile or StatisticKind.Min or StatisticKind.Max => true,
        StatisticKind.Mean or StatisticKind.Sum => measure.Numeric!.IntegerValued,
        _ => false,
    };

    /// <summary>
    /// Percentiles, means, sums, minima and maxima from a distribution (values counted by regency × keys): the counts of
    /// each value are added up for every grouping set of the cube and a running count over the values in order finds
    /// order statistics. A percentile takes those at floor((n − 1)·p) and ceil((n − 1)·p) and interpolates them as
    /// DuckDB's <c>quantile_cont</c> does, to the last bit: lo·(1 − d) + hi·d with d = (n − 1)·p − floor((n − 1)·p)
    /// (measured against DuckDB 1.5: lo + (hi − lo)·d differs in the last bit for about one group in five). A sum is
    /// Σ value × count and a mean that over n (whole values only: <see cref="FollowsFromDistribution"/>); the largest value
    /// is the maximum and the second largest the order statistic at n − 2 (the largest again when two records share it,
    /// as the scan's <c>max(v, 2)</c>). The same cells, counts and key sums as the scan's query.
    /// </summary>
    private QueryPlan PlanFromDistribution(PreparedSummary distribution, List<Measure> measures, RegionCode scope, RegionLevel? breakdown,
        List<Dimension> dimensions, List<ResolvedFilter> filters)
    {
        var sql = new SqlText();
        var glob = sql.Add(new StringParameter(distribution.Glob(scope)));
        var keys = new List<string>();
        for (int i = 0; i < dimensions.Count; i++)
        {
            var key = dimensions[i].IsRegion ? $"CAST({breakdown!.Value.ColumnName()} AS BIGINT)" : SummarySql.DimensionColumn(dimensions[i].Id);
            keys.Add($"{key} AS d{i}");
        }
        var where = RegionWhere(sql, scope);
        where.AddRange(FilterWhere(sql, filters, onSummary: true));
        var list = DimensionList(dimensions.Count);
        var partition = dimensions.Count == 0 ? "gid" : "gid, " + list;
        var v = SummarySql.ValueColumn;

        var text = new StringBuilder();
        text.Append("WITH h AS (SELECT ").AppendJoin(", ", keys.Append($"{v}, {SummarySql.CountColumn(0)} AS n, {SummarySql.KeySumColumn(0)} AS k"))
            .Append("\n  FROM read_parquet(").Append(glob).Append(')');
        if (where.Count > 0) text.Append("\n  WHERE ").AppendJoin("\n    AND ", where);
        text.Append("),\n");
        text.Append(dimensions.Count == 0
            ? $"g AS (SELECT 0 AS gid, {v}, CAST(sum(n) AS BIGINT) AS n, CAST(sum(k) AS BIGINT) AS k FROM h GROUP BY {v}),\n"
            : $"g AS (SELECT GROUPING({list}) AS gid, {list}, {v}, CAST(sum(n) AS BIGINT) AS n, CAST(sum(k) AS BIGINT) AS k FROM h GROUP BY CUBE ({list}), {v}),\n");
        text.Append($"w AS (SELECT *, sum(n) OVER (PARTITION BY {partition} ORDER BY {v} ASC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,\n");
        text.Append($"  sum(n) OVER (PARTITION BY {partition}) AS total FROM g)\n");
        // Without dimensions: no GROUP BY, so that no rows at all still give the one (empty) cell, as the scan does.
        var outer = new List<string> { dimensions.Count == 0 ? "CAST(0 AS BIGINT) AS grouping_id" : "CAST(gid AS BIGINT) AS grouping_id" };
        for (int i = 0; i < dimensions.Count; i++) outer.Add($"d{i}");
        var layout = new List<MeasureLayout>();
        int column = 1 + dimensions.Count;
        foreach (var measure in measures)
        {
            layout.Add(new MeasureLayout(measure.Kind, column, measure.Probability));
            column += MeasureLayout.ColumnCount(measure.Kind);
            var counts = "CAST(coalesce(sum(n), 0) AS BIGINT), CAST(coalesce(sum(k), 0) AS BIGINT)";
            var largest = $"CAST(max({v}) AS DOUBLE)";
            var secondLargest = $"CASE WHEN any_value(total) >= 2 THEN CAST(min({v}) FILTER (WHERE cum > total - 2) AS DOUBLE) END";
            var total = $"CAST(sum({v} * n) AS DOUBLE)";
            switch (measure.Kind)
            {
                case StatisticKind.Percentile:
                    var p = sql.Add(new DoubleParameter(measure.Probability!.Value));
                    var rank = $"((total - 1) * {p})";
                    var lo = $"CAST(min({v}) FILTER (WHERE cum > floor({rank})) AS DOUBLE)";
                    var hi = $"CAST(min({v}) FILTER (WHERE cum > ceil({rank})) AS DOUBLE)";
                    var fraction = $"(any_value({rank}) - floor(any_value({rank})))";
                    outer.Add($"{counts}, CASE WHEN any_value(total) > 0 THEN {lo} * (1 - {fraction}) + {hi} * {fraction} END");
                    break;
                case StatisticKind.Mean:
                    outer.Add($"{counts}, CASE WHEN any_value(total) > 0 THEN {total} / CAST(any_value(total) AS DOUBLE) END, {largest}, {secondLargest}");
                    break;
                case StatisticKind.Sum:
                    outer.Add($"{counts}, {total}, {largest}, {secondLargest}");
                    break;
                case StatisticKind.Min:
                    outer.Add($"{counts}, CAST(min({v}) AS DOUBLE)");
                    break;
                case StatisticKind.Max:
                    outer.Add($"{counts}, {largest}");
                    break;
                default:
                    throw new InvalidOperationException($"statistic {measure.Kind} does not follow from a distribution");
            }
        }
        if (dimensions.Count == 0)
        {
            text.Append("SELECT ").AppendJoin(", ", outer).Append("\nFROM w");
        }
        else
        {
            // The scan's CUBE gives its grand total even over no records at all; every grouping set here includes the
            // value, so that one empty cell is added when no distribution row matched.
            var empty = new List<string> { $"CAST({(1 << dimensions.Count) - 1} AS BIGINT)" };
            empty.AddRange(Enumerable.Repeat("NULL", dimensions.Count));
            empty.AddRange(measures.Select(m => "CAST(0 AS BIGINT), CAST(0 AS BIGINT)" +
                string.Concat(Enumerable.Repeat(", CAST(NULL AS DOUBLE)", MeasureLayout.ColumnCount(m.Kind) - 2))));
            text.Append("SELECT * FROM (SELECT ").AppendJoin(", ", outer).Append("\nFROM w\nGROUP BY ").Append(partition);
            text.Append("\nUNION ALL SELECT ").AppendJoin(", ", empty).Append(" WHERE NOT EXISTS (SELECT 1 FROM h))");
            text.Append("\nORDER BY grouping_id DESC, ").Append(string.Join(", ", Enumerable.Range(0, dimensions.Count).Select(i => $"d{i} NULLS FIRST")));
        }

        var shape = ShapeOf(dimensions, measures);
        return new QueryPlan(text.ToString(), sql.Parameters, shape, layout) { Summary = distribution.Name };
    }

    /// <summary>The smallest prepared summary holding every count of <paramref name="measures"/> and every non-region
    /// dimension grouped or filtered on; null when a measure is not a count or percentage, or no summary covers them.</summary>
    private PreparedSummary? CoveringSummary(PreparedSummaries summaries, List<Measure> measures, Unit unit,
        List<Dimension> dimensions, List<ResolvedFilter> filters)
    {
        if (measures.Any(m => m.Kind is not (StatisticKind.Count or StatisticKind.Percentage))) return null;
        var needed = dimensions.Concat(filters.Select(f => f.Dimension)).Where(d => !d.IsRegion).Distinct().ToList();
        var conditions = measures.SelectMany(m => SummarySql.MeasureConditions(m, Catalogue)).Distinct().ToList();
        return summaries.Cover(Catalogue, unit, needed, conditions);
    }

    /// <summary>Percentile measures over the same values (<paramref name="valuesSql"/> where <paramref name="conditionSql"/>):
    /// their probabilities, in measure order, and the SQL names the first of them gives the shared columns.</summary>
    private sealed class PercentileGroup(string valuesSql, string conditionSql)
    {
        public string ValuesSql { get; } = valuesSql;
        public string ConditionSql { get; } = conditionSql;
        public List<double> Probabilities { get; } = [];
        public string? Values { get; set; }
        public string? Included { get; set; }
        public string? Parameter { get; set; }
        public int Used { get; set; }
    }

    /// <summary>A count and key sum over the grouped scan's groups (<c>__c</c>, <c>__k</c>): those meeting <paramref name="condition"/>, or all.</summary>
    private static string KeyedGroupSum(string? condition) => condition is null
        ? "CAST(coalesce(sum(__c), 0) AS BIGINT), CAST(coalesce(sum(__k), 0) AS BIGINT)"
        : $"CAST(coalesce(sum(__c) FILTER (WHERE {condition}), 0) AS BIGINT), CAST(coalesce(sum(__k) FILTER (WHERE {condition}), 0) AS BIGINT)";

    private static string KeyedCount(string? condition) => condition is null
        ? "count(*), CAST(coalesce(sum(record_key), 0) AS BIGINT)"
        : $"count(*) FILTER (WHERE {condition}), CAST(coalesce(sum(record_key) FILTER (WHERE {condition}), 0) AS BIGINT)";

    /// <summary>
    /// The scan's inner columns of count and percentage conditions, one per distinct condition text. <see cref="ColumnOf"/>
    /// gives the column of a condition (adding it under <c>name</c> the first time), or null for the condition
    /// <c>true</c>, which needs none.
    /// </summary>
    private sealed class ConditionColumns(List<string> inner)
    {
        private readonly Dictionary<string, string> _columns = new(StringComparer.Ordinal);

        /// <summary>The columns added, in order.</summary>
        public List<string> Names { get; } = [];

        public string? ColumnOf(string condition, string name)
        {
            if (condition == "true") return null;
            if (!_columns.TryGetValue(condition, out var column))
            {
                _columns[condition] = column = name;
                inner.Add($"{condition} AS {name}");
                Names.Add(name);
            }
            return column;
        }
    }

    private static string DimensionList(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"d{i}"));

    private List<Measure> ResolveMeasures(IReadOnlyList<string>? names)
    {
        if (names is null || names.Count == 0)
            throw new RequestValidationException("measures", "no measure; name at least one indicator (see ListIndicators)");
        if (names.Count > MaxMeasures)
            throw new RequestValidationException("measures", $"at most {MaxMeasures} measures in one request; got {names.Count}");
        var list = new List<Measure>(names.Count);
        for (int i = 0; i < names.Count; i++)
        {
            if (!Catalogue.TryResolveMeasure(names[i], out var measure, out var error))
                throw new RequestValidationException($"measures[{i}]", error);
            int first = list.FindIndex(m => m.Id == measure.Id);
            if (first >= 0)
                throw new RequestValidationException($"measures[{i}]", $"'{measure.Id}' is already asked for at measures[{first}]");
            if (list.Count > 0 && measure.Unit != list[0].Unit)
                throw new RequestValidationException($"measures[{i}]",
                    $"'{measure.Id}' is over {measure.Unit.Name()} but measures[0] '{list[0].Id}' is over {list[0].Unit.Name()}; ask for them in separate requests");
            list.Add(measure);
        }
        return list;
    }

    private List<Dimension> ResolveDimensions(AggregateRequest request, RegionCode scope, Unit unit)
    {
        var groupBy = request.GroupBy ?? [];
        int total = groupBy.Count + (request.Breakdown is null ? 0 : 1);
        if (total > MaxDimensions)
            throw new RequestValidationException("group_by", $"at most {MaxDimensions} dimensions (the region breakdown counts as one); got {total}");
        var list = new List<Dimension>(total);
        if (request.Breakdown is { } breakdown)
        {
            if (!Enum.IsDefined(breakdown) || breakdown <= scope.Level)
            {
                var below = Enum.GetValues<RegionLevel>().Where(l => l > scope.Level).ToList();
                throw new RequestValidationException("breakdown", below.Count == 0
                    ? $"the region {scope} is a village, which has no level below it; remove the breakdown"
                    : $"the breakdown must be a level below the region {scope} ({scope.Level}): {string.Join(", ", below)}");
            }
            Catalogue.TryGetDimension(Dimension.RegionId, out var region);
            list.Add(region!);
        }
        for (int i = 0; i < groupBy.Count; i++)
        {
            var id = groupBy[i];
            if (string.IsNullOrEmpty(id) || !Catalogue.TryGetDimension(id, out var dimension))
                throw new RequestValidationException($"group_by[{i}]", $"unknown dimension '{IndicatorCatalogue.Shorten(id ?? "")}'; see ListDimensions");
            if (dimension.IsRegion)
                throw new RequestValidationException($"group_by[{i}]", "break the region down with 'breakdown' (the region level), not in group_by");
            if (!dimension.AppliesTo(unit))
                throw new RequestValidationException($"group_by[{i}]", $"dimension '{id}' applies to {string.Join(" and ", dimension.Units.Select(u => u.Name()))}, and this request's measures are over {unit.Name()}");
            if (list.Contains(dimension))
                throw new RequestValidationException($"group_by[{i}]", $"dimension '{id}' is listed twice");
            list.Add(dimension);
        }
        return list;
    }

    private sealed record ResolvedFilter(Dimension Dimension, IReadOnlyList<long> Values, IReadOnlyList<RegionCode> Regions);

    private List<ResolvedFilter> ResolveFilters(IReadOnlyList<DimensionFilter>? filters, RegionCode scope, RegionLevel? breakdown, Unit unit)
    {
        var list = new List<ResolvedFilter>();
        if (filters is null) return list;
        for (int i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            var field = $"filters[{i}]";
            if (filter is null) throw new RequestValidationException(field, "empty filter");
            if (string.IsNullOrEmpty(filter.Dimension) || !Catalogue.TryGetDimension(filter.Dimension, out var dimension))
                throw new RequestValidationException($"{field}.dimension", $"unknown dimension '{IndicatorCatalogue.Shorten(filter.Dimension ?? "")}'; see ListDimensions");
            if (!dimension.AppliesTo(unit))
                throw new RequestValidationException($"{field}.dimension", $"dimension '{dimension.Id}' applies to {string.Join(" and ", dimension.Units.Select(u => u.Name()))}, and this request's measures are over {unit.Name()}");
            int first = list.FindIndex(f => f.Dimension == dimension);
            if (first >= 0)
                throw new RequestValidationException($"{field}.dimension", $"dimension '{dimension.Id}' is already filtered at filters[{first}]; put all its values in one filter");
            var values = filter.Values ?? [];
            if (values.Count == 0)
                throw new RequestValidationException($"{field}.values", $"no values; list the {(dimension.IsRegion ? "region codes" : "codes")} to keep");
            if (values.Count > MaxFilterValues)
                throw new RequestValidationException($"{field}.values", $"at most {MaxFilterValues} values; got {values.Count}");
            var regions = new List<RegionCode>();
            foreach (var value in values)
            {
                if (dimension.IsRegion)
                {
                    var code = ParseRegion(value, $"{field}.values");
                    if (code.Level <= scope.Level || !scope.Contains(code))
                        throw new RequestValidationException($"{field}.values", $"{value} is not a region inside {scope}; filter on regions below the requested region");
                    regions.Add(code);
                }
                else if (!dimension.HasValue(value))
                {
                    throw new RequestValidationException($"{field}.values",
                        $"{value} is not a code of dimension '{dimension.Id}' ({string.Join(", ", dimension.Values.Select(v => v.Code))}; {Dimension.NotApplicableCode} for not applicable)");
                }
            }
            list.Add(new ResolvedFilter(dimension, values.Distinct().ToArray(), regions));
        }
        return list;
    }

    private static RegionCode ParseRegion(long value, string field)
    {
        var digits = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!RegionCode.TryParse(digits, out var code, out var error) || value <= 0)
            throw new RequestValidationException(field, error ?? $"{value} is not a region code");
        return code;
    }

    /// <summary>Collects the numbered parameters of one query.</summary>
    private sealed class SqlText
    {
        public List<QueryParameter> Parameters { get; } = [];

        /// <summary>Adds a parameter and returns its placeholder ("$3").</summary>
        public string Add(QueryParameter parameter)
        {
            Parameters.Add(parameter);
            return "$" + Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
