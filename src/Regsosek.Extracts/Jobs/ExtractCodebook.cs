using System.Globalization;
using System.Text;
using System.Text.Json;
using Regsosek.Core;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Schema;

namespace Regsosek.Extracts.Jobs;

/// <summary>
/// The codebook that travels with every extract job's file: its columns with their labels and value labels from the
/// data dictionary, the filters of the request, the k-anonymity report, the licence and the attribution — as JSON
/// (<see cref="ToJson"/>) and as a Markdown document for people (<see cref="ToMarkdown"/>). Pure: no I/O.
/// </summary>
public sealed class ExtractCodebook
{
    private readonly ExtractPlan _plan;
    private readonly ExtractRequest _request;
    private readonly ExtractSummary _summary;
    private readonly DataDictionary _dictionary;

    /// <summary>The codebook of one extract.</summary>
    /// <param name="jobId">The job the file belongs to.</param>
    /// <param name="plan">The plan the file was made from (its columns, tier, region).</param>
    /// <param name="request">The request (its filters).</param>
    /// <param name="summary">What the run produced: rows, bytes, SHA-256, the k-anonymity report.</param>
    /// <param name="dataVersion">The dataset's version, as responses carry it.</param>
    /// <param name="dictionary">The data dictionary the labels come from.</param>
    public ExtractCodebook(string jobId, ExtractPlan plan, ExtractRequest request, ExtractSummary summary, string dataVersion,
        DataDictionary? dictionary = null)
    {
        JobId = jobId ?? throw new ArgumentNullException(nameof(jobId));
        _plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _request = request ?? throw new ArgumentNullException(nameof(request));
        _summary = summary ?? throw new ArgumentNullException(nameof(summary));
        DataVersion = dataVersion ?? "";
        _dictionary = dictionary ?? DataDictionary.Default;
    }

    /// <summary>The job id.</summary>
    public string JobId { get; }

    /// <summary>The dataset's version.</summary>
    public string DataVersion { get; }

    /// <summary>The columns of the file in order, each with its dictionary entry (null for none).</summary>
    public IReadOnlyList<(OutputColumn Column, Variable? Variable)> Columns =>
        _plan.Columns.Select(c => (c, Find(c.Name))).ToList();

    private Variable? Find(string column)
    {
        foreach (var table in _plan.Table == ExtractTable.Keluarga ? [TableKind.Keluarga] : new[] { TableKind.Individu, TableKind.Keluarga })
            if (_dictionary.TryGet(table, column, out var v)) return v;
        return null;
    }

    /// <summary>
    /// The columns that identify a row of this file (empty at tier 4, where the real ids are the key, or when the file
    /// has no id): person_id when released, otherwise family_id and r401 for person rows (<see cref="ExtractPlanner.PersonKey"/>), family_id for families.
    /// </summary>
    public IReadOnlyList<string> RowKey
    {
        get
        {
            if (!_plan.DeIdentify) return [];
            if (_plan.PersonPseudonym) return ["person_id"];
            var key = _plan.Persons ? ExtractPlanner.PersonKey : ["family_id"];
            return key.All(k => _plan.Columns.Any(c => c.Name == k)) ? key : [];
        }
    }

    /// <summary>How a record of this file is identified, in one sentence (tier 3), or null.</summary>
    public string? Identification => RowKey switch
    {
        ["person_id"] => "A person is identified by person_id, a per-grant pseudonym of the person (16 bytes a record); family_id, when present, links the person to the family.",
        ["family_id", "r401"] => "A person is identified by the pair (family_id, r401): the family's per-grant pseudonym (an unsigned 64-bit integer, unique per family) and the member's sequence number within the family. " +
                                 "The same person has the same pair in every extract of this grant, and family_id equals the family's pseudonym in this grant's keluarga extracts. " +
                                 "Rows are ordered by family pseudonym, then r401.",
        ["family_id"] => "A family is identified by family_id, its per-grant pseudonym (an unsigned 64-bit integer); rows are ordered by it.",
        _ => null,
    };

    /// <summary>The type of a pseudonym column: the 64-bit family pseudonym is a UBIGINT in every format, the person pseudonym a UUID in Parquet and text otherwise.</summary>
    private string PseudonymType(OutputColumn c) =>
        c.IdKind == Pseudonyms.IdKind.Family ? "UBIGINT" : _plan.Format == ExtractFormat.Parquet ? "UUID" : "VARCHAR";

    /// <summary>What a column holds beyond its dictionary entry: pseudonyms, the member number of the row key, age bands.</summary>
    private string? Note(OutputColumn c) => c switch
    {
        { Kind: OutputKind.Pseudonym, IdKind: Pseudonyms.IdKind.Family } =>
            "per-grant pseudonym of the family (an unsigned 64-bit integer" +
            (_plan.Format == ExtractFormat.Csv ? ", written in up to 20 decimal digits: read it as text or as an unsigned 64-bit integer, never as a floating-point number, which loses its last digits" : "") +
            "), not the registry id; the same family has the same pseudonym in every extract of this grant, and no two families share one",
        { Kind: OutputKind.Pseudonym } => "per-grant pseudonym (" + (_plan.Format == ExtractFormat.Parquet ? "a UUID, 16 bytes" : "32 lower-case hex digits") +
                                          "), not the registry id; the same id gives the same pseudonym in every extract of this grant",
        { Name: "r401" } when RowKey is ["family_id", "r401"] => "with family_id, the key of a person in this grant's extracts",
        { Name: "r407" } when _plan.KAnonymity.AgeBands == AgeBanding.FiveYears => "generalised: the lower bound of a 5-year band (25 means 25-29)",
        { Name: "r407" } when _plan.KAnonymity.AgeBands == AgeBanding.TenYears => "generalised: the lower bound of a 10-year band (20 means 20-29)",
        { QuasiIdentifier: true } when _summary.KAnonymity is { LocalSuppression: true } => "quasi-identifier: may be empty (NULL) where local suppression removed the value",
        _ => null,
    };

    private static string Table(ExtractTable t) => t switch
    {
        ExtractTable.Keluarga => "keluarga",
        ExtractTable.Individu => "individu",
        _ => "individu_with_keluarga",
    };

    private static string Format(ExtractFormat f) => f switch
    {
        ExtractFormat.Csv => "csv",
        ExtractFormat.ArrowStream => "arrow_stream",
        _ => "parquet",
    };

    private static string Filter(ExtractFilter f) =>
        f.Codes is { Count: > 0 } codes
            ? $"{f.Column} in ({string.Join(", ", codes.Select(c => c.ToString(CultureInfo.InvariantCulture)))})"
            : $"{f.Column} {(f.Min is { } min ? ">= " + min.ToString(CultureInfo.InvariantCulture) : "")}" +
              $"{(f.Min is not null && f.Max is not null ? " and " : "")}{(f.Max is { } max ? "<= " + max.ToString(CultureInfo.InvariantCulture) : "")}";

    /// <summary>The codebook as indented JSON (UTF-8 text).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("job_id", JobId);
            w.WriteString("dataset", DataVersion);
            w.WriteString("attribution", Licences.Attribution);
            w.WriteString("licence", _summary.Licence);
            w.WriteNumber("tier", (int)_summary.Tier);
            w.WriteString("region", _summary.EffectiveRegion.Value);
            w.WriteString("table", Table(_plan.Table));
            w.WriteString("format", Format(_plan.Format));
            w.WriteNumber("records", _summary.Rows);
            w.WriteNumber("bytes", _summary.Bytes);
            w.WriteString("sha256", _summary.Sha256);
            if (RowKey.Count > 0)
            {
                w.WriteStartArray("row_key");
                foreach (var name in RowKey) w.WriteStringValue(name);
                w.WriteEndArray();
                w.WriteString("identification", Identification);
            }
            w.WriteStartArray("columns");
            foreach (var (c, v) in Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("label_id", v?.LabelId ?? "");
                w.WriteString("label_en", v?.LabelEn ?? "");
                w.WriteString("type", c.Kind == OutputKind.Pseudonym ? PseudonymType(c) : v?.SqlType ?? "");
                if (v?.Question is { } q) w.WriteString("question", q);
                w.WriteBoolean("quasi_identifier", c.QuasiIdentifier);
                if (v?.Universe is { } u) w.WriteString("universe", u);
                if (Note(c) is { } note) w.WriteString("note", note);
                w.WriteStartArray("values");
                foreach (var code in v?.Codes ?? [])
                {
                    w.WriteStartObject();
                    w.WriteNumber("code", code.Code);
                    w.WriteString("label_id", code.LabelId);
                    w.WriteString("label_en", code.LabelEn);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("filters");
            foreach (var f in _request.Filters)
            {
                w.WriteStartObject();
                w.WriteString("column", f.Column);
                if (f.Codes is { Count: > 0 } codes)
                {
                    w.WriteStartArray("codes");
                    foreach (var code in codes) w.WriteNumberValue(code);
                    w.WriteEndArray();
                }
                if (f.Min is { } min) w.WriteNumber("min", min);
                if (f.Max is { } max) w.WriteNumber("max", max);
                w.WriteString("text", Filter(f));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (_summary.KAnonymity is { } k) WriteReport(w, k);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteReport(Utf8JsonWriter w, KAnonymityReport k)
    {
        w.WriteStartObject("k_anonymity");
        w.WriteNumber("k", k.K);
        w.WriteString("age_bands", k.AgeBands.ToString());
        w.WriteBoolean("local_suppression", k.LocalSuppression);
        w.WriteStartArray("quasi_identifiers");
        foreach (var q in k.QuasiIdentifiers) w.WriteStringValue(q);
        w.WriteEndArray();
        w.WriteNumber("records", k.Records);
        w.WriteNumber("records_below_k_before", k.RecordsBelowKBefore);
        w.WriteNumber("classes_below_k_before", k.ClassesBelowKBefore);
        w.WriteNumber("records_below_k", k.RecordsBelowK);
        w.WriteNumber("classes_below_k", k.ClassesBelowK);
        w.WriteNumber("suppression_rounds", k.SuppressionRounds);
        w.WriteBoolean("satisfied", k.Satisfied);
        w.WriteStartObject("suppressed_values");
        foreach (var (name, count) in k.SuppressedValues) w.WriteNumber(name, count);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The codebook as a Markdown document.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(inv, $"# Codebook of extract job {JobId}\n\n");
        md.Append(inv, $"{Licences.Attribution}\n\n");
        md.Append(inv, $"**Licence.** {_summary.Licence}\n\n");
        md.Append("| | |\n|---|---|\n");
        md.Append(inv, $"| dataset | {Escape(DataVersion)} |\n");
        md.Append(inv, $"| table | {Table(_plan.Table)} |\n");
        md.Append(inv, $"| region | {(_summary.EffectiveRegion.Value.Length == 0 ? "national" : _summary.EffectiveRegion.Value)} |\n");
        md.Append(inv, $"| tier | {(int)_summary.Tier} |\n");
        md.Append(inv, $"| format | {Format(_plan.Format)} |\n");
        md.Append(inv, $"| records | {_summary.Rows} |\n");
        md.Append(inv, $"| bytes | {_summary.Bytes} |\n");
        md.Append(inv, $"| SHA-256 | `{_summary.Sha256}` |\n\n");

        md.Append("## Filters\n\n");
        if (_request.Filters.Count == 0) md.Append("None: every record of the region.\n\n");
        else
        {
            foreach (var f in _request.Filters) md.Append(inv, $"- `{Filter(f)}`\n");
            md.Append('\n');
        }

        if (Identification is { } identification) md.Append(inv, $"## Identifying a record\n\n{identification}\n\n");

        md.Append("## Columns\n\n| column | label | type | notes |\n|---|---|---|---|\n");
        foreach (var (c, v) in Columns)
        {
            var notes = new List<string>();
            if (c.QuasiIdentifier) notes.Add("quasi-identifier");
            if (Note(c) is { } n) notes.Add(n);
            if (v?.Universe is { } u) notes.Add("universe: " + u);
            md.Append(inv, $"| `{c.Name}` | {Escape(v?.LabelEn ?? "")}{(v is null ? "" : " / " + Escape(v.LabelId))} | " +
                           $"{(c.Kind == OutputKind.Pseudonym ? PseudonymType(c) : v?.SqlType ?? "")} | {Escape(string.Join("; ", notes))} |\n");
        }
        md.Append('\n');

        var coded = Columns.Where(x => x.Variable is { HasCodes: true }).ToList();
        if (coded.Count > 0)
        {
            md.Append("## Value labels\n\n");
            foreach (var (c, v) in coded)
            {
                md.Append(inv, $"### `{c.Name}` — {Escape(v!.LabelEn)}\n\n| code | label | label (id) |\n|---|---|---|\n");
                foreach (var code in v.Codes) md.Append(inv, $"| {code.Code} | {Escape(code.LabelEn)} | {Escape(code.LabelId)} |\n");
                md.Append('\n');
            }
        }

        if (_summary.KAnonymity is { } k)
        {
            md.Append("## k-anonymity\n\n");
            md.Append(inv, $"k = {k.K}, age bands: {k.AgeBands}, local suppression: {(k.LocalSuppression ? "yes" : "no")}; ");
            md.Append(inv, $"quasi-identifiers: {string.Join(", ", k.QuasiIdentifiers)}.\n\n");
            md.Append(inv, $"- records below k before suppression: {k.RecordsBelowKBefore} in {k.ClassesBelowKBefore} classes\n");
            md.Append(inv, $"- records below k in this file: {k.RecordsBelowK} in {k.ClassesBelowK} classes ({(k.Satisfied ? "k-anonymity holds" : "k-anonymity does not hold")})\n");
            foreach (var (name, count) in k.SuppressedValues) md.Append(inv, $"- values suppressed in `{name}`: {count}\n");
            md.Append('\n');
        }
        return md.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
