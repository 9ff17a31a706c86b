using Regsosek.Core.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Regsosek.Core;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Regsosek.Schema;

/// <summary>A data dictionary that does not parse or breaks an invariant; the message names the entry and the problem.</summary>
public sealed class DataDictionaryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The data dictionary of the registry (schema/dictionary.yaml): every REGSOSEK22-K variable of
/// blocks I, III, IV and V plus the derived columns, per table, in storage order.
/// </summary>
public sealed partial class DataDictionary
{
    /// <summary>Logical name of the embedded schema/dictionary.yaml.</summary>
    public const string ResourceName = "Regsosek.Schema.dictionary.yaml";

    private static readonly Lazy<DataDictionary> s_default = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<(TableKind, string), Variable> _byColumn;
    private readonly Dictionary<TableKind, IReadOnlyList<Variable>> _columns;

    private DataDictionary(string schemaVersion, IReadOnlyList<Variable> variables)
    {
        SchemaVersion = schemaVersion;
        Variables = variables;
        _byColumn = variables.ToDictionary(v => (v.Table, v.Column));
        _columns = Enum.GetValues<TableKind>().ToDictionary(t => t, t => (IReadOnlyList<Variable>)variables.Where(v => v.Table == t).ToArray());
    }

    /// <summary>The embedded dictionary, loaded and validated once.</summary>
    public static DataDictionary Default => s_default.Value;

    /// <summary>The dictionary's version (schema_version at the top of the YAML).</summary>
    public string SchemaVersion { get; }

    /// <summary>Every column of both tables, keluarga first, each table in storage order.</summary>
    public IReadOnlyList<Variable> Variables { get; }

    /// <summary>The columns of <paramref name="table"/> in storage order.</summary>
    public IReadOnlyList<Variable> Columns(TableKind table) => _columns[table];

    /// <summary>Looks a column up by name (exact, lower case).</summary>
    public bool TryGet(TableKind table, string column, [NotNullWhen(true)] out Variable? variable) =>
        _byColumn.TryGetValue((table, column), out variable);

    /// <summary>Looks a column up; throws <see cref="KeyNotFoundException"/> suggesting near names.</summary>
    public Variable Get(TableKind table, string column)
    {
        if (TryGet(table, column, out var v)) return v;
        var name = TableNames.Of(table);
        var lower = column.ToLowerInvariant();
        if (TryGet(table, lower, out v)) return v;
        var suggestions = Columns(table)
            .Select(c => (c.Column, Distance: EditDistance.Levenshtein(lower, c.Column)))
            .Where(x => x.Distance <= Math.Max(2, lower.Length / 3))
            .OrderBy(x => x.Distance).ThenBy(x => x.Column, StringComparer.Ordinal)
            .Take(3).Select(x => x.Column).ToList();
        var other = table == TableKind.Keluarga ? TableKind.Individu : TableKind.Keluarga;
        var hint = suggestions.Count > 0 ? $"; did you mean {string.Join(", ", suggestions)}?" : "";
        if (TryGet(other, lower, out _)) hint += $" ({lower} is a column of {TableNames.Of(other)})";
        throw new KeyNotFoundException($"{name} has no column '{column}'{hint}");
    }

    /// <summary>DuckDB DDL creating <paramref name="tableName"/> with the columns of <paramref name="table"/>.</summary>
    public string CreateTableSql(TableKind table, string tableName)
    {
        var sb = new StringBuilder();
        sb.Append("CREATE TABLE ").Append(QuoteIdentifier(tableName)).Append(" (\n");
        var cols = Columns(table);
        for (int i = 0; i < cols.Count; i++)
        {
            sb.Append("    ").Append(QuoteIdentifier(cols[i].Column)).Append(' ').Append(cols[i].SqlType);
            sb.Append(i < cols.Count - 1 ? ",\n" : "\n");
        }
        sb.Append(')');
        return sb.ToString();
    }

    /// <summary>Parses and validates a dictionary. Throws <see cref="DataDictionaryException"/>.</summary>
    public static DataDictionary Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        FileDto dto;
        try
        {
            var deserializer = new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .Build();
            dto = deserializer.Deserialize<FileDto>(yaml) ?? throw new DataDictionaryException("the data dictionary is empty");
        }
        catch (YamlException e)
        {
            throw new DataDictionaryException($"the data dictionary is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(dto.SchemaVersion))
            throw new DataDictionaryException("the data dictionary has no schema_version at the top");
        if (dto.Variables is null || dto.Variables.Count == 0)
            throw new DataDictionaryException("the data dictionary has no variables");

        var variables = new List<Variable>(dto.Variables.Count);
        for (int i = 0; i < dto.Variables.Count; i++)
            variables.Add(Convert(dto.Variables[i], i + 1));
        Validate(variables);
        // Storage order: keluarga first, then individu, each in file order.
        var ordered = variables.OrderBy(v => v.Table).ToArray();
        return new DataDictionary(dto.SchemaVersion.Trim(), ordered);
    }

    private static DataDictionary LoadEmbedded()
    {
        using var stream = typeof(DataDictionary).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DataDictionaryException($"embedded resource {ResourceName} is missing from {typeof(DataDictionary).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd());
    }

    private static Variable Convert(VariableDto d, int index)
    {
        string where = $"entry {index}" + (d.Column is null ? "" : $" ({d.Table ?? "?"}.{d.Column})");
        DataDictionaryException Fail(string problem) => new($"{where}: {problem}");

        if (string.IsNullOrWhiteSpace(d.Column)) throw Fail("column is missing");
        if (!ColumnName().IsMatch(d.Column)) throw Fail($"column '{d.Column}' must be lower case letters, digits and '_', starting with a letter");
        if (!TableNames.TryParse(d.Table, out var table)) throw Fail($"table '{d.Table}' must be keluarga or individu");
        if (d.Type is null || !TryParseType(d.Type, out var type))
            throw Fail($"type '{d.Type}' must be one of boolean, tinyint, smallint, integer, bigint, double, varchar, date");
        if (string.IsNullOrWhiteSpace(d.LabelId)) throw Fail("label_id is missing");
        if (string.IsNullOrWhiteSpace(d.LabelEn)) throw Fail("label_en is missing");
        if (d.MinTier is null || !TierExtensions.IsDefined(d.MinTier.Value)) throw Fail($"min_tier '{d.MinTier}' must be 1, 2, 3 or 4");
        if (d.Question is not null && !QuestionNumber().IsMatch(d.Question))
            throw Fail($"question '{d.Question}' must be a REGSOSEK22-K number like 301a or 307b1");

        var codes = new List<CodeLabel>();
        foreach (var c in d.Codes ?? [])
        {
            if (c is null || c.Count != 3)
                throw Fail("each code must be [code, label_id, label_en]");
            if (!int.TryParse(c[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code))
                throw Fail($"code '{c[0]}' is not an integer");
            if (string.IsNullOrWhiteSpace(c[1]) || string.IsNullOrWhiteSpace(c[2]))
                throw Fail($"code {code} needs both an Indonesian and an English label");
            codes.Add(new CodeLabel(code, c[1].Trim(), c[2].Trim()));
        }

        UniverseRule? rule = null;
        if (d.Universe is not null)
        {
            try { rule = UniverseRule.Parse(d.Universe); }
            catch (FormatException e) { throw Fail(e.Message); }
        }

        return new Variable
        {
            Table = table,
            Column = d.Column,
            Type = type,
            Question = d.Question,
            LabelId = d.LabelId.Trim(),
            LabelEn = d.LabelEn.Trim(),
            Codes = codes,
            MultiSelectSum = d.MultiSelectSum,
            Identity = d.Identity,
            QuasiIdentifier = d.QuasiIdentifier,
            MinTier = (Tier)d.MinTier.Value,
            Derived = d.Derived,
            Universe = d.Universe,
            UniverseNote = d.UniverseNote,
            UniverseRule = rule,
            Optional = d.Optional,
            Min = d.Min,
            Max = d.Max,
        };
    }

    private static void Validate(List<Variable> variables)
    {
        var seen = new HashSet<(TableKind, string)>();
        var questions = new HashSet<(TableKind, string)>();
        foreach (var v in variables)
        {
            string where = $"{TableNames.Of(v.Table)}.{v.Column}";
            DataDictionaryException Fail(string problem) => new($"{where}: {problem}");

            if (!seen.Add((v.Table, v.Column))) throw Fail("the column appears twice in the table");
            if (v.Question is not null && !questions.Add((v.Table, v.Question)))
                throw Fail($"question {v.Question} is already used by another column of the table");
            if (v.Identity && v.MinTier != Tier.Bnba)
                throw Fail($"an identity variable must have min_tier 4 (BNBA), not {(int)v.MinTier}");
            if (v.Question is null && !v.Derived && !v.Identity)
                throw Fail("a column with no question number must be derived or an identity variable");

            if (v.HasCodes)
            {
                if (!v.Type.IsInteger()) throw Fail($"codes need an integer type, not {v.SqlType}");
                var (lo, hi) = v.Type.Range();
                var dup = v.Codes.GroupBy(c => c.Code).FirstOrDefault(g => g.Count() > 1);
                if (dup is not null) throw Fail($"code {dup.Key} appears twice");
                foreach (var c in v.Codes)
                    if (c.Code < lo || c.Code > hi) throw Fail($"code {c.Code} does not fit {v.SqlType}");
                if (v.MultiSelectSum)
                {
                    // Flags are 0 (none), powers of two, and at most one "Tidak tahu" (don't know) code above their sum.
                    var flags = v.Codes.Where(c => c.Code > 0 && (c.Code & (c.Code - 1)) == 0).Sum(c => (long)c.Code);
                    var others = v.Codes.Where(c => c.Code != 0 && (c.Code & (c.Code - 1)) != 0).ToList();
                    if (others.Count > 1 || others.Any(c => c.Code <= flags || !c.LabelId.Equals("Tidak tahu", StringComparison.OrdinalIgnoreCase)))
                        throw Fail("a 'Jumlahkan kode' list holds 0, powers of two and at most one 'Tidak tahu' code above their sum");
                    if (flags > hi) throw Fail($"the sum of all flags ({flags}) does not fit {v.SqlType}");
                }
            }
            else if (v.MultiSelectSum)
            {
                throw Fail("multi_select_sum needs a code list of flags");
            }

            if (v.Min is not null || v.Max is not null)
            {
                if (!v.Type.IsNumeric()) throw Fail($"min/max need a numeric type, not {v.SqlType}");
                var (lo, hi) = v.Type.Range();
                if (v.Min is double mn && (mn < lo || mn > hi)) throw Fail($"min {mn} does not fit {v.SqlType}");
                if (v.Max is double mx && (mx < lo || mx > hi)) throw Fail($"max {mx} does not fit {v.SqlType}");
                if (v.Min > v.Max) throw Fail($"min {v.Min} is above max {v.Max}");
            }
            if (v.Optional && v.UniverseRule is null && !v.Identity)
                throw Fail("optional is only meaningful with a universe (or for an identity variable such as a phone number)");
        }

        foreach (var v in variables)
        {
            if (v.UniverseRule is null) continue;
            foreach (var col in v.UniverseRule.Columns)
            {
                if (col == v.Column)
                    throw new DataDictionaryException($"{TableNames.Of(v.Table)}.{v.Column}: the universe rule refers to the column itself");
                if (!seen.Contains((v.Table, col)))
                    throw new DataDictionaryException($"{TableNames.Of(v.Table)}.{v.Column}: the universe rule refers to '{col}', which is not a column of {TableNames.Of(v.Table)}");
            }
        }
    }

    private static bool TryParseType(string text, out ColumnType type)
    {
        foreach (var t in Enum.GetValues<ColumnType>())
        {
            if (string.Equals(t.ToSql(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";


    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex ColumnName();

    [GeneratedRegex("^[1-5][0-9]{2}[a-z]?[0-9]?$")]
    private static partial Regex QuestionNumber();

    // YAML shapes (deserialized with underscored names: label_id, min_tier, ...).
    private sealed class FileDto
    {
        public string? SchemaVersion { get; set; }
        public List<VariableDto>? Variables { get; set; }
    }

    private sealed class VariableDto
    {
        public string? Table { get; set; }
        public string? Column { get; set; }
        public string? Type { get; set; }
        public string? Question { get; set; }
        public string? LabelId { get; set; }
        public string? LabelEn { get; set; }
        public List<List<string>>? Codes { get; set; }
        public bool MultiSelectSum { get; set; }
        public bool Identity { get; set; }
        public bool QuasiIdentifier { get; set; }
        public int? MinTier { get; set; }
        public bool Derived { get; set; }
        public string? Universe { get; set; }
        public string? UniverseNote { get; set; }
        public bool Optional { get; set; }
        public double? Min { get; set; }
        public double? Max { get; set; }
    }
}
