using System.Globalization;
using System.Text;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Summaries;

/// <summary>
/// The SQL of summary tables: which conditions a measure counts, the query that adds up one province's records
/// by village and keys, and the one that rolls those rows up to each summary. Column names: the four region
/// code columns, <c>d_&lt;dimension id&gt;</c> for each dimension key, and <c>c&lt;i&gt;_n</c> / <c>c&lt;i&gt;_k</c>
/// for the count and the record-key sum of condition i. Pure.
/// </summary>
public static class SummarySql
{
    /// <summary>The region code columns of every summary, outermost first.</summary>
    public static readonly IReadOnlyList<string> RegionColumns =
        [RegionLevel.Province.ColumnName(), RegionLevel.Regency.ColumnName(), RegionLevel.District.ColumnName(), RegionLevel.Village.ColumnName()];

    /// <summary>
    /// The conditions (SQL text) a count or percentage measure counts: a count its numerator; a percentage its
    /// denominator, then denominator-and-numerator. The scan plan counts exactly these expressions, so a summary
    /// column and a scan count of the same text are the same number.
    /// </summary>
    /// <param name="forFilter">Written for a place where NULL counts as false (a scan's FILTER or grouping column):
    /// without the <c>coalesce(…, false)</c> around each test outside a NOT (<see cref="SqlCompiler.Predicate"/>).
    /// Summaries are matched by the text written without it.</param>
    public static IReadOnlyList<string> MeasureConditions(Measure measure, IndicatorCatalogue catalogue, bool forFilter = false)
    {
        ArgumentNullException.ThrowIfNull(measure);
        string Sql(Condition c) => forFilter ? SqlCompiler.Predicate(c, catalogue) : SqlCompiler.Condition(c, catalogue);
        switch (measure.Kind)
        {
            case StatisticKind.Count:
                return [Sql(measure.Numerator)];
            case StatisticKind.Percentage:
                var denominator = Sql(measure.Denominator!);
                return [denominator, $"({denominator} AND {Sql(measure.Numerator)})"];
            default:
                throw new ArgumentException($"{measure.Id} is a {measure.Kind}: only counts and percentages are summarised", nameof(measure));
        }
    }

    /// <summary>The SQL key of a dimension as the scan computes it (and the summary stores it).</summary>
    public static string DimensionKey(Dimension dimension, IndicatorCatalogue catalogue) => SqlCompiler.DimensionKey(dimension, catalogue);

    /// <summary>The SQL of a unit's universe condition.</summary>
    public static string Universe(Unit unit, IndicatorCatalogue catalogue) => SqlCompiler.Condition(catalogue.UniverseOf(unit), catalogue);

    /// <summary>The summary column of a dimension.</summary>
    public static string DimensionColumn(string dimensionId) => "d_" + dimensionId;

    /// <summary>The count column of condition <paramref name="index"/>.</summary>
    public static string CountColumn(int index) => "c" + index.ToString(CultureInfo.InvariantCulture) + "_n";

    /// <summary>The record-key sum column of condition <paramref name="index"/>.</summary>
    public static string KeySumColumn(int index) => "c" + index.ToString(CultureInfo.InvariantCulture) + "_k";

    /// <summary>
    /// The SELECT that computes one province's finest summary rows for every summary in <paramref name="specs"/> (all of
    /// one unit) from the records in ONE pass: each record's conditions are evaluated once and added up by village ×
    /// the union of the summaries' dimensions. Each summary then follows from this table by <see cref="Rollup"/>: at
    /// full scale a village of some 3,000 persons has a few hundred distinct key combinations, so the table is an
    /// order of magnitude smaller than the records. Parameters: $1 the partition glob, $2 the province code.
    /// </summary>
    public static (string Sql, IReadOnlyList<QueryParameter> Parameters) Build(
        IReadOnlyList<SummarySpec> specs, IReadOnlyList<string> conditions, IndicatorCatalogue catalogue, DatasetPartitions dataset, int province)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(conditions);
        if (specs.Count == 0 || specs.Any(s => s.Unit != specs[0].Unit))
            throw new ArgumentException("one or more summaries, all of one unit", nameof(specs));
        var unit = specs[0].Unit;
        var all = AllDimensions(specs);
        var keys = new List<string>(RegionColumns);
        keys.AddRange(all.Select(d => DimensionColumn(d.Id)));
        var select = new List<string>(RegionColumns);
        select.AddRange(all.Select(d => $"{DimensionKey(d, catalogue)} AS {DimensionColumn(d.Id)}"));
        for (int i = 0; i < conditions.Count; i++)
        {
            select.Add($"count(*) FILTER (WHERE {conditions[i]}) AS {CountColumn(i)}");
            select.Add($"CAST(coalesce(sum(record_key) FILTER (WHERE {conditions[i]}), 0) AS BIGINT) AS {KeySumColumn(i)}");
        }
        var sql = new StringBuilder();
        sql.Append("SELECT ").AppendJoin(",\n  ", select).Append('\n');
        sql.Append("FROM read_parquet($1, ").Append(DatasetLayout.HiveOptions).Append(")\n");
        sql.Append("WHERE ").Append(RegionLevel.Province.ColumnName()).Append(" = $2 AND ").Append(Universe(unit, catalogue)).Append('\n');
        sql.Append("GROUP BY ").AppendJoin(", ", keys);
        var glob = dataset.Glob(unit.Table(), RegionCode.Parse(province.ToString(CultureInfo.InvariantCulture)));
        return (sql.ToString(), [new StringParameter(glob), new Int64Parameter(province)]);
    }

    /// <summary>
    /// The SELECT that gives <paramref name="spec"/>'s rows, ordered by region and keys, by adding up finer summary
    /// rows from <paramref name="source"/> (a table name, or a table function such as <c>read_parquet($1)</c>): exact,
    /// because counts and key sums add. <paramref name="conditionCount"/> is the number of conditions of both.
    /// </summary>
    public static string Rollup(SummarySpec spec, int conditionCount, string source)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var keys = new List<string>(RegionColumns);
        keys.AddRange(spec.Dimensions.Select(d => DimensionColumn(d.Id)));
        var select = new List<string>(keys);
        for (int i = 0; i < conditionCount; i++)
        {
            select.Add($"CAST(sum({CountColumn(i)}) AS BIGINT) AS {CountColumn(i)}");
            select.Add($"CAST(sum({KeySumColumn(i)}) AS BIGINT) AS {KeySumColumn(i)}");
        }
        var sql = new StringBuilder();
        sql.Append("SELECT ").AppendJoin(",\n  ", select).Append('\n');
        sql.Append("FROM ").Append(source).Append('\n');
        sql.Append("GROUP BY ").AppendJoin(", ", keys).Append('\n');
        sql.Append("ORDER BY ").AppendJoin(", ", keys);
        return sql.ToString();
    }

    /// <summary>A distribution's value column.</summary>
    public const string ValueColumn = "v";

    /// <summary>The region code columns of a distribution (by regency).</summary>
    public static readonly IReadOnlyList<string> DistributionRegionColumns = [RegionLevel.Province.ColumnName(), RegionLevel.Regency.ColumnName()];

    /// <summary>
    /// The values a statistic of <paramref name="numeric"/> reads (SQL) and the condition a record must meet to count
    /// (besides its value not being null): the numeric's own condition and the measure's. The scan plan computes
    /// percentiles of exactly these expressions, so a distribution recorded with the same text holds the same values.
    /// </summary>
    public static (string Values, string Condition) NumericValues(NumericVariable numeric, Condition measureCondition, IndicatorCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(numeric);
        return (SqlCompiler.Numeric(numeric.Expression), SqlCompiler.Condition(new AllCondition([numeric.Where, measureCondition]), catalogue));
    }

    /// <summary>
    /// The SELECT that computes one province's rows of the distribution <paramref name="spec"/>: one row per regency ×
    /// dimension keys × value, with how many records have that value (<c>c0_n</c>) and the sum of their record keys
    /// (<c>c0_k</c>). Records of the universe whose value is null or that fail the numeric's condition give a row with a
    /// null value and a zero count, so that every group the scan would form is there. Exact percentiles of any
    /// region at regency level or above, by any subset of the dimensions, follow from these rows (see the planner).
    /// Parameters: $1 the partition glob, $2 the province code.
    /// </summary>
    public static (string Sql, IReadOnlyList<QueryParameter> Parameters) BuildDistribution(
        SummarySpec spec, IndicatorCatalogue catalogue, DatasetPartitions dataset, int province)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Numeric is not { } numeric) throw new ArgumentException($"{spec.Name} is not a distribution", nameof(spec));
        var (values, condition) = NumericValues(numeric, TrueCondition.Instance, catalogue);
        var included = $"(({condition}) AND ({values}) IS NOT NULL)";
        var keys = new List<string>(DistributionRegionColumns);
        keys.AddRange(spec.Dimensions.Select(d => DimensionColumn(d.Id)));
        keys.Add(ValueColumn);
        var select = new List<string>(DistributionRegionColumns);
        select.AddRange(spec.Dimensions.Select(d => $"{DimensionKey(d, catalogue)} AS {DimensionColumn(d.Id)}"));
        select.Add($"CASE WHEN {included} THEN {values} END AS {ValueColumn}");
        select.Add($"count(*) FILTER (WHERE {included}) AS {CountColumn(0)}");
        select.Add($"CAST(coalesce(sum(record_key) FILTER (WHERE {included}), 0) AS BIGINT) AS {KeySumColumn(0)}");
        var sql = new StringBuilder();
        sql.Append("SELECT ").AppendJoin(",\n  ", select).Append('\n');
        sql.Append("FROM read_parquet($1, ").Append(DatasetLayout.HiveOptions).Append(")\n");
        sql.Append("WHERE ").Append(RegionLevel.Province.ColumnName()).Append(" = $2 AND ").Append(Universe(spec.Unit, catalogue)).Append('\n');
        sql.Append("GROUP BY ").AppendJoin(", ", keys).Append('\n');
        sql.Append("ORDER BY ").AppendJoin(", ", keys);
        var glob = dataset.Glob(spec.Unit.Table(), RegionCode.Parse(province.ToString(CultureInfo.InvariantCulture)));
        return (sql.ToString(), [new StringParameter(glob), new Int64Parameter(province)]);
    }

    private static List<Dimension> AllDimensions(IReadOnlyList<SummarySpec> specs) =>
        specs.SelectMany(s => s.Dimensions).Distinct().ToList();
}
