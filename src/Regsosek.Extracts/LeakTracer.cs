using System.Text;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts;

/// <summary>What one candidate grant's key opens in a leaked file.</summary>
/// <param name="GrantId">The candidate grant.</param>
/// <param name="Matched">Distinct pseudonyms that decrypt, under this grant's key, to a valid tag (32-hex values, and integers of the family-pseudonym columns attributed to it).</param>
public sealed record GrantMatch(string GrantId, int Matched)
{
    /// <summary>Rows examined that hold at least one pseudonym this grant's key opens.</summary>
    public long Rows { get; init; }

    /// <summary>
    /// <see cref="Rows"/> as a share of the rows examined that hold a pseudonym-shaped value
    /// (<see cref="LeakTraceResult.RowsWithPseudonyms"/>): 0–1.
    /// </summary>
    public double Share { get; init; }
}

/// <summary>The outcome of <see cref="LeakTracer.Trace(string, IEnumerable{string}, ReadOnlySpan{byte}, int)"/>.</summary>
/// <param name="GrantId">The grant most of the file came from: the candidate with the most rows; null when none opens any.</param>
/// <param name="Examined">Distinct pseudonym values examined: 32-hex-digit values, and the integers of the columns read as family pseudonyms.</param>
/// <param name="Matches">Every candidate that opened at least one pseudonym, most rows first (more than one: the file mixes extracts).</param>
public sealed record LeakTraceResult(string? GrantId, int Examined, IReadOnlyList<GrantMatch> Matches)
{
    /// <summary>Rows in the file.</summary>
    public long TotalRows { get; init; }
    /// <summary>Rows examined (all of them, or a uniform sample of <see cref="LeakTracer.DefaultSampleRows"/> when the file is larger).</summary>
    public long RowsExamined { get; init; }
    /// <summary>Rows examined that hold at least one pseudonym-shaped value: the base of every <see cref="GrantMatch.Share"/>.</summary>
    public long RowsWithPseudonyms { get; init; }
    /// <summary>Rows with pseudonym-shaped values that no candidate's key opens (another service, made up, or an unlisted grant).</summary>
    public long RowsUnattributed { get; init; }
    /// <summary>The integer columns read as 64-bit family pseudonyms, with the grants attributed to each.</summary>
    public IReadOnlyList<FamilyColumn> FamilyColumns { get; init; } = [];
    /// <summary>True when the shares are estimated from a sample rather than counted over every row.</summary>
    public bool Sampled => RowsExamined < TotalRows;

    /// <summary>
    /// The finding for an operator: every grant found with its rows and share, most first, and the rows no candidate
    /// opened; one line each.
    /// </summary>
    public IReadOnlyList<string> Describe(int candidates)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var lines = new List<string>();
        string basis = Sampled
            ? string.Create(inv, $"{RowsWithPseudonyms:N0} rows with pseudonyms in a uniform sample of {RowsExamined:N0} of the file's {TotalRows:N0} rows")
            : string.Create(inv, $"{RowsWithPseudonyms:N0} rows with pseudonyms (of {TotalRows:N0} rows)");
        if (Matches.Count == 0)
        {
            lines.Add(string.Create(inv, $"no tier-3 grant's key opens the file's pseudonyms ({Examined} examined in {basis}, {candidates} grants tried)"));
            return lines;
        }
        lines.Add(Matches.Count == 1
            ? $"the file came from grant {Matches[0].GrantId} ({basis}):"
            : string.Create(inv, $"the file mixes extracts of {Matches.Count} grants ({basis}):"));
        foreach (var m in Matches)
            lines.Add(string.Create(inv, $"  {m.GrantId}: {m.Rows:N0} rows, {m.Share * 100:0.0} % ({m.Matched:N0} distinct pseudonyms open under its key)"));
        foreach (var f in FamilyColumns)
        {
            var opened = string.Join(", ", f.Opened.Select(o => string.Create(inv, $"{o.Value:N0} open under {o.Key}")));
            lines.Add(string.Create(inv, $"  column {f.Column}: read as 64-bit family pseudonyms ({f.DistinctValues:N0} distinct values; {opened})"));
        }
        if (RowsUnattributed > 0)
            lines.Add(string.Create(inv, $"  no candidate: {RowsUnattributed:N0} rows, {(double)RowsUnattributed / RowsWithPseudonyms * 100:0.0} % (pseudonym-shaped values no tier-3 grant's key opens)"));
        return lines;
    }
}

/// <summary>A column of a leaked file read as 64-bit family pseudonyms (<see cref="LeakTracer"/>).</summary>
/// <param name="Column">The column's name in the file (column0, column1… for a CSV read without header).</param>
/// <param name="DistinctValues">Distinct integer values of the column examined.</param>
/// <param name="Opened">Per attributed grant, the distinct values its key opens to a family id.</param>
public sealed record FamilyColumn(string Column, int DistinctValues, IReadOnlyDictionary<string, int> Opened);

/// <summary>
/// Tells which grants a leaked tier-3 extract came from, and what share of its rows each. Two kinds of pseudonym:
/// <list type="bullet">
/// <item>128-bit (person pseudonyms, and family pseudonyms before 2026-12-07): AES-256 under the grant's key of (8-byte
/// tag ‖ id), 32 hex digits or a UUID; decrypting under a candidate grant's key gives the tag back only for the grant that
/// made it (another key: probability 2^-64), so one value names its grant.</item>
/// <item>64-bit family pseudonyms (UBIGINT; decimal in CSV): a Feistel permutation of (17-bit tag ‖ 47-bit family id),
/// so another key opens a value with probability 2^-17 and one value proves nothing. A column of integers is read as
/// family pseudonyms only as a whole: a grant is attributed to the column when its key opens at least
/// <see cref="MinimumFamilyValues"/> of the column's distinct values and at least <see cref="MinimumGrantShare"/> of
/// them, and the attributed grants together open at least <see cref="FamilyColumnShare"/> of them. Any other integer
/// column (ages, codes, counts, a tier-4 file's real ids) is attributed to a given grant with probability at most
/// C(d, k)·2^(-17k) with k = max(6, ⌈0.05 d⌉) for d distinct values, below 2^-70 for every d (docs/extracts.md).</item>
/// </list>
/// Parquet or CSV, with or without its header names, renamed or reordered columns, a subset of the rows: each
/// identifies its grant; a file that mixes several grants' extracts names each of them with the share of the rows it
/// contributed; a file of random ids matches none. Reads the file with DuckDB: every column of every row (or of a
/// uniform sample of rows, reproducible, when the file is large); a row belongs to each grant whose key opens one of its
/// values (a 32-hex value, or an integer of a column attributed to that grant).
/// </summary>
public static class LeakTracer
{
    /// <summary>Default number of rows examined: larger files are sampled uniformly (reservoir, fixed seed).</summary>
    public const int DefaultSampleRows = 100_000;

    /// <summary>
    /// Fewest distinct values of an integer column a grant's key must open for the column to be attributed to it. With
    /// 2^-17 a value, six false openings among d ≤ 120 values have probability at most C(120, 6)·2^-102 &lt; 2^-70.
    /// </summary>
    public const int MinimumFamilyValues = 6;

    /// <summary>
    /// Least share of an integer column's distinct values a grant's key must open for the column to be attributed to it
    /// (so a column that mixes a few grants' extracts names each, and chance openings in a large column count for none:
    /// beyond 120 values, k = 5 % of d ≥ 7 false openings have probability at most (e·2^-17 / 0.05)^k &lt; 2^-78).
    /// </summary>
    public const double MinimumGrantShare = 0.05;

    /// <summary>Least share of an integer column's distinct values the attributed grants must open together.</summary>
    public const double FamilyColumnShare = 0.9;

    /// <summary>Traces <paramref name="leakedFile"/> against <paramref name="candidateGrantIds"/>.</summary>
    /// <param name="leakedFile">A Parquet (.parquet), Arrow IPC (.arrows stream, .arrow or .feather file) or CSV (anything else) file.</param>
    /// <param name="candidateGrantIds">The grants that could have leaked it (e.g. every tier-3 grant in the store).</param>
    /// <param name="masterKey">The service's pseudonym master key.</param>
    /// <param name="sampleRows">At most this many rows are examined (a uniform sample of a larger file).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="System.Data.Common.DbException">DuckDB cannot read the file as Parquet or CSV.</exception>
    /// <exception cref="System.IO.InvalidDataException">An Arrow file is not valid Arrow IPC.</exception>
    public static LeakTraceResult Trace(string leakedFile, IEnumerable<string> candidateGrantIds, ReadOnlySpan<byte> masterKey, int sampleRows = DefaultSampleRows)
    {
        ArgumentException.ThrowIfNullOrEmpty(leakedFile);
        ArgumentNullException.ThrowIfNull(candidateGrantIds);
        if (!File.Exists(leakedFile)) throw new FileNotFoundException($"the leaked file {leakedFile} does not exist", leakedFile);
        var keyring = new PseudonymKeyring(masterKey);
        var grants = candidateGrantIds.Distinct(StringComparer.Ordinal).ToList();
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        // An Arrow IPC file is read as CSV text with its column names (ArrowLeakFile), in a scratch file removed after.
        string? scratch = ArrowLeakFile.Is(leakedFile) ? Path.Combine(Path.GetTempPath(), $"regsosek-leak-{Guid.NewGuid():N}.csv") : null;
        try
        {
            if (scratch is not null) ArrowLeakFile.ToCsv(leakedFile, scratch);
            return Trace(connection, scratch ?? leakedFile, header: scratch is not null, keyring, grants, Math.Max(1, sampleRows));
        }
        finally
        {
            if (scratch is not null) File.Delete(scratch);
        }
    }

    private static LeakTraceResult Trace(DuckDBConnection connection, string file, bool header, PseudonymKeyring keyring, List<string> grants, int sampleRows)
    {
        var (total, examined, columns) = Examine(connection, file, header, sampleRows);

        // Integer columns whose values open, as a whole, under some grants' keys: value key → its grant.
        var owner = new Dictionary<string, string?>(StringComparer.Ordinal);
        var familyColumns = new List<(int Index, FamilyColumn Column)>();
        for (int i = 0; i < columns.Count; i++)
            if (IntegerValue(ExtractPlanner.Quote(columns[i].Name), columns[i].Type) is { } expression
                && FamilyColumnOf(connection, columns[i].Name, expression, keyring, grants, IntegerKeyPrefix(i), owner) is { } found)
                familyColumns.Add((i, found));

        var sample = ReadRows(connection, columns, familyColumns.Select(f => f.Index).ToHashSet());
        foreach (var v in sample.Values) owner.TryAdd(v, null);
        var matched = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, column) in familyColumns)
            foreach (var (g, n) in column.Opened)
                matched[g] = matched.GetValueOrDefault(g) + n;
        foreach (var grantId in grants)
        {
            using var pseudonymizer = keyring.ForGrant(grantId);
            foreach (var v in sample.Values)
            {
                if (v[0] == IntegerKeyMark || owner[v] is not null || !pseudonymizer.TryReveal(v, out _, out _)) continue;
                owner[v] = grantId;
                matched[grantId] = matched.GetValueOrDefault(grantId) + 1;
            }
        }

        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        long unattributed = 0;
        var ofRow = new HashSet<string>(StringComparer.Ordinal);
        foreach (var values in sample.Rows)
        {
            ofRow.Clear();
            foreach (var v in values)
                if (owner[v] is { } g) ofRow.Add(g);
            if (ofRow.Count == 0) unattributed++;
            foreach (var g in ofRow) rows[g] = rows.GetValueOrDefault(g) + 1;
        }
        long withPseudonyms = sample.Rows.Count;
        var matches = matched.Keys
            .Select(g => new GrantMatch(g, matched[g])
            {
                Rows = rows.GetValueOrDefault(g),
                Share = withPseudonyms == 0 ? 0 : (double)rows.GetValueOrDefault(g) / withPseudonyms,
            })
            .OrderByDescending(m => m.Rows).ThenByDescending(m => m.Matched).ThenBy(m => m.GrantId, StringComparer.Ordinal)
            .ToList();
        return new LeakTraceResult(matches.Count > 0 ? matches[0].GrantId : null, sample.Values.Count, matches)
        {
            TotalRows = total,
            RowsExamined = examined,
            RowsWithPseudonyms = withPseudonyms,
            RowsUnattributed = unattributed,
            FamilyColumns = familyColumns.Select(f => f.Column).ToList(),
        };
    }

    /// <summary>
    /// Reads the integer column <paramref name="name"/> as 64-bit family pseudonyms: its distinct values are decrypted
    /// under every candidate's key; the column is a family-pseudonym column when the grants that each open at least
    /// <see cref="MinimumFamilyValues"/> and <see cref="MinimumGrantShare"/> of the values together open
    /// <see cref="FamilyColumnShare"/> of them. Then each value a grant of those opens is owned by it (in
    /// <paramref name="owner"/>, under <paramref name="keyPrefix"/> and its decimal text), the others by none.
    /// </summary>
    private static FamilyColumn? FamilyColumnOf(DuckDBConnection connection, string name, string expression, PseudonymKeyring keyring,
        List<string> grants, string keyPrefix, Dictionary<string, string?> owner)
    {
        var values = new List<ulong>();
        using (var command = Commands.Create(connection, $"SELECT DISTINCT {expression} AS v FROM examined WHERE v IS NOT NULL"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                values.Add(reader.GetFieldValue<ulong>(0));
        int d = values.Count;
        if (d < MinimumFamilyValues) return null;
        var plain = new ulong[d];
        var ownerOf = new string?[d];
        var opened = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var grantId in grants)
        {
            using var pseudonymizer = keyring.ForGrant(grantId);
            values.CopyTo(plain);
            pseudonymizer.DecryptFamilies(plain);
            var mine = new List<int>();
            for (int i = 0; i < d; i++)
                if (ownerOf[i] is null && GrantPseudonymizer.IsFamilyPlaintext(plain[i], out _)) mine.Add(i);
            if (mine.Count < MinimumFamilyValues || mine.Count < MinimumGrantShare * d) continue;
            foreach (var i in mine) ownerOf[i] = grantId;
            opened[grantId] = mine.Count;
        }
        if (opened.Values.Sum() < FamilyColumnShare * d) return null;
        for (int i = 0; i < d; i++)
            owner[keyPrefix + values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)] = ownerOf[i];
        return new FamilyColumn(name, d, opened);
    }

    /// <summary>The first character of a row value that stands for an integer of a family-pseudonym column ("#column:value").</summary>
    private const char IntegerKeyMark = '#';

    private static string IntegerKeyPrefix(int column) => IntegerKeyMark + column.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":";

    /// <summary>The rows examined: per row that holds any, its distinct pseudonym values (32 lower-case hex digits, or "#column:integer").</summary>
    internal sealed record RowSample(List<string[]> Rows, HashSet<string> Values);

    /// <summary>
    /// Opens <paramref name="file"/> as the view <c>leaked</c> and its examined rows (all, or a uniform sample of
    /// <paramref name="sampleRows"/>) as the table <c>examined</c>; returns the counts and the file's columns.
    /// </summary>
    private static (long Total, long Examined, List<(string Name, string Type)> Columns) Examine(DuckDBConnection connection, string file, bool header, int sampleRows)
    {
        var path = Path.GetFullPath(file).Replace("'", "''");
        var source = file.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? $"read_parquet('{path}')"
            : $"read_csv('{path}', all_varchar = true, header = {(header ? "true" : "false")})";
        connection.Execute($"CREATE VIEW leaked AS SELECT * FROM {source}");
        long total = ScalarLong(connection, "SELECT count(*) FROM leaked");
        // A reservoir sample with a fixed seed: uniform over the file, the same on every run.
        connection.Execute(total <= sampleRows
            ? "CREATE TABLE examined AS SELECT row_number() OVER () AS leak_row_id, * FROM leaked"
            : $"CREATE TABLE examined AS SELECT row_number() OVER () AS leak_row_id, * FROM (SELECT * FROM leaked USING SAMPLE reservoir({sampleRows} ROWS) REPEATABLE (20221015))");
        long examined = ScalarLong(connection, "SELECT count(*) FROM examined");
        var columns = new List<(string Name, string Type)>();
        using (var describe = Commands.Create(connection, "SELECT column_name, column_type FROM (DESCRIBE leaked)"))
        using (var reader = describe.ExecuteReader())
            while (reader.Read())
                columns.Add((reader.GetString(0), reader.GetString(1)));
        return (total, examined, columns);
    }

    /// <summary>
    /// The pseudonym values of every examined row: the 32-hex-digit values of any column, and the integers of the
    /// <paramref name="familyColumns"/> (as "#column:value").
    /// </summary>
    private static RowSample ReadRows(DuckDBConnection connection, List<(string Name, string Type)> columns, HashSet<int> familyColumns)
    {
        var rows = new List<string[]>();
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (columns.Count == 0) return new RowSample(rows, values);

        var union = new StringBuilder();
        for (int i = 0; i < columns.Count; i++)
        {
            var (name, type) = columns[i];
            var column = ExtractPlanner.Quote(name);
            if (union.Length > 0) union.Append(" UNION ALL ");
            union.Append($"SELECT leak_row_id, v FROM (SELECT leak_row_id, {AsHex(column, type)} AS v FROM examined) WHERE regexp_full_match(v, '[0-9a-f]{{32}}')");
            if (familyColumns.Contains(i))
                union.Append($" UNION ALL SELECT leak_row_id, '{IntegerKeyPrefix(i)}' || CAST(v AS VARCHAR) FROM (SELECT leak_row_id, {IntegerValue(column, type)} AS v FROM examined) WHERE v IS NOT NULL");
        }
        var sql = $"SELECT DISTINCT leak_row_id, v FROM ({union}) ORDER BY leak_row_id, v";
        using var statement = Commands.Create(connection, sql);
        using var result = statement.ExecuteReader();
        long current = -1;
        var ofRow = new List<string>();
        while (result.Read())
        {
            long id = result.GetInt64(0);
            if (id != current && ofRow.Count > 0)
            {
                rows.Add([.. ofRow]);
                ofRow.Clear();
            }
            current = id;
            var v = result.GetString(1);
            values.Add(v);
            ofRow.Add(v);
        }
        if (ofRow.Count > 0) rows.Add([.. ofRow]);
        return new RowSample(rows, values);
    }

    /// <summary>
    /// A column's values as the text a pseudonym would have: 16-byte BLOBs as 32 hex digits (a Parquet pseudonym
    /// rewritten as plain FIXED_LEN_BYTE_ARRAY(16) or binary); anything else as its lower-cased text, with the dashes of
    /// the UUID form removed (a Parquet extract's pseudonyms are UUIDs, and a UUID turned into text keeps its dashes).
    /// </summary>
    private static string AsHex(string column, string type) =>
        type == "BLOB"
            ? $"CASE WHEN octet_length({column}) = {GrantPseudonymizer.BlockBytes} THEN lower(hex({column})) END"
            : $"regexp_replace(lower(trim(CAST({column} AS VARCHAR))), '^([0-9a-f]{{8}})-([0-9a-f]{{4}})-([0-9a-f]{{4}})-([0-9a-f]{{4}})-([0-9a-f]{{12}})$', '\\1\\2\\3\\4\\5')";

    /// <summary>
    /// A column's values as the 64 bits a family pseudonym would have (UBIGINT), or null for a column that cannot hold
    /// one: integer columns as they are, text as decimal digits (a CSV extract, or the column written out as text); a
    /// negative 64-bit value is read as its two's complement (a tool that turned the UBIGINT into a signed BIGINT).
    /// </summary>
    private static string? IntegerValue(string column, string type)
    {
        string? wide = type switch
        {
            "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "HUGEINT" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "UHUGEINT"
                => $"TRY_CAST({column} AS HUGEINT)",
            "VARCHAR" => $"TRY_CAST(trim({column}) AS HUGEINT)",
            _ => null,
        };
        return wide is null
            ? null
            : $"(CASE WHEN {wide} BETWEEN -9223372036854775808 AND -1 THEN CAST({wide} + CAST('18446744073709551616' AS HUGEINT) AS UBIGINT) " +
              $"WHEN {wide} BETWEEN 0 AND CAST('18446744073709551615' AS HUGEINT) THEN CAST({wide} AS UBIGINT) END)";
    }

    private static long ScalarLong(DuckDBConnection connection, string sql) => connection.Scalar<long>(sql);
}
