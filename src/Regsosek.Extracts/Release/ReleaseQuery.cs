using System.Globalization;
using System.Text;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Extracts;

/// <summary>The SQL of the released rows of a tier-3 extract: one statement over the plan's query.</summary>
internal static class ReleaseQuery
{
    private const string FamilySort = "__sort_family";
    private const string PersonSort = "__sort_person";

    /// <summary>
    /// The released rows, read straight from the plan's query (its parameters bound as in the plan): data columns as
    /// selected, the first <see cref="KAnonymitySql.Suppressed"/> quasi-identifiers NULL where local suppression changed
    /// the record's combination (a LEFT JOIN on the packed key with the changed combinations of
    /// <paramref name="suppressed"/>, when given), ids as the grant's pseudonyms (<see cref="PseudonymFunctions"/>), in
    /// the order of the family pseudonym, then the person pseudonym — a keyed random permutation, so row order says
    /// nothing about the stored order (villages). The sort keys are the pseudonyms' first 64 bits, which is the order
    /// of the pseudonyms themselves unless two families' (or one family's two persons') pseudonyms share their first 64
    /// bits (for n families, a probability of about n² / 2^65: ~10^-4 for the ~65 M families at full scale); the order is
    /// then still a deterministic keyed permutation. A pseudonym is a UUID in Parquet (16 bytes,
    /// FIXED_LEN_BYTE_ARRAY(16) with the UUID logical type) and 32 lower-case hex digits in CSV and Arrow; both are the
    /// same AES block, and the text without dashes of the UUID is the hex.
    /// </summary>
    public static string Sql(ExtractPlan plan, QuasiIdentifierKey? key, string? suppressed)
    {
        var family = ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn);
        var person = ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn);
        bool binary = plan.Format == ExtractFormat.Parquet;
        bool flagged = suppressed is not null && key is not null;
        var qis = plan.QuasiIdentifiers;
        // Sorted on the pseudonyms' first 64 bits, carrying the raw ids; the pseudonyms themselves are computed after
        // the sort, in the outer SELECT (a 16-byte UUID sort key costs DuckDB about twice an 8-byte one).
        var inner = new List<string> { $"{PseudonymFunctions.FamilyPrefix}(r.{family}) AS {FamilySort}", $"r.{family} AS {family}" };
        if (plan.Persons)
        {
            inner.Add($"{PseudonymFunctions.PersonPrefix}(r.{person}) AS {PersonSort}");
            inner.Add($"r.{person} AS {person}");
        }
        var outer = plan.Columns.Select(c =>
        {
            var name = ExtractPlanner.Quote(c.Name);
            if (c.Kind == OutputKind.Pseudonym)
            {
                var pseudonym = $"{PseudonymFunctions.Of(c.IdKind!.Value)}({(c.IdKind == IdKind.Person ? person : family)})";
                return binary ? $"{pseudonym} AS {name}" : $"replace(CAST({pseudonym} AS VARCHAR), '-', '') AS {name}";
            }
            int qi = IndexOf(qis, c.Name);
            inner.Add(flagged && qi >= 0
                ? $"CASE WHEN m.{KAnonymitySql.Suppressed} > {qi.ToString(CultureInfo.InvariantCulture)} THEN NULL ELSE r.{name} END AS {name}"
                : $"r.{name} AS {name}");
            return name;
        }).ToList();
        if (outer.Count == 0) outer.Add("NULL AS \"__empty\"");
        var sql = new StringBuilder($"SELECT {string.Join(", ", outer)} FROM (SELECT {string.Join(", ", inner)} FROM ({plan.SelectSql}) AS r ");
        if (flagged)
            sql.Append($"LEFT JOIN {KAnonymitySql.Changed(suppressed!)} AS m " +
                       $"ON m.{KAnonymitySql.Key} = {key!.Pack("r")} ");
        sql.Append($"WHERE r.{family} IS NOT NULL");
        if (plan.Persons) sql.Append($" AND r.{person} IS NOT NULL");
        sql.Append($") ORDER BY {FamilySort}");
        if (plan.Persons) sql.Append($", {PersonSort}");
        return sql.ToString();
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }
}
