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

    /// <summary>
    /// The released rows, read straight from the plan's query (its parameters bound as in the plan): data columns as
    /// selected, the first <see cref="KAnonymitySql.Suppressed"/> quasi-identifiers NULL where local suppression changed
    /// the record's combination (a LEFT JOIN on the quasi-identifiers with the changed combinations of
    /// <paramref name="suppressed"/>, when given), ids as the grant's pseudonyms (<see cref="PseudonymFunctions"/>), in
    /// the order of the family pseudonym, then (persons) the member number r401 — a keyed random permutation of the
    /// families, so row order says nothing about the stored order (villages), and within a family the order of r401,
    /// which the row carries anyway. The family pseudonym is a 64-bit permutation (UBIGINT, unique per family), so the
    /// order is total. No person pseudonym is computed for the order: only when person_id is released, after the sort,
    /// as a UUID in Parquet and 32 lower-case hex digits in CSV and Arrow (the UUID's text without dashes).
    /// </summary>
    public static string Sql(ExtractPlan plan, QuasiIdentifierKey? key, string? suppressed) =>
        Sorted(plan, $"({Rows(plan, key, suppressed, batch: null)})");

    /// <summary>
    /// The released rows before the sort: the data columns with suppression applied, the family pseudonym (the sort key
    /// and the released family_id), the member number and, when person_id is released, the raw person id; with <paramref name="batch"/>, only the records whose last
    /// quasi-identifier's field is in that range, joined with that range's changed combinations only.
    /// </summary>
    public static string Rows(ExtractPlan plan, QuasiIdentifierKey? key, string? suppressed, (long Low, long High)? batch)
    {
        var family = ExtractPlanner.Quote(ExtractPlan.FamilyKeyColumn);
        var person = ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn);
        bool flagged = suppressed is not null && key is not null;
        var qis = plan.QuasiIdentifiers;
        // Sorted on the 64-bit family pseudonym, which is released as family_id; the person pseudonym (a UUID, when
        // released) is computed after the sort from the raw person id the rows carry.
        var select = new List<string> { $"{PseudonymFunctions.Family}(r.{family}) AS {FamilySort}" };
        if (plan.Persons) select.Add($"r.{Member} AS {Member}");
        if (plan.PersonPseudonym) select.Add($"r.{person} AS {person}");
        foreach (var c in plan.Columns.Where(c => c.Kind != OutputKind.Pseudonym))
        {
            var name = ExtractPlanner.Quote(c.Name);
            int qi = IndexOf(qis, c.Name);
            select.Add(flagged && qi >= 0
                ? $"CASE WHEN m.{KAnonymitySql.Suppressed} > {qi.ToString(CultureInfo.InvariantCulture)} THEN NULL ELSE r.{name} END AS {name}"
                : $"r.{name} AS {name}");
        }
        var sql = new StringBuilder($"SELECT {string.Join(", ", select)} FROM ({plan.SelectSql}) AS r ");
        if (flagged)
        {
            sql.Append($"LEFT JOIN {KAnonymitySql.Changed(suppressed!, key!, batch)} AS m ON {KAnonymitySql.ChangedJoin(key!, "m", "r")} ");
        }
        sql.Append($"WHERE r.{family} IS NOT NULL");
        if (plan.PersonPseudonym) sql.Append($" AND r.{person} IS NOT NULL");
        if (batch is { } range && key is not null) sql.Append(" AND ").Append(key.RecordLastFieldInRange("r", range.Low, range.High));
        return sql.ToString();
    }

    /// <summary>
    /// The released rows of <paramref name="rows"/> (a subquery or read_parquet over <see cref="Rows"/>' columns) in
    /// pseudonym order: family_id is the sort key (UBIGINT in every format: decimal digits in CSV), person_id the person
    /// pseudonym computed from the raw id (UUID in Parquet, 32 hex digits otherwise).
    /// </summary>
    public static string Sorted(ExtractPlan plan, string rows)
    {
        var person = ExtractPlanner.Quote(ExtractPlan.PersonKeyColumn);
        bool binary = plan.Format == ExtractFormat.Parquet;
        var select = plan.Columns.Select(c =>
        {
            var name = ExtractPlanner.Quote(c.Name);
            if (c.Kind != OutputKind.Pseudonym) return name;
            if (c.IdKind == IdKind.Family) return $"{FamilySort} AS {name}";
            var pseudonym = $"{PseudonymFunctions.Person}({person})";
            return binary ? $"{pseudonym} AS {name}" : $"replace(CAST({pseudonym} AS VARCHAR), '-', '') AS {name}";
        }).ToList();
        if (select.Count == 0) select.Add("NULL AS \"__empty\"");
        return $"SELECT {string.Join(", ", select)} FROM {rows} ORDER BY {FamilySort}" + (plan.Persons ? $", {Member}" : "");
    }

    private static string Member => ExtractPlanner.Quote(ExtractPlan.MemberKeyColumn);

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }
}
