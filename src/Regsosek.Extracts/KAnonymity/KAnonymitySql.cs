using System.Text;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The SQL of the k-anonymity report and of local suppression. Everything works on the <em>class table</em>: one
/// row per distinct combination of the quasi-identifiers in the extract's records, identified by its packed key
/// (<see cref="QuasiIdentifierKey"/>, column <see cref="Key"/>) with its number of records (<see cref="Size"/>).
/// Its size is bounded by the number of distinct combinations, not of records, and each row is a few integers
/// wide, so suppression (<see cref="SuppressionRounds"/>) and the report never pass over the (wide) records again.
/// k and the list length are bound as '$1' and '$2'.
/// </summary>
internal static class KAnonymitySql
{
    /// <summary>Name of the class table's packed original values.</summary>
    public const string Key = "__key";

    /// <summary>Name of the suppressed table's packed current values (suppressed fields cleared).</summary>
    public const string CurrentKey = "__cur";

    /// <summary>Name of the class table's record count column (BIGINT).</summary>
    public const string Size = "__n";

    /// <summary>
    /// Name of the suppressed table's count of suppressed quasi-identifiers (TINYINT): the first that many of the
    /// suppression order are NULL in the released records of the combination (see <see cref="SuppressionRounds"/>).
    /// </summary>
    public const string Suppressed = "__r";

    /// <summary>
    /// Groups the records of <paramref name="source"/> by their quasi-identifiers into the table
    /// <paramref name="target"/>: one row per distinct combination of the columns (a NULL is a value of its own, as in
    /// a window PARTITION BY) with its record count <see cref="Size"/>. The records are read once; the packed key is
    /// computed over this table (<see cref="Classes"/>), whose value ranges are the records'.
    /// </summary>
    public static string Combinations(string source, IReadOnlyList<string> qis, string target)
    {
        var columns = string.Join(", ", qis.Select(q => $"r.{ExtractPlanner.Quote(q)}"));
        return $"CREATE TABLE {target} AS SELECT {columns}, CAST(count(*) AS BIGINT) AS {Size} FROM {source} AS r GROUP BY {columns}";
    }

    /// <summary>
    /// Creates the class table <paramref name="target"/> from the combinations table <paramref name="combinations"/>
    /// (<see cref="Combinations"/>): each row's packed key and record count.
    /// </summary>
    public static string Classes(string combinations, QuasiIdentifierKey key, string target) =>
        $"CREATE TABLE {target} AS SELECT {key.Pack("r")} AS {Key}, r.{Size} AS {Size} FROM {combinations} AS r";

    /// <summary>
    /// Creates the empty suppressed class table <paramref name="target"/> (<see cref="LocalSuppression"/> appends to
    /// it): original key, current key (suppressed fields cleared), record count, <see cref="Suppressed"/>, the
    /// released class's size (<see cref="ClassSize"/>, complete except for key 0) and whether the row is the first of
    /// that class (<see cref="FirstOfClass"/>), so the report needs no GROUP BY over the combinations.
    /// </summary>
    public static string CreateSuppressed(string target, QuasiIdentifierKey key) =>
        $"CREATE TABLE {target} ({Key} {key.SqlType}, {CurrentKey} {key.SqlType}, {Size} BIGINT, {Suppressed} TINYINT, " +
        $"{ClassSize} BIGINT, {FirstOfClass} BOOLEAN)";

    /// <summary>
    /// The combinations of the class table whose last field (the last quasi-identifier of the order) is in
    /// [<paramref name="low"/>, <paramref name="high"/>]: (key, size), one suppression batch.
    /// </summary>
    public static string Batch(string classes, QuasiIdentifierKey key, long low, long high) =>
        $"SELECT {Key}, {Size} FROM {classes} WHERE {key.LastFieldInRange(Key, low, high)}";

    /// <summary>Name of the suppressed table's released class size (BIGINT; for current key 0 only the batch's share).</summary>
    public const string ClassSize = "__size";

    /// <summary>Name of the suppressed table's flag marking one row of each released class (of each batch, for key 0).</summary>
    public const string FirstOfClass = "__first";

    /// <summary>
    /// Number of combinations per value of the last field, in order: "SELECT value, combinations" over the class
    /// table, to cut the suppression batches.
    /// </summary>
    public static string CombinationsByLastField(string classes, QuasiIdentifierKey key) =>
        $"SELECT CAST({key.Field(Key, key.Columns.Count - 1)} AS BIGINT) AS v, CAST(count(*) AS BIGINT) FROM {classes} GROUP BY v ORDER BY v";

    /// <summary>
    /// Number of changed combinations (<see cref="Suppressed"/> &gt; 0) per value of the last field of the original key,
    /// in order, every value of the suppressed table listed (with 0 when none changed): "SELECT value, changed".
    /// </summary>
    public static string ChangedByLastField(string suppressed, QuasiIdentifierKey key) =>
        $"SELECT CAST({key.Field(Key, key.Columns.Count - 1)} AS BIGINT) AS v, CAST(count(*) FILTER (WHERE {Suppressed} > 0) AS BIGINT) " +
        $"FROM {suppressed} GROUP BY v ORDER BY v";

    /// <summary>
    /// The released classes as a subquery of (current key, size), one row each, without grouping the combinations:
    /// from the class table itself when no suppression ran (<paramref name="suppressed"/> false: each row is a
    /// class), else from the suppressed table's first rows plus the all-NULL class summed over all batches.
    /// </summary>
    public static string ReleasedClasses(string table, bool suppressed) =>
        suppressed
            ? $"(SELECT {CurrentKey} AS c, {ClassSize} AS n FROM {table} WHERE {FirstOfClass} AND {CurrentKey} <> 0 " +
              $"UNION ALL SELECT 0, CAST(sum({Size}) AS BIGINT) FROM {table} WHERE {CurrentKey} = 0 HAVING count(*) > 0)"
            : $"(SELECT {Key} AS c, {Size} AS n FROM {table})";

    /// <summary>
    /// The reference formulation of local suppression over the records themselves (the runner's before the class
    /// table; kept to check <see cref="SuppressionRounds"/> against): round r computes every record's class size with a
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
    /// The combinations local suppression changed, as a subquery over the suppressed table <paramref name="suppressed"/>
    /// of their quasi-identifier values (decoded from the key, in the columns' own types, named as the columns) and
    /// <see cref="Suppressed"/>: a record whose values are among them (<see cref="ChangedJoin"/>) has its first
    /// <see cref="Suppressed"/> quasi-identifiers NULL; every other record is released as it is. The release LEFT
    /// JOINs the records with it (its hash table holds only the changed combinations). With a range, only the
    /// combinations whose last field is in [low, high] (a release batch, <see cref="LocalSuppression.ReleaseBatches"/>).
    /// </summary>
    public static string Changed(string suppressed, QuasiIdentifierKey key, (long Low, long High)? range = null)
    {
        var values = Enumerable.Range(0, key.Columns.Count).Select(i => $"{key.TypedValue(Key, i)} AS {ExtractPlanner.Quote(key.Columns[i])}");
        var where = range is { } r ? $" AND {key.LastFieldInRange(Key, r.Low, r.High)}" : "";
        return $"(SELECT {string.Join(", ", values)}, {Suppressed} FROM {suppressed} WHERE {Suppressed} > 0{where})";
    }

    /// <summary>
    /// The condition joining records (<paramref name="records"/>) with <see cref="Changed"/> (<paramref name="changed"/>):
    /// every quasi-identifier equal, NULL matching NULL. On the columns themselves, which costs the records less than
    /// packing their key (a third less at province 32, measured 2026-12-07).
    /// </summary>
    public static string ChangedJoin(QuasiIdentifierKey key, string changed, string records) =>
        string.Join(" AND ", key.Columns.Select(ExtractPlanner.Quote).Select(q => $"{changed}.{q} IS NOT DISTINCT FROM {records}.{q}"));

    /// <summary>Records and classes below k ($1) among the original combinations of a class table: two BIGINT columns.</summary>
    public static string BelowKBefore(string classes) =>
        $"SELECT CAST(coalesce(sum({Size}), 0) AS BIGINT), CAST(count(*) AS BIGINT) FROM {classes} WHERE {Size} < $1";

    /// <summary>Records and classes below k ($1) among <paramref name="released"/> (<see cref="ReleasedClasses"/>): two BIGINT columns.</summary>
    public static string BelowKAfter(string released) =>
        $"SELECT CAST(coalesce(sum(n), 0) AS BIGINT), CAST(count(*) AS BIGINT) FROM {released} WHERE n < $1";

    /// <summary>
    /// The smallest classes below k ($1) of <paramref name="released"/> (<see cref="ReleasedClasses"/>), at most $2:
    /// the quasi-identifiers as BIGINT, then the size. A top-N over the classes: no sort of them all.
    /// </summary>
    public static string Smallest(string released, QuasiIdentifierKey key)
    {
        var values = Enumerable.Range(0, key.Columns.Count).Select(i => $"{key.Value("c", i)} AS __v{i}");
        var order = Enumerable.Range(0, key.Columns.Count).Select(i => $", __v{i} NULLS FIRST");
        return $"SELECT {string.Join(", ", values)}, n FROM {released} WHERE n < $1 ORDER BY n{string.Concat(order)} LIMIT $2";
    }

    /// <summary>Records with a non-NULL value in the key column <paramref name="current"/>, per quasi-identifier: one BIGINT column each.</summary>
    public static string NonNullCounts(string classes, string current, QuasiIdentifierKey key) =>
        $"SELECT {string.Join(", ", Enumerable.Range(0, key.Columns.Count).Select(i => $"CAST(coalesce(sum({Size}) FILTER (WHERE {key.Field(current, i)} <> 0), 0) AS BIGINT)"))} FROM {classes}";
}
