using System.Text;
using Regsosek.DataAccess;
using Regsosek.Schema;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts;

/// <summary>How many of a leaked file's pseudonyms one candidate grant's key opens.</summary>
/// <param name="GrantId">The candidate grant.</param>
/// <param name="Matched">Pseudonyms that decrypt, under this grant's key, to a valid tag.</param>
public sealed record GrantMatch(string GrantId, int Matched);

/// <summary>The outcome of <see cref="LeakTracer.Trace(string, IEnumerable{string}, ReadOnlySpan{byte}, int)"/>.</summary>
/// <param name="GrantId">The grant the file came from: the candidate whose key opens the most pseudonyms; null when none opens any.</param>
/// <param name="Examined">Distinct pseudonym-shaped values (32 hex digits) examined.</param>
/// <param name="Matches">Every candidate that opened at least one pseudonym, most first (more than one: the file mixes extracts).</param>
public sealed record LeakTraceResult(string? GrantId, int Examined, IReadOnlyList<GrantMatch> Matches);

/// <summary>
/// Tells which grant a leaked tier-3 extract came from. Every pseudonym is AES-256 under the grant's key of
/// (8-byte tag ‖ id); decrypting a pseudonym under a candidate grant's key gives the tag back only for the
/// grant that made it (another key yields the tag with probability 2^-64). So any subset of rows, in Parquet or
/// CSV, with or without its header names, identifies the grant; a file of random ids matches none.
/// Reads the file with DuckDB: every column is scanned for 32-hex-digit values.
/// </summary>
public static class LeakTracer
{
    /// <summary>Default number of distinct pseudonym-shaped values examined.</summary>
    public const int DefaultSample = 2000;

    /// <summary>Traces <paramref name="leakedFile"/> against <paramref name="candidateGrantIds"/>.</summary>
    /// <param name="leakedFile">A Parquet (.parquet) or CSV (anything else) file.</param>
    /// <param name="candidateGrantIds">The grants that could have leaked it (e.g. every tier-3 grant in the store).</param>
    /// <param name="masterKey">The service's pseudonym master key.</param>
    /// <param name="sample">At most this many distinct pseudonym-shaped values are examined.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="System.Data.Common.DbException">DuckDB cannot read the file as Parquet or CSV.</exception>
    public static LeakTraceResult Trace(string leakedFile, IEnumerable<string> candidateGrantIds, ReadOnlySpan<byte> masterKey, int sample = DefaultSample)
    {
        ArgumentException.ThrowIfNullOrEmpty(leakedFile);
        ArgumentNullException.ThrowIfNull(candidateGrantIds);
        if (!File.Exists(leakedFile)) throw new FileNotFoundException($"the leaked file {leakedFile} does not exist", leakedFile);
        var keyring = new PseudonymKeyring(masterKey);
        var values = ReadPseudonyms(leakedFile, sample);

        var matches = new List<GrantMatch>();
        foreach (var grantId in candidateGrantIds.Distinct(StringComparer.Ordinal))
        {
            using var pseudonymizer = keyring.ForGrant(grantId);
            int matched = 0;
            foreach (var v in values)
                if (pseudonymizer.TryReveal(v, out _, out _)) matched++;
            if (matched > 0) matches.Add(new GrantMatch(grantId, matched));
        }
        matches.Sort((a, b) => b.Matched != a.Matched ? b.Matched.CompareTo(a.Matched) : string.CompareOrdinal(a.GrantId, b.GrantId));
        return new LeakTraceResult(matches.Count > 0 ? matches[0].GrantId : null, values.Count, matches);
    }

    /// <summary>Distinct lower-cased 32-hex-digit values from any column of the file, at most <paramref name="sample"/>.</summary>
    internal static List<string> ReadPseudonyms(string file, int sample)
    {
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1 });
        var path = Path.GetFullPath(file).Replace("'", "''");
        var source = file.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? $"read_parquet('{path}')"
            : $"read_csv('{path}', all_varchar = true, header = false)";
        connection.Execute($"CREATE VIEW leaked AS SELECT * FROM {source}");
        var columns = new List<string>();
        using (var describe = Commands.Create(connection, "SELECT column_name FROM (DESCRIBE leaked)"))
        using (var reader = describe.ExecuteReader())
            while (reader.Read())
                columns.Add(reader.GetString(0));
        if (columns.Count == 0) return [];

        var union = new StringBuilder();
        foreach (var c in columns)
        {
            if (union.Length > 0) union.Append(" UNION ALL ");
            var q = ExtractPlanner.Quote(c);
            union.Append($"SELECT lower(trim(CAST({q} AS VARCHAR))) AS v FROM leaked");
        }
        var sql = $"SELECT DISTINCT v FROM ({union}) WHERE regexp_full_match(v, '[0-9a-f]{{32}}') LIMIT $1";
        using var statement = Commands.Create(connection, sql, [new Int64Parameter(Math.Max(1, sample))]);
        using var result = statement.ExecuteReader();
        var values = new List<string>();
        while (result.Read())
            values.Add(result.GetString(0));
        return values;
    }
}
