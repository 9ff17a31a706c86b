using System.Text;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The SQL of the k-anonymity report and of local suppression. Everything works on the <em>class table</em>: one
/// row per distinct combination of the quasi-identifiers in the extract's records, identified by its packed key
/// (<see cref="QuasiIdentifierKey"/>, column <see cref="Key"/>) with its number of records (<see cref="Size"/>).
/// Its size is bounded by the number of distinct combinations, not of records, and each row is a few integers
/// wide, so suppression and the report never pass over the (wide) records again. k and the list length are bound
/// as '$1' and '$2'.
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
    /// suppression order are NULL in the released records of the combination (see <see cref="Suppress"/>).
    /// </summary>
    public const string Suppressed = "__r";

    /// <summary>
    /// Creates the class table <paramref name="target"/> from the records of <paramref name="source"/>: their packed keys, GROUP BY key
    /// (a NULL is a value of its own, as in a window PARTITION BY), with the record count.
    /// </summary>
    public static string Classes(string source, QuasiIdentifierKey key, string target) =>
        $"CREATE TABLE {target} AS SELECT {Key}, CAST(count(*) AS BIGINT) AS {Size} " +
        $"FROM (SELECT {key.Pack("r")} AS {Key} FROM {source} AS r) GROUP BY {Key}";

    /// <summary>
    /// Local suppression on the class table, in one statement of one round per quasi-identifier: round r computes
    /// the size of every class over the current values (the sum of <see cref="Size"/> over the original
    /// combinations whose current keys are equal) and, where it is below k ($1), clears the r-th field of the
    /// suppression order. This is exactly <see cref="SuppressRecords"/> (a window count over the records) applied
    /// to the records: the decision depends only on a record's current values, so all records of an original
    /// combination always stay alike, and a class's record count is the sum of its combinations' sizes.
    /// <para>A class of k or more records never shrinks (records leave a class only when it is below k), so a
    /// combination below k in round r was below k in every earlier round: the fields suppressed in a combination
    /// are always the first <see cref="Suppressed"/> of the order, and that count is all the records need.</para>
    /// <para>Batches: only the combinations whose last field (the last quasi-identifier of the order) is in
    /// [$2, $3] take part. The result is the same as over the whole table, because no class ever mixes two values of
    /// the last field: before the last round every current key still holds its original last field, and the last
    /// round clears it only in classes whose other fields are all cleared already, deciding on one value's
    /// combinations. Only after the last round do those merge, into the all-NULL class (current key 0), which
    /// <see cref="ReleasedClasses"/> adds up across batches.</para>
    /// <para>Besides the rounds' key, current key, size and <see cref="Suppressed"/>, each row carries its released
    /// class's size (<see cref="ClassSize"/>, complete except for key 0) and whether it is the first row of that
    /// class (<see cref="FirstOfClass"/>), so the report needs no GROUP BY over the combinations.</para>
    /// </summary>
    public static string Suppress(string classes, QuasiIdentifierKey key, string target, bool create)
    {
        int last = key.Columns.Count - 1;
        var sql = new StringBuilder(create ? $"CREATE TABLE {target} AS\n" : $"INSERT INTO {target}\n");
        sql.Append($"WITH s0 AS (SELECT {Key}, {Key} AS {CurrentKey}, {Size}, CAST(0 AS TINYINT) AS {Suppressed} FROM {classes} " +
                   $"WHERE {key.Field(Key, last)} BETWEEN $2 AND $3)");
        for (int r = 0; r < key.Columns.Count; r++)
        {
            var round = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append($",\ns{r + 1} AS (SELECT {Key}, CASE WHEN __w < $1 THEN {key.Clear(CurrentKey, r)} ELSE {CurrentKey} END AS {CurrentKey}, {Size}, " +
                       $"CASE WHEN __w < $1 THEN CAST({round} + 1 AS TINYINT) ELSE {Suppressed} END AS {Suppressed} " +
                       $"FROM (SELECT *, sum({Size}) OVER (PARTITION BY {CurrentKey}) AS __w FROM s{r}))");
        }
        sql.Append($"\nSELECT *, CAST(sum({Size}) OVER (PARTITION BY {CurrentKey}) AS BIGINT) AS {ClassSize}, " +
                   $"row_number() OVER (PARTITION BY {CurrentKey}) = 1 AS {FirstOfClass} FROM s{key.Columns.Count}");
        return sql.ToString();
    }

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
    /// The combinations local suppression changed, as a subquery of (<see cref="Key"/>, <see cref="Suppressed"/>) over
    /// the suppressed table <paramref name="suppressed"/>: a record whose packed key is among them has its first
    /// <see cref="Suppressed"/> quasi-identifiers NULL; every other record is released as it is. The release LEFT JOINs
    /// the records with it on the packed key (its hash table holds only the changed combinations).
    /// </summary>
    public static string Changed(string suppressed) =>
        $"(SELECT {Key}, {Suppressed} FROM {suppressed} WHERE {Suppressed} > 0)";

    /// <summary>
    /// <see cref="Changed"/> restricted to the combinations whose last field is in [<paramref name="low"/>,
    /// <paramref name="high"/>] (a release batch, <see cref="LocalSuppression.ReleaseBatches"/>).
    /// </summary>
    public static string Changed(string suppressed, QuasiIdentifierKey key, long low, long high) =>
        $"(SELECT {Key}, {Suppressed} FROM {suppressed} WHERE {Suppressed} > 0 AND {key.LastFieldInRange(Key, low, high)})";

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
