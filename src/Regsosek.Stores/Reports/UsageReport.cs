using System.Globalization;
using System.Text;
using Regsosek.Stores.Audit;

namespace Regsosek.Stores.Reports;

/// <summary>Use of the data by one method in one region during the semester.</summary>
/// <param name="Method">The gRPC method.</param>
/// <param name="Region">The effective scope: region code digits, or "national".</param>
/// <param name="Calls">Calls made, allowed or refused.</param>
/// <param name="Refused">Calls refused.</param>
/// <param name="Cells">Aggregate cells returned by allowed calls.</param>
/// <param name="Extracts">Extract files delivered (allowed calls with an extract SHA-256).</param>
/// <param name="Rows">Records returned by allowed calls.</param>
/// <param name="Bytes">Response bytes of allowed calls.</param>
public sealed record UsageLine(string Method, string Region, long Calls, long Refused, long Cells, long Extracts, long Rows, long Bytes)
{
    /// <summary>
    /// Calls cut off by their deadline, cancelled or aborted at shutdown (<see cref="AuditDecision.Interrupted"/>);
    /// their cells, rows and bytes are what was actually sent.
    /// </summary>
    public long Interrupted { get; init; }
}

/// <summary>Refused calls by the rule that refused them.</summary>
public sealed record RefusalLine(string Rule, string Method, long Count);

/// <summary>
/// The semester usage report of PKS art. 10 for one grant, built from the audit trail: calls, cells,
/// extracts, rows and bytes by method and region, and refusals by rule; rendered as Markdown or CSV.
/// </summary>
public sealed class UsageReport
{
    private UsageReport(string grantId, Semester semester) => (GrantId, Semester) = (grantId, semester);

    /// <summary>The grant reported on.</summary>
    public string GrantId { get; }
    /// <summary>The reporting semester.</summary>
    public Semester Semester { get; }
    /// <summary>The organisation, as recorded in the audit trail (null when there were no calls).</summary>
    public string? Organisation { get; private init; }
    /// <summary>The unit, as recorded in the audit trail.</summary>
    public string? Unit { get; private init; }
    /// <summary>Usage by method and region, ordered by method then region.</summary>
    public IReadOnlyList<UsageLine> Lines { get; private init; } = [];
    /// <summary>Refusals by rule and method, most frequent first.</summary>
    public IReadOnlyList<RefusalLine> Refusals { get; private init; } = [];
    /// <summary>The sums over <see cref="Lines"/> (method and region "total").</summary>
    public UsageLine Total { get; private init; } = new("total", "", 0, 0, 0, 0, 0, 0);
    /// <summary>The gRPC method of matching a list with the registry by NIK (pemadanan, docs/matching.md).</summary>
    public const string MatchingMethod = "/regsosek.v1.MatchingService/Match";

    /// <summary>Matching calls answered (not refused) in the semester, and the records they returned.</summary>
    public (long Calls, long Rows) Matching => (Lines.Where(l => l.Method == MatchingMethod).Sum(l => l.Calls - l.Refused),
        Lines.Where(l => l.Method == MatchingMethod).Sum(l => l.Rows));

    /// <summary>First and last audit sequence numbers included; null when there were no calls.</summary>
    public (long First, long Last)? Records { get; private init; }

    /// <summary>Reads the grant's records of the semester from <paramref name="log"/> and builds the report.</summary>
    /// <exception cref="FormatException">The semester is not "YYYY-1" or "YYYY-2".</exception>
    /// <exception cref="ArgumentException">The grant id is empty.</exception>
    public static async Task<UsageReport> BuildAsync(IAuditLog log, string grantId, string semester, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (string.IsNullOrWhiteSpace(grantId)) throw new ArgumentException("name the grant to report on, e.g. g_01J…", nameof(grantId));
        var s = Semester.Parse(semester);
        var records = new List<AuditRecord>();
        await foreach (var r in log.ReadAsync(new AuditQuery { GrantId = grantId, From = s.Start, Until = s.End }, ct).ConfigureAwait(false))
            records.Add(r);
        return Build(records, grantId, s);
    }

    /// <summary>Builds the report from records already read (those of other grants or times are ignored).</summary>
    public static UsageReport Build(IEnumerable<AuditRecord> records, string grantId, Semester semester)
    {
        var lines = new Dictionary<(string, string), long[]>();
        // The allowed (committed) record of each call, by request id: an interruption of the same call replaces its
        // promised cells, rows and bytes by what was actually sent, and is not counted as a second call.
        var committed = new Dictionary<string, ((string, string) Key, AuditEntry Entry)>(StringComparer.Ordinal);
        var refusals = new Dictionary<(string, string), long>();
        string? org = null, unit = null;
        long? first = null, last = null;
        foreach (var r in records)
        {
            var e = r.Entry;
            if (e.GrantId != grantId || r.Time < semester.Start || r.Time >= semester.End) continue;
            org = e.Organisation;
            unit = e.Unit;
            first ??= r.Sequence;
            last = r.Sequence;
            var key = (e.Method, e.Scope.ToString());
            if (e.Decision == AuditDecision.Interrupted && e.RequestId is { } rid && committed.Remove(rid, out var earlier))
            {
                var was = lines[earlier.Key];
                was[2] -= earlier.Entry.Cells;
                was[4] -= earlier.Entry.Rows;
                was[5] -= earlier.Entry.Bytes;
                was[2] += e.Cells;
                was[4] += e.Rows;
                was[5] += e.Bytes;
                was[6]++;
                continue;
            }
            if (!lines.TryGetValue(key, out var sums)) lines[key] = sums = new long[7];
            sums[0]++;
            if (e.Decision == AuditDecision.Allowed && e.RequestId is { } id) committed[id] = (key, e);
            if (e.Decision == AuditDecision.Interrupted) sums[6]++;
            if (e.Decision == AuditDecision.Denied)
            {
                sums[1]++;
                var rk = (e.Rule ?? "(no rule)", e.Method);
                refusals[rk] = refusals.GetValueOrDefault(rk) + 1;
                continue;
            }
            sums[2] += e.Cells;
            if (e.ExtractSha256 is not null) sums[3]++;
            sums[4] += e.Rows;
            sums[5] += e.Bytes;
        }
        var usage = lines
            .OrderBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal)
            .Select(kv => new UsageLine(kv.Key.Item1, kv.Key.Item2, kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4], kv.Value[5])
            {
                Interrupted = kv.Value[6],
            })
            .ToList();
        return new UsageReport(grantId, semester)
        {
            Organisation = org,
            Unit = unit,
            Lines = usage,
            Refusals = refusals
                .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal)
                .Select(kv => new RefusalLine(kv.Key.Item1, kv.Key.Item2, kv.Value)).ToList(),
            Total = new UsageLine("total", "", usage.Sum(l => l.Calls), usage.Sum(l => l.Refused), usage.Sum(l => l.Cells),
                usage.Sum(l => l.Extracts), usage.Sum(l => l.Rows), usage.Sum(l => l.Bytes)) { Interrupted = usage.Sum(l => l.Interrupted) },
            Records = first is { } f ? (f, last!.Value) : null,
        };
    }

    /// <summary>The report as Markdown, for the semester letter to the data owner.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"# Usage report (laporan pemanfaatan Data Regsosek), semester {Semester}\n\n");
        sb.Append(inv, $"- Grant: {Md(GrantId)}\n");
        if (Organisation is not null) sb.Append(inv, $"- Organisation: {Md(Organisation)}; unit: {Md(Unit ?? "")}\n");
        sb.Append(inv, $"- Period: {Semester.Start:yyyy-MM-dd} to {Semester.End.AddDays(-1):yyyy-MM-dd} (WIB, UTC+07:00)\n");
        sb.Append(Records is { } rec
            ? string.Create(inv, $"- Source: the service's audit trail, records #{rec.First} to #{rec.Last}\n\n")
            : "- Source: the service's audit trail; no calls by this grant in this semester\n\n");
        var (matchingCalls, matchingRows) = Matching;
        sb.Append(inv, $"Matching calls (pemadanan by NIK): {matchingCalls}, returning {matchingRows} records.\n\n");
        sb.Append("## Calls by method and region\n\n");
        sb.Append("| Method | Region | Calls | Refused | Cells | Extracts | Rows | Bytes | Interrupted |\n");
        sb.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var l in Lines) Row(sb, Md(l.Method), Md(l.Region), l);
        Row(sb, "**Total**", "", Total);
        sb.Append("\n## Refusals by rule\n\n");
        if (Refusals.Count == 0)
        {
            sb.Append("No call was refused.\n");
        }
        else
        {
            sb.Append("| Rule | Method | Refusals |\n|---|---|--:|\n");
            foreach (var r in Refusals) sb.Append(inv, $"| {Md(r.Rule)} | {Md(r.Method)} | {r.Count} |\n");
        }
        return sb.ToString();

        static void Row(StringBuilder sb, string method, string region, UsageLine l) =>
            sb.Append(CultureInfo.InvariantCulture, $"| {method} | {region} | {l.Calls} | {l.Refused} | {l.Cells} | {l.Extracts} | {l.Rows} | {l.Bytes} | {l.Interrupted} |\n");
    }

    /// <summary>
    /// The report as CSV (RFC 4180, comma-separated, header row): one "usage" row per method and region,
    /// a "total" row, and one "refusal" row per rule and method (its count in the calls column).
    /// </summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("grant_id,semester,kind,method,region,rule,calls,refused,cells,extracts,rows,bytes,interrupted\r\n");
        foreach (var l in Lines) Line(sb, "usage", l.Method, l.Region, "", l);
        Line(sb, "total", "", "", "", Total);
        foreach (var r in Refusals) Line(sb, "refusal", r.Method, "", r.Rule, new UsageLine(r.Method, "", r.Count, r.Count, 0, 0, 0, 0));
        return sb.ToString();

        void Line(StringBuilder sb, string kind, string method, string region, string rule, UsageLine l) =>
            sb.Append(string.Join(',', Csv(GrantId), Csv(Semester.ToString()), kind, Csv(method), Csv(region), Csv(rule),
                Num(l.Calls), Num(l.Refused), Num(l.Cells), Num(l.Extracts), Num(l.Rows), Num(l.Bytes), Num(l.Interrupted))).Append("\r\n");
    }

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Csv(string v) =>
        v.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;

    private static string Md(string v) =>
        v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
         .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
