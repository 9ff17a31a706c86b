using System.Globalization;
using Regsosek.Core;

namespace Regsosek.Catalogue.Summaries;

/// <summary>
/// One summary table on disk, as its manifest describes it: what it was built from (universe, dimension keys and
/// conditions, all as SQL text) and where its files are (one per province, <c>p&lt;code&gt;.parquet</c>).
/// </summary>
/// <param name="Name">Its name (and directory name).</param>
/// <param name="Unit">Persons or families.</param>
/// <param name="Universe">The unit's universe condition it was built under (SQL text).</param>
/// <param name="DimensionKeys">Dimension id → the SQL key it stored in <c>d_&lt;id&gt;</c>.</param>
/// <param name="Conditions">The counted conditions, in column order (SQL text).</param>
/// <param name="Directory">Absolute directory of its files, forward slashes.</param>
/// <param name="Provinces">Provinces that have a file.</param>
/// <param name="Rows">Rows over all its files (the planner prefers the smallest summary that covers a request).</param>
/// <param name="Values">A distribution's values (SQL text of the numeric), counted by regency in column <c>v</c> under its one
/// condition; null for a count summary (by village).</param>
public sealed record PreparedSummary(
    string Name, Unit Unit, string Universe, IReadOnlyDictionary<string, string> DimensionKeys,
    IReadOnlyList<string> Conditions, string Directory, IReadOnlySet<int> Provinces, long Rows, string? Values = null)
{
    /// <summary>The finest region level of its rows: villages for a count summary, regencies for a distribution.</summary>
    public RegionLevel Finest => Values is null ? RegionLevel.Village : RegionLevel.Regency;

    /// <summary>The file name of a province's part.</summary>
    public static string FileName(int province) => "p" + province.ToString(CultureInfo.InvariantCulture) + ".parquet";

    /// <summary>The glob of the files holding <paramref name="scope"/>: its province's file, or every file.</summary>
    public string Glob(RegionCode scope)
    {
        if (scope.Level != RegionLevel.National)
        {
            int province = (int)scope.AncestorAt(RegionLevel.Province).Numeric;
            if (Provinces.Contains(province)) return Directory + "/" + FileName(province);
        }
        return Directory + "/p*.parquet";
    }

    /// <summary>The column index of a condition's count and key sum, or -1 when this summary does not count it.</summary>
    public int ConditionIndex(string conditionSql)
    {
        for (int i = 0; i < Conditions.Count; i++)
            if (string.Equals(Conditions[i], conditionSql, StringComparison.Ordinal)) return i;
        return -1;
    }
}

/// <summary>
/// The summary tables prepared for the dataset being served (<c>regsosek dataset prepare</c>), checked to belong to
/// it. The planner asks <see cref="Cover"/> for the smallest summary holding everything a request needs; a summary
/// is used only where its recorded SQL — universe, dimension keys, conditions — is the catalogue's current SQL, so
/// a changed definition is never answered from an old summary: the request reads the records instead.
/// </summary>
public sealed class PreparedSummaries(IReadOnlyList<PreparedSummary> summaries)
{
    /// <summary>No summaries: every request reads the records.</summary>
    public static PreparedSummaries None { get; } = new([]);

    /// <summary>Every prepared summary.</summary>
    public IReadOnlyList<PreparedSummary> All { get; } = summaries ?? throw new ArgumentNullException(nameof(summaries));

    /// <summary>
    /// The smallest summary (fewest rows, then fewest dimensions) of <paramref name="unit"/> that holds every dimension of <paramref name="dimensions"/>
    /// (grouped or filtered; the region is in every summary) with the catalogue's key and every condition of
    /// <paramref name="conditions"/>, built under the catalogue's universe; null when none does.
    /// </summary>
    public PreparedSummary? Cover(IndicatorCatalogue catalogue, Unit unit, IReadOnlyList<Dimension> dimensions, IReadOnlyList<string> conditions)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        if (All.Count == 0) return null;
        var universe = SummarySql.Universe(unit, catalogue);
        PreparedSummary? best = null;
        foreach (var summary in All)
        {
            if (summary.Values is not null || !Holds(summary, catalogue, unit, universe, dimensions)) continue;
            if (!conditions.All(c => summary.ConditionIndex(c) >= 0)) continue;
            if (best is null || Smaller(summary, best)) best = summary;
        }
        return best;
    }

    /// <summary>
    /// The smallest distribution of <paramref name="unit"/> whose values are <paramref name="values"/> counted under
    /// <paramref name="condition"/> (SQL text, as <see cref="SummarySql.NumericValues"/> writes them) and that holds every
    /// dimension of <paramref name="dimensions"/> with the catalogue's key; null when none does. A distribution is by
    /// regency: the caller checks that the request's regions are regencies or above.
    /// </summary>
    public PreparedSummary? CoverValues(IndicatorCatalogue catalogue, Unit unit, string values, string condition, IReadOnlyList<Dimension> dimensions)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        if (All.Count == 0) return null;
        var universe = SummarySql.Universe(unit, catalogue);
        PreparedSummary? best = null;
        foreach (var summary in All)
        {
            if (!string.Equals(summary.Values, values, StringComparison.Ordinal) || !Holds(summary, catalogue, unit, universe, dimensions)) continue;
            if (summary.Conditions.Count != 1 || !string.Equals(summary.Conditions[0], condition, StringComparison.Ordinal)) continue;
            if (best is null || Smaller(summary, best)) best = summary;
        }
        return best;
    }

    private static bool Holds(PreparedSummary summary, IndicatorCatalogue catalogue, Unit unit, string universe, IReadOnlyList<Dimension> dimensions) =>
        summary.Unit == unit && summary.Provinces.Count > 0 && string.Equals(summary.Universe, universe, StringComparison.Ordinal)
        && dimensions.All(d => summary.DimensionKeys.TryGetValue(d.Id, out var key)
                               && string.Equals(key, SummarySql.DimensionKey(d, catalogue), StringComparison.Ordinal));

    private static bool Smaller(PreparedSummary summary, PreparedSummary best) =>
        summary.Rows < best.Rows || (summary.Rows == best.Rows && summary.DimensionKeys.Count < best.DimensionKeys.Count);
}
