using System.Text;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The SQL of the k-anonymity report and of local suppression. Everything works on the <em>class table</em>: one
/// row per distinct combination of the quasi-identifiers in the staged records, with the original values (columns
/// named as in the dictionary), the current values after suppression (<see cref="Current"/>) and the number of
/// records (<see cref="Size"/>). Its size is bounded by the number of distinct combinations, not of records, so
/// suppression and the report never pass over the (wide) records again. k and the list length are bound as '$1'
/// and '$2'.
/// </summary>
internal static class KAnonymitySql
{
    /// <summary>Name of the class table's record count column (BIGINT).</summary>
    public const string Size = "__n";

    /// <summary>Name of the class table's current (possibly suppressed) value of quasi-identifier <paramref name="index"/>.</summary>
    public static string Current(int index) => "__v" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Creates the class table <paramref name="target"/> from the staged records: GROUP BY the quasi-identifiers (a
    /// NULL is a value of its own, as in a window PARTITION BY), with the current values equal to the originals.
    /// </summary>
    public static string Classes(string source, IReadOnlyList<string> qis, string target)
    {
        var cols = qis.Select(ExtractPlanner.Quote).ToList();
        return $"CREATE TABLE {target} AS SELECT {string.Join(", ", cols)}, " +
               $"{string.Join(", ", cols.Select((c, i) => $"{c} AS {Current(i)}"))}, CAST(count(*) AS BIGINT) AS {Size} " +
               $"FROM {source} GROUP BY {string.Join(", ", cols)}";
    }

    /// <summary>
    /// Local suppression on the class table, in one statement of one round per quasi-identifier: round r computes
    /// the size of every class over the current values (the sum of <see cref="Size"/> over the original
    /// combinations that now look alike) and, where it is below k ($1), sets the r-th variable of the suppression
    /// order to NULL. This is exactly <see cref="SuppressRecords"/> (a window count over the records) applied to
    /// the records: the decision depends only on a record's current values, so all records of an original
    /// combination always stay alike, and a class's record count is the sum of its combinations' sizes.
    /// </summary>
    public static string Suppress(string classes, int count, string target)
    {
        var partition = string.Join(", ", Enumerable.Range(0, count).Select(Current));
        var sql = new StringBuilder($"CREATE TABLE {target} AS\nWITH s0 AS (SELECT * FROM {classes})");
        for (int r = 0; r < count; r++)
        {
            var v = Current(r);
            sql.Append($",\ns{r + 1} AS (SELECT * REPLACE (CASE WHEN sum({Size}) OVER (PARTITION BY {partition}) < $1 THEN NULL ELSE {v} END AS {v}) FROM s{r})");
        }
        sql.Append($"\nSELECT * FROM s{count}");
        return sql.ToString();
    }

    /// <summary>
    /// The reference formulation of local suppression over the records themselves (the runner's before the class
    /// table; kept to check <see cref="Suppress"/> against): round r computes every record's class size with a
    /// window count over the quasi-identifiers and, where it is below k ($1), sets the r-th variable of the
    /// suppression order to NULL.
    /// </summary>
    public static string SuppressRecords(string source, IReadOnlyList<string> qis, string target)
    {
        var partition = string.Join(", ", qis.Select(ExtractPlanner.Quote));
        var sql = new StringBuilder($"CREATE TABLE {target} AS\nWITH s0 AS (SELECT * FROM {source})");
        for (int r = 0; r < qis.Count; r++)
        {
            var q = ExtractPlanner.Quote(qis[r]);
            sql.Append($",\ns{r + 1} AS (SELECT * REPLACE (CASE WHEN count(*) OVER (PARTITION BY {partition}) < $1 THEN NULL ELSE {q} END AS {q}) FROM s{r})");
        }
        sql.Append($"\nSELECT * FROM s{qis.Count}");
        return sql.ToString();
    }

    /// <summary>
    /// The combinations suppression changed (those of fewer than k ($1) records — classes of k or more are never
    /// touched): originals and current values, to LEFT JOIN onto the records.
    /// </summary>
    public static string Changes(string suppressed, string target) =>
        $"CREATE TABLE {target} AS SELECT * FROM {suppressed} WHERE {Size} < $1";

    /// <summary>Records and classes below k ($1) among the original values of the class table: two BIGINT columns.</summary>
    public static string BelowKBefore(string classes) =>
        $"SELECT CAST(coalesce(sum({Size}), 0) AS BIGINT), CAST(count(*) AS BIGINT) FROM {classes} WHERE {Size} < $1";

    /// <summary>Records and classes below k ($1) among the current values of the class table: two BIGINT columns.</summary>
    public static string BelowKAfter(string classes, int count) =>
        $"SELECT CAST(coalesce(sum(n), 0) AS BIGINT), CAST(count(*) AS BIGINT) FROM (SELECT sum({Size}) AS n FROM {classes} " +
        $"GROUP BY {string.Join(", ", Enumerable.Range(0, count).Select(Current))}) WHERE n < $1";

    /// <summary>The smallest classes below k ($1) by current value, at most $2: the quasi-identifiers as BIGINT, then the size.</summary>
    public static string Smallest(string classes, int count)
    {
        var cols = Enumerable.Range(0, count).Select(Current).ToList();
        return $"SELECT {string.Join(", ", cols.Select(c => $"CAST({c} AS BIGINT)"))}, CAST(sum({Size}) AS BIGINT) AS n FROM {classes} " +
               $"GROUP BY {string.Join(", ", cols)} HAVING sum({Size}) < $1 " +
               $"ORDER BY n, {string.Join(", ", cols.Select(c => c + " NULLS FIRST"))} LIMIT $2";
    }

    /// <summary>Records with a non-NULL current value, per quasi-identifier: one BIGINT column each.</summary>
    public static string NonNullCounts(string classes, int count) =>
        $"SELECT {string.Join(", ", Enumerable.Range(0, count).Select(i => $"CAST(coalesce(sum({Size}) FILTER (WHERE {Current(i)} IS NOT NULL), 0) AS BIGINT)"))} FROM {classes}";
}
