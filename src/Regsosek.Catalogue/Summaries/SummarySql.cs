using System.Globalization;
using System.Text;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Summaries;

/// <summary>
/// The SQL of summary tables: which conditions a measure counts, the query that builds one province's summary
/// from the records, and the one that rolls a finer summary up to a coarser one. Column names: the four region
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
    public static IReadOnlyList<string> MeasureConditions(Measure measure, IndicatorCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(measure);
        switch (measure.Kind)
        {
            case StatisticKind.Count:
                return [SqlCompiler.Condition(measure.Numerator, catalogue)];
            case StatisticKind.Percentage:
                var denominator = SqlCompiler.Condition(measure.Denominator!, catalogue);
                return [denominator, $"({denominator} AND {SqlCompiler.Condition(measure.Numerator, catalogue)})"];
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

    /// <summary>The column of a combined build's result telling which summary a row belongs to (see <see cref="Build"/>).</summary>
    public const string SetColumn = "summary_set";

    /// <summary>
    /// The SELECT that computes one province's rows of every summary in <paramref name="specs"/> (all of one unit) from
    /// the records in ONE pass: each record's conditions are evaluated once, and DuckDB's GROUPING SETS add them up by
    /// village × each summary's dimensions. Column <see cref="SetColumn"/> tells the summaries' rows apart (see
    /// <see cref="Split"/>). Parameters: $1 the partition glob, $2 the province code.
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

        // Inner: one row per record, its keys and its conditions evaluated once.
        var inner = new List<string>(RegionColumns);
        inner.AddRange(all.Select(d => $"{DimensionKey(d, catalogue)} AS {DimensionColumn(d.Id)}"));
        inner.AddRange(conditions.Select((c, i) => $"{c} AS b{i}"));
        inner.Add("record_key");

        var keys = new List<string>(RegionColumns);
        keys.AddRange(all.Select(d => DimensionColumn(d.Id)));
        var outer = new List<string>(keys)
        {
            all.Count == 0 ? $"CAST(0 AS BIGINT) AS {SetColumn}" : $"CAST(GROUPING({string.Join(", ", all.Select(d => DimensionColumn(d.Id)))}) AS BIGINT) AS {SetColumn}",
        };
        for (int i = 0; i < conditions.Count; i++)
        {
            outer.Add($"count(*) FILTER (WHERE b{i}) AS {CountColumn(i)}");
            outer.Add($"CAST(coalesce(sum(record_key) FILTER (WHERE b{i}), 0) AS BIGINT) AS {KeySumColumn(i)}");
        }
        var region = string.Join(", ", RegionColumns);
        var sets = specs.Select(s => "(" + string.Join(", ", RegionColumns.Concat(s.Dimensions.Select(d => DimensionColumn(d.Id)))) + ")");

        var sql = new StringBuilder();
        sql.Append("SELECT ").AppendJoin(",\n  ", outer).Append('\n');
        sql.Append("FROM (SELECT ").AppendJoin(",\n    ", inner).Append('\n');
        sql.Append("  FROM read_parquet($1, ").Append(DatasetLayout.HiveOptions).Append(")\n");
        sql.Append("  WHERE ").Append(RegionLevel.Province.ColumnName()).Append(" = $2 AND ").Append(Universe(unit, catalogue)).Append(") AS t\n");
        sql.Append("GROUP BY GROUPING SETS (").AppendJoin(", ", sets).Append(')');
        var glob = dataset.Glob(unit.Table(), RegionCode.Parse(province.ToString(CultureInfo.InvariantCulture)));
        return (sql.ToString(), [new StringParameter(glob), new Int64Parameter(province)]);
    }

    /// <summary>
    /// The SELECT that takes <paramref name="spec"/>'s rows out of a combined build's result (a table named
    /// <paramref name="table"/>, built by <see cref="Build"/> for <paramref name="built"/>), ordered by region and keys.
    /// </summary>
    public static string Split(SummarySpec spec, IReadOnlyList<SummarySpec> built, int conditionCount, string table)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var all = AllDimensions(built);
        long set = 0;
        for (int i = 0; i < all.Count; i++)
            if (!spec.Dimensions.Contains(all[i])) set |= 1L << (all.Count - 1 - i);
        var keys = new List<string>(RegionColumns);
        keys.AddRange(spec.Dimensions.Select(d => DimensionColumn(d.Id)));
        var select = new List<string>(keys);
        for (int i = 0; i < conditionCount; i++)
        {
            select.Add(CountColumn(i));
            select.Add(KeySumColumn(i));
        }
        return $"SELECT {string.Join(", ", select)} FROM {table} WHERE {SetColumn} = {set.ToString(CultureInfo.InvariantCulture)} ORDER BY {string.Join(", ", keys)}";
    }

    private static List<Dimension> AllDimensions(IReadOnlyList<SummarySpec> specs) =>
        specs.SelectMany(s => s.Dimensions).Distinct().ToList();

    /// <summary>
    /// The SELECT that gives <paramref name="spec"/>'s rows by adding up a finer summary's file (parameter $1):
    /// exact, because counts and key sums add. <paramref name="conditionCount"/> is the number of conditions of both.
    /// </summary>
    public static string Rollup(SummarySpec spec, int conditionCount)
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
        sql.Append("FROM read_parquet($1)\n");
        sql.Append("GROUP BY ").AppendJoin(", ", keys).Append('\n');
        sql.Append("ORDER BY ").AppendJoin(", ", keys);
        return sql.ToString();
    }
}
