using System.Text;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The SQL of the k-anonymity report and of local suppression, over a staged table whose quasi-identifier
/// columns are named as in the dictionary. k and the list length are bound as '$1' and '$2'.
/// </summary>
internal static class KAnonymitySql
{
    /// <summary>
    /// Local suppression in one statement: round r computes every record's class size with a window count over
    /// the quasi-identifiers and, where it is below k ($1), sets the r-th variable of the suppression order to NULL.
    /// Classes of k or more are never touched, so records that were safe stay safe; after the last round a record
    /// still below k has every quasi-identifier suppressed.
    /// </summary>
    public static string Suppress(string source, IReadOnlyList<string> qis, string target)
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

    /// <summary>Records and classes below k ($1): two BIGINT columns.</summary>
    public static string BelowK(string table, IReadOnlyList<string> qis) =>
        $"SELECT CAST(coalesce(sum(n), 0) AS BIGINT), CAST(count(*) AS BIGINT) FROM (SELECT count(*) AS n FROM {table} GROUP BY {string.Join(", ", qis.Select(ExtractPlanner.Quote))}) WHERE n < $1";

    /// <summary>The smallest classes below k ($1), at most $2: the quasi-identifiers as BIGINT, then the size.</summary>
    public static string Smallest(string table, IReadOnlyList<string> qis)
    {
        var cols = qis.Select(ExtractPlanner.Quote).ToList();
        return $"SELECT {string.Join(", ", cols.Select(c => $"CAST({c} AS BIGINT)"))}, CAST(count(*) AS BIGINT) AS n FROM {table} " +
               $"GROUP BY {string.Join(", ", cols)} HAVING count(*) < $1 " +
               $"ORDER BY n, {string.Join(", ", cols.Select(c => c + " NULLS FIRST"))} LIMIT $2";
    }

    /// <summary>Non-NULL values per quasi-identifier: one BIGINT column each.</summary>
    public static string NonNullCounts(string table, IReadOnlyList<string> qis) =>
        $"SELECT {string.Join(", ", qis.Select(q => $"CAST(count({ExtractPlanner.Quote(q)}) AS BIGINT)"))} FROM {table}";
}
