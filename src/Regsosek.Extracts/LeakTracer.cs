using System.Text;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts;

/// <summary>What one candidate grant's key opens in a leaked file.</summary>
/// <param name="GrantId">The candidate grant.</param>
/// <param name="Matched">Distinct pseudonyms that decrypt, under this grant's key, to a valid tag.</param>
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
/// <param name="Examined">Distinct pseudonym-shaped values (32 hex digits) examined.</param>
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
        if (RowsUnattributed > 0)
            lines.Add(string.Create(inv, $"  no candidate: {RowsUnattributed:N0} rows, {(double)RowsUnattributed / RowsWithPseudonyms * 100:0.0} % (pseudonym-shaped values no tier-3 grant's key opens)"));
        return lines;
    }
}

/// <summary>
/// Tells which grants a leaked tier-3 extract came from, and what share of its rows each. Every pseudonym is AES-256
/// under the grant's key of (8-byte tag ‖ id); decrypting a pseudonym under a candidate grant's key gives the tag back
/// only for the grant that made it (another key yields the tag with probability 2^-64). So any subset of rows, in
/// Parquet or CSV, with or without its header names, identifies its grant; a file that mixes several grants' extracts
/// names each of them with the share of the rows it contributed; a file of random ids matches none.
/// Reads the file with DuckDB: every column of every row (or of a uniform sample of rows, reproducible, when the
/// file is large) is scanned for 32-hex-digit values; a row belongs to each grant whose key opens one of its values.
/// </summary>
public static class LeakTracer
{
    /// <summary>Default number of rows examined: larger files are sampled uniformly (reservoir, fixed seed).</summary>
    public const int DefaultSampleRows = 100_000;

    /// <summary>Traces <paramref name="leakedFile"/> against <paramref name="candidateGrantIds"/>.</summary>
    /// <param name="leakedFile">A Parquet (.parquet) or CSV (anything else) file.</param>
    /// <param name="candidateGrantIds">The grants that could have leaked it (e.g. every tier-3 grant in the store).</param>
    /// <param name="masterKey">The service's pseudonym master key.</param>
    /// <param name="sampleRows">At most this many rows are examined (a uniform sample of a larger file).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="System.Data.Common.DbException">DuckDB cannot read the file as Parquet or CSV.</exception>
    public static LeakTraceResult Trace(string leakedFile, IEnumerable<string> candidateGrantIds, ReadOnlySpan<byte> masterKey, int sampleRows = DefaultSampleRows)
    {
        ArgumentException.ThrowIfNullOrEmpty(leakedFile);
        ArgumentNullException.ThrowIfNull(candidateGrantIds);
        if (!File.Exists(leakedFile)) throw new FileNotFoundException($"the leaked file {leakedFile} does not exist", leakedFile);
        var keyring = new PseudonymKeyring(masterKey);
        var sample = ReadRows(leakedFile, Math.Max(1, sampleRows));
        var grants = candidateGrantIds.Distinct(StringComparer.Ordinal).ToList();

        // Which grant opens each distinct value (null: none).
        var owner = new Dictionary<string, string?>(sample.Values.Count, StringComparer.Ordinal);
        foreach (var v in sample.Values) owner[v] = null;
        var matched = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var grantId in grants)
        {
            using var pseudonymizer = keyring.ForGrant(grantId);
            foreach (var v in sample.Values)
            {
                if (owner[v] is not null || !pseudonymizer.TryReveal(v, out _, out _)) continue;
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
            TotalRows = sample.TotalRows,
            RowsExamined = sample.RowsExamined,
            RowsWithPseudonyms = withPseudonyms,
            RowsUnattributed = unattributed,
        };
    }

    /// <summary>The rows examined: per row that holds any, its distinct lower-cased 32-hex-digit values.</summary>
    internal sealed record RowSample(long TotalRows, long RowsExamined, List<string[]> Rows, HashSet<string> Values);

    /// <summary>Reads every row (or a uniform sample of <paramref name="sampleRows"/>) and the pseudonym-shaped values in any of its columns.</summary>
    internal static RowSample ReadRows(string file, int sampleRows)
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        var path = Path.GetFullPath(file).Replace("'", "''");
        var source = file.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? $"read_parquet('{path}')"
            : $"read_csv('{path}', all_varchar = true, header = false)";
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
        var rows = new List<string[]>();
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (columns.Count == 0) return new RowSample(total, examined, rows, values);

        var union = new StringBuilder();
        foreach (var (name, type) in columns)
        {
            if (union.Length > 0) union.Append(" UNION ALL ");
            union.Append($"SELECT leak_row_id, {AsHex(ExtractPlanner.Quote(name), type)} AS v FROM examined");
        }
        var sql = $"SELECT DISTINCT leak_row_id, v FROM ({union}) WHERE regexp_full_match(v, '[0-9a-f]{{32}}') ORDER BY leak_row_id, v";
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
        return new RowSample(total, examined, rows, values);
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

    private static long ScalarLong(DuckDBConnection connection, string sql) => connection.Scalar<long>(sql);
}
