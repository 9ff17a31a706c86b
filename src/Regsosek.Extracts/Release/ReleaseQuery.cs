using System.Globalization;
using System.Text;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Extracts;

/// <summary>
/// Where the release reads from, each a read_parquet expression over files aligned by position: the staged
/// records (with their position), their pseudonyms, and the suppression flags (null when suppression did not run).
/// </summary>
internal sealed record ReleaseSources(string Stage, string Pseudonyms, string? Flags);

/// <summary>The SQL of the released rows of a tier-3 extract, whole or one prefix range of it with its sort keys.</summary>
internal static class ReleaseQuery
{
    /// <summary>Name of the family-pseudonym prefix column of a part (<see cref="Sql"/> with part).</summary>
    public const string SortPrefix = "__sort_prefix";

    /// <summary>The sort keys a part carries: the family pseudonym's halves (keluarga), then the person pseudonym's (persons).</summary>
    private static readonly string[] SortFamily = Halves("__sort_family");
    private static readonly string[] SortPersons = [.. SortFamily, .. Halves("__sort_person")];

    /// <summary>The sort key columns of a part of <paramref name="plan"/>, in sort order.</summary>
    public static string[] SortKeys(ExtractPlan plan) => plan.Persons ? SortPersons : SortFamily;

    /// <summary>
    /// The released rows: data columns as staged (the first <see cref="KAnonymitySql.Suppressed"/> quasi-identifiers
    /// NULL where local suppression changed the record's combination, from the position-aligned flags), ids as
    /// pseudonyms from the position-aligned pseudonym files, ordered by pseudonym (so row order says nothing about the
    /// source order, e.g. villages). A misaligned pseudonym or flag row fails the statement and is never written. With
    /// <paramref name="part"/>, unsorted and only the records whose family-pseudonym prefix is in [$1, $2), with the
    /// sort keys (<see cref="SortKeys"/>, <see cref="SortPrefix"/>) as extra columns (see <see cref="SortedRelease"/>).
    /// </summary>
    public static string Sql(ExtractPlan plan, ReleaseSources sources, bool part)
    {
        var family = ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn);
        var person = ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn);
        var qis = plan.QuasiIdentifiers;
        bool flagged = sources.Flags is not null;
        var select = plan.Columns.Select(c =>
        {
            var name = ExtractPlanner.Quote(c.Name);
            if (c.Kind == OutputKind.Pseudonym)
                return c.IdKind == IdKind.Person
                    ? $"CASE WHEN p.id = r.{person} THEN {Hex("p.person")} ELSE error('pseudonym files misaligned') END AS {name}"
                    : $"CASE WHEN p.family_id = r.{family} THEN {Hex("p.family")} ELSE error('pseudonym files misaligned') END AS {name}";
            int qi = IndexOf(qis, c.Name);
            return flagged && qi >= 0
                ? $"CASE WHEN f.{KAnonymitySql.Position} IS DISTINCT FROM r.{KAnonymitySql.Position} THEN error('suppression flags misaligned') " +
                  $"WHEN f.{KAnonymitySql.Suppressed} > {qi.ToString(CultureInfo.InvariantCulture)} THEN NULL ELSE r.{name} END AS {name}"
                : $"r.{name}";
        }).ToList();
        if (select.Count == 0) select.Add("NULL AS \"__empty\"");
        var sortKeys = plan.Persons ? [.. Halves("p.family"), .. Halves("p.person")] : Halves("p.family");
        if (part)
        {
            var names = SortKeys(plan);
            for (int i = 0; i < names.Length; i++) select.Add($"{sortKeys[i]} AS {names[i]}");
            select.Add($"p.prefix AS {SortPrefix}");
        }
        var sql = new StringBuilder($"SELECT {string.Join(", ", select)} FROM {sources.Stage} AS r POSITIONAL JOIN {sources.Pseudonyms} AS p ");
        if (flagged)
            sql.Append($"POSITIONAL JOIN {sources.Flags} AS f ");
        sql.Append($"WHERE r.{family} IS NOT NULL");
        if (plan.Persons) sql.Append($" AND r.{person} IS NOT NULL");
        if (part) sql.Append(" AND p.prefix >= $1 AND p.prefix < $2");
        else sql.Append(" ORDER BY ").Append(string.Join(", ", sortKeys));
        return sql.ToString();
    }

    /// <summary>
    /// A pseudonym as released, from its two halves (<paramref name="prefix"/>_hi and _lo, UBIGINT, the AES block
    /// read big-endian): 32 lower-case hex digits.
    /// </summary>
    private static string Hex(string prefix)
    {
        var half = (GrantPseudonymizer.Length / 2).ToString(CultureInfo.InvariantCulture);
        var halves = Halves(prefix);
        return $"lower(lpad(hex({halves[0]}), {half}, '0') || lpad(hex({halves[1]}), {half}, '0'))";
    }

    /// <summary>The names of a pseudonym's two UBIGINT halves: <paramref name="prefix"/>_hi, then _lo (numeric order is (hi, lo)).</summary>
    private static string[] Halves(string prefix) => [prefix + "_hi", prefix + "_lo"];

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }
}
