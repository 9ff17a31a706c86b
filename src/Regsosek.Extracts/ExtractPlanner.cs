using Regsosek.Core.Text;
using System.Globalization;
using System.Text;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Extracts;

/// <summary>
/// Turns an <see cref="ExtractRequest"/> into an <see cref="ExtractPlan"/>: validates it against the data
/// dictionary (errors name the field), asks <see cref="AccessPolicy.DecideExtract"/>, decides the output
/// columns by tier, and builds ONE parameterised DuckDB query over the hive-partitioned Parquet dataset.
/// SQL identifiers come only from the dictionary; every value the client controls is a '$n' parameter.
/// <para>Tier 3 (microdata): identity variables are refused when asked for and left out of "all columns";
/// geography stops at regency (district_code, village_code never present, region at most a regency);
/// the birth date (r406, an identity variable) is never present, the age r407 is; family_id and (asked for by name)
/// person_id become per-grant pseudonyms, and a person row is identified by (family pseudonym, r401): <see cref="PersonKey"/>. Tier 4 (BNBA): every column, down to village, inside the grant's region.</para>
/// Pure and thread-safe.
/// </summary>
public sealed class ExtractPlanner(DataDictionary dictionary)
{
    /// <summary>At most this many codes in one filter.</summary>
    public const int MaxFilterCodes = 1000;

    /// <summary>At most this many filters.</summary>
    public const int MaxFilters = 64;

    /// <summary>Largest k accepted.</summary>
    public const int MaxK = 1000;

    private const string AgeColumn = "r407";

    /// <summary>The dictionary the planner reads.</summary>
    public DataDictionary Dictionary { get; } = dictionary ?? throw new ArgumentNullException(nameof(dictionary));

    /// <summary>
    /// Plans <paramref name="request"/> for <paramref name="caller"/> at <paramref name="now"/>, reading the dataset in
    /// <paramref name="datasetDirectory"/>.
    /// </summary>
    /// <exception cref="ExtractValidationException">The request is invalid; the exception names the field.</exception>
    /// <exception cref="ExtractAccessDeniedException">The access policy refused (tier, scope, identity, geography, grant validity).</exception>
    public ExtractPlan Plan(ExtractRequest request, Caller caller, DateTimeOffset now, string datasetDirectory) =>
        Plan(request, caller, now, DatasetPartitions.Unscanned(datasetDirectory));

    /// <summary>
    /// As <see cref="Plan(ExtractRequest, Caller, DateTimeOffset, string)"/>, reading only the partitions of the
    /// allowed region that <paramref name="dataset"/> lists (the region equalities still filter).
    /// </summary>
    /// <exception cref="ExtractValidationException">The request is invalid; the exception names the field.</exception>
    /// <exception cref="ExtractAccessDeniedException">The access policy refused (tier, scope, identity, geography, grant validity).</exception>
    public ExtractPlan Plan(ExtractRequest request, Caller caller, DateTimeOffset now, DatasetPartitions dataset)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(dataset);

        // The tier check comes first: tier 1 and 2 are refused whatever they ask.
        var tier = caller.Tier;
        if (!tier.Includes(Tier.Microdata) || caller.Grant is null)
            Deny(AccessPolicy.DecideExtract(new ExtractAccessRequest(caller, caller.Scope, RegionLevel.Regency, false, true), now), "");

        var region = ParseRegion(request);
        var source = ExtractSource.Of(request.Table, Dictionary);
        var explicitColumns = ResolveColumns(request.Columns, source);
        var filters = ResolveFilters(request.Filters, source);
        ValidateKAnonymity(request.KAnonymity, tier);

        // What the request touches, for the policy: identity variables and the finest geography.
        var touched = explicitColumns.Select(c => (Field: c.Field, c.Column.Variable))
            .Concat(filters.Select(f => (Field: f.Field + ".column", f.Column.Variable)))
            .ToList();
        var identity = touched.Where(t => t.Variable.Identity).ToList();
        var geography = RegionLevel.Regency;
        foreach (var t in touched)
            if (GeographyLevel(t.Variable.Column) is { } level && level > geography) geography = level;
        Tier? variableTier = touched.Count == 0 ? null : touched.Max(t => t.Variable.MinTier);
        // A filter on a real id would tell which pseudonym belongs to which person or family.
        var idFilters = filters.Where(f => IsPseudonymised(f.Column.Variable.Column)).ToList();

        // The policy decides; the planner only names the fields behind a refusal.
        var decision = AccessPolicy.DecideExtract(new ExtractAccessRequest(caller, region, geography, identity.Count > 0,
            request.WholeScope, variableTier, idFilters.Count > 0), now);
        if (decision is Denied denied)
        {
            var detail = denied.Rule switch
            {
                AccessRules.ExtractIdentity when identity.Count > 0 =>
                    " (" + string.Join(", ", identity.Select(t => $"{t.Field}: {Describe(t.Variable)}")) + ")",
                AccessRules.ExtractIdentity => " (" + string.Join(", ", idFilters.Select(f => $"{f.Field}.column: {f.Column.Variable.Column}")) + ")",
                AccessRules.ExtractGeography when geography > RegionLevel.Regency => " (" + string.Join(", ",
                    touched.Where(t => GeographyLevel(t.Variable.Column) > RegionLevel.Regency).Select(t => $"{t.Field}: {t.Variable.Column}")) + ")",
                AccessRules.TierInsufficient when touched.Any(t => !tier.Includes(t.Variable.MinTier)) => " (" + string.Join(", ",
                    touched.Where(t => !tier.Includes(t.Variable.MinTier)).Select(t => $"{t.Field}: {t.Variable.Column} needs tier {(int)t.Variable.MinTier}")) + ")",
                _ => "",
            };
            Deny(denied, detail);
        }
        var allowed = (Allowed)decision;

        var columns = explicitColumns.Count > 0
            ? explicitColumns.Select(c => c.Column).ToList()
            : source.Columns.Where(c => Visible(c.Variable, tier) && !(allowed.Tier == Tier.Microdata && c.Variable.Column == PersonIdColumn)).ToList();
        if (allowed.Tier == Tier.Microdata && source.Persons) columns = WithPersonKey(columns, source);

        return Build(request, caller.Grant!.Id, allowed, source, columns, filters, dataset);
    }

    /// <summary>The per-person id: at tier 3 a per-grant pseudonym released only when asked for by name.</summary>
    private const string PersonIdColumn = "person_id";

    /// <summary>
    /// How a tier-3 person row is identified: by its family's pseudonym and its member sequence number within the
    /// family (r401, "Nomor urut anggota keluarga"; in the data person_id = family_id × 100 + r401). The pair is the
    /// same for the same person in every extract of a grant, links to the grant's keluarga extract through the family
    /// pseudonym, and costs one 8-byte pseudonym a family (GrantPseudonymizer.FamilyPseudonyms) instead of a 16-byte one a person.
    /// </summary>
    public static IReadOnlyList<string> PersonKey { get; } = ["family_id", "r401"];

    /// <summary>
    /// The one home of the tier-3 row key rule for person rows (individu, individu_with_keluarga): a row carries
    /// <see cref="PersonKey"/>; those of its columns not already listed go first, in that order. A request that names
    /// person_id gets its per-person pseudonym as before and nothing is added (that column identifies the row).
    /// "All columns" at tier 3 leaves person_id out (<see cref="Plan(ExtractRequest, Caller, DateTimeOffset, DatasetPartitions)"/>).
    /// </summary>
    private static List<SourceColumn> WithPersonKey(List<SourceColumn> columns, ExtractSource source)
    {
        if (columns.Any(c => c.Variable.Column == PersonIdColumn)) return columns;
        var missing = PersonKey.Where(k => columns.All(c => c.Variable.Column != k)).Select(k => source.Find(k)!);
        return missing.Concat(columns).ToList();
    }

    private ExtractPlan Build(ExtractRequest request, string grantId, Allowed allowed, ExtractSource source,
        List<SourceColumn> columns, List<ResolvedFilter> filters, DatasetPartitions dataset)
    {
        bool deIdentify = allowed.Tier == Tier.Microdata;
        var sql = new SqlBuilder();
        var select = new List<string>();
        var outputs = new List<OutputColumn>();
        foreach (var c in columns)
        {
            var v = c.Variable;
            var idKind = deIdentify ? PseudonymKind(v.Column) : null;
            if (idKind is { } kind)
            {
                outputs.Add(new OutputColumn(v.Column, OutputKind.Pseudonym, kind, v.QuasiIdentifier));
                continue;
            }
            var expression = c.Sql;
            if (v.Column == AgeColumn && request.KAnonymity.AgeBands != AgeBanding.None)
            {
                int width = request.KAnonymity.AgeBands == AgeBanding.FiveYears ? 5 : 10;
                expression = $"CAST({expression} // {width} * {width} AS {v.SqlType})";
            }
            select.Add($"{expression} AS {Quote(v.Column)}");
            outputs.Add(new OutputColumn(v.Column, OutputKind.Data, null, v.QuasiIdentifier));
        }
        if (deIdentify)
        {
            select.Add($"{source.Key("family_id")} AS {Quote(ExtractPlan.FamilyKeyColumn)}");
            if (source.Persons)
            {
                // The member number sorts a family's rows; the raw person id is read only for its pseudonym.
                select.Add($"{source.Key(PersonKey[1])} AS {Quote(ExtractPlan.MemberKeyColumn)}");
                if (outputs.Any(o => o.IdKind == IdKind.Person))
                    select.Add($"{source.Key(PersonIdColumn)} AS {Quote(ExtractPlan.PersonKeyColumn)}");
            }
        }

        var from = source.FromSql(sql, dataset, allowed.EffectiveRegion);
        var where = new List<string>();
        var region = allowed.EffectiveRegion;
        for (var level = RegionLevel.Province; level <= region.Level; level++)
        {
            var p = sql.Add(new Int64Parameter(region.AncestorAt(level).Numeric));
            foreach (var alias in source.Aliases)
                where.Add($"{alias}.{Quote(level.ColumnName())} = {p}");
        }
        foreach (var f in filters)
        {
            var col = f.Column.Sql;
            if (f.Codes is { } codes)
            {
                where.Add($"list_contains({sql.Add(new Int64ListParameter(codes))}, CAST({col} AS BIGINT))");
            }
            else
            {
                if (f.Min is { } min) where.Add($"{col} >= {sql.Add(new DoubleParameter(min))}");
                if (f.Max is { } max) where.Add($"{col} <= {sql.Add(new DoubleParameter(max))}");
            }
        }

        var text = new StringBuilder("SELECT ").AppendJoin(", ", select.Count > 0 ? select : ["NULL AS \"__empty\""])
            .Append("\nFROM ").Append(from);
        if (where.Count > 0) text.Append("\nWHERE ").AppendJoin("\n  AND ", where);

        var qis = deIdentify
            ? SuppressionOrder.Of(outputs.Where(o => o.QuasiIdentifier && o.Kind == OutputKind.Data).Select(o => Dictionary.Get(VariableTable(source, o.Name), o.Name)))
            : [];

        return new ExtractPlan
        {
            Table = request.Table,
            Tier = allowed.Tier,
            GrantId = grantId,
            EffectiveRegion = region,
            Format = request.Format,
            Columns = outputs,
            SelectSql = text.ToString(),
            Parameters = sql.Parameters,
            KAnonymity = request.KAnonymity,
            QuasiIdentifiers = qis,
        };
    }

    private static TableKind VariableTable(ExtractSource source, string column) =>
        source.Columns.First(c => c.Variable.Column == column).Variable.Table;

    /// <summary>The lowest tier whose extracts may carry <paramref name="v"/>: the access policy's rule
    /// (<see cref="AccessPolicy.ExtractColumnTier"/>) applied to the dictionary's variable.</summary>
    public static Tier ColumnTier(Variable v) => AccessPolicy.ExtractColumnTier(v.Identity, GeographyLevel(v.Column), v.MinTier);

    /// <summary>True for the record ids an extract carries as per-grant pseudonyms.</summary>
    public static bool IsPseudonymised(string column) => PseudonymKind(column) is not null;

    /// <summary>True when "all columns" at <paramref name="tier"/> includes <paramref name="v"/>: the policy's column rule.</summary>
    private static bool Visible(Variable v, Tier tier) => tier.Includes(ColumnTier(v));

    private static IdKind? PseudonymKind(string column) => column switch
    {
        "person_id" => IdKind.Person,
        "family_id" => IdKind.Family,
        _ => null,
    };

    private static RegionLevel? GeographyLevel(string column) => column switch
    {
        "prov_code" => RegionLevel.Province,
        "regency_code" => RegionLevel.Regency,
        "district_code" => RegionLevel.District,
        "village_code" => RegionLevel.Village,
        _ => null,
    };

    private static string Describe(Variable v) =>
        v.Column == "r406"
            ? "r406 (exact birth date) is an identity variable; tier-3 extracts carry the age r407 instead"
            : $"{v.Column} ({v.LabelEn}) is an identity variable";

    private static void Deny(AccessDecision decision, string detail)
    {
        if (decision is Denied d) throw new ExtractAccessDeniedException(d.Rule, d.Message + detail);
    }

    private static RegionCode ParseRegion(ExtractRequest request)
    {
        if (request.WholeScope) return RegionCode.National; // ignored by the policy
        if (!RegionCode.TryParse(request.Region?.Trim(), out var code, out var error))
            throw new ExtractValidationException("region", error);
        return code;
    }

    private static List<(string Field, SourceColumn Column)> ResolveColumns(IReadOnlyList<string>? names, ExtractSource source)
    {
        var result = new List<(string, SourceColumn)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < (names?.Count ?? 0); i++)
        {
            var field = $"columns[{i}]";
            var name = names![i]?.Trim() ?? "";
            if (name.Length == 0) throw new ExtractValidationException(field, "empty column name; give a dictionary column such as r405, or leave columns empty for all columns");
            var column = source.Find(name) ?? throw new ExtractValidationException(field, source.UnknownMessage(name));
            if (seen.TryGetValue(column.Variable.Column, out var first))
                throw new ExtractValidationException(field, $"'{column.Variable.Column}' is already listed at columns[{first}]; list each column once");
            seen[column.Variable.Column] = i;
            result.Add((field, column));
        }
        return result;
    }

    private static List<ResolvedFilter> ResolveFilters(IReadOnlyList<ExtractFilter>? filters, ExtractSource source)
    {
        var result = new List<ResolvedFilter>();
        if (filters is null) return result;
        if (filters.Count > MaxFilters)
            throw new ExtractValidationException("filters", $"{filters.Count} filters; at most {MaxFilters} are allowed");
        for (int i = 0; i < filters.Count; i++)
        {
            var field = $"filters[{i}]";
            var f = filters[i] ?? throw new ExtractValidationException(field, "empty filter");
            var name = f.Column?.Trim() ?? "";
            if (name.Length == 0) throw new ExtractValidationException($"{field}.column", "no column; name the dictionary variable to filter on, e.g. r405");
            var column = source.Find(name) ?? throw new ExtractValidationException($"{field}.column", source.UnknownMessage(name));
            var v = column.Variable;
            if (!v.Type.IsNumeric())
                throw new ExtractValidationException($"{field}.column",
                    $"{v.Column} is {v.SqlType}; filters take codes or a numeric range, so filter on a numeric variable");
            bool hasCodes = f.Codes is { Count: > 0 };
            bool hasRange = f.Min is not null || f.Max is not null;
            if (hasCodes == hasRange)
                throw new ExtractValidationException(field, hasCodes
                    ? "give either codes or a range (min/max), not both"
                    : $"no condition; give the codes of {v.Column} to keep, or a range with min and/or max");
            if (hasCodes)
            {
                if (f.Codes!.Count > MaxFilterCodes)
                    throw new ExtractValidationException($"{field}.codes", $"{f.Codes.Count} codes; at most {MaxFilterCodes} are allowed");
                for (int j = 0; j < f.Codes.Count; j++)
                    CheckCode(v, f.Codes[j], $"{field}.codes[{j}]");
                result.Add(new ResolvedFilter(field, column, f.Codes.Distinct().ToArray(), null, null));
            }
            else
            {
                if (f.Min is { } min && !double.IsFinite(min)) throw new ExtractValidationException($"{field}.min", "must be a finite number");
                if (f.Max is { } max && !double.IsFinite(max)) throw new ExtractValidationException($"{field}.max", "must be a finite number");
                if (f.Min > f.Max) throw new ExtractValidationException(field, $"min {f.Min} is above max {f.Max}");
                result.Add(new ResolvedFilter(field, column, null, f.Min, f.Max));
            }
        }
        return result;
    }

    private static void CheckCode(Variable v, long code, string field)
    {
        if (v.HasCodes && !v.MultiSelectSum)
        {
            if (code >= int.MinValue && code <= int.MaxValue && v.FindCode((int)code) is not null) return;
            throw new ExtractValidationException(field,
                $"{code} is not a code of {v.Column} ({v.LabelEn}); its codes are {string.Join(", ", v.Codes.Select(c => c.Code))}");
        }
        if (v.MultiSelectSum)
        {
            long flags = v.Codes.Where(c => c.Code > 0 && (c.Code & (c.Code - 1)) == 0).Sum(c => (long)c.Code);
            if (v.Codes.Any(c => c.Code == code) || (code >= 0 && (code & ~flags) == 0)) return;
            throw new ExtractValidationException(field,
                $"{code} is not a sum of the flags of {v.Column} ({string.Join(", ", v.Codes.Select(c => c.Code))})");
        }
        var (lo, hi) = v.Type.Range();
        if (code < lo || code > hi)
            throw new ExtractValidationException(field, $"{code} is outside the range of {v.Column} ({v.SqlType})");
    }

    private static void ValidateKAnonymity(KAnonymityOptions? options, Tier tier)
    {
        if (options is null) throw new ExtractValidationException("k_anonymity", "missing; leave the defaults (k = 3)");
        if (options.K < 1 || options.K > MaxK)
            throw new ExtractValidationException("k_anonymity.k", $"k = {options.K}; give a k from 1 to {MaxK} (default 3)");
        if (options.TopCombinations < 0 || options.TopCombinations > 1000)
            throw new ExtractValidationException("k_anonymity.top_combinations", $"{options.TopCombinations}; give 0 to 1000");
        if (!Enum.IsDefined(options.AgeBands))
            throw new ExtractValidationException("k_anonymity.age_bands", "unknown age banding; use none, 5-year or 10-year bands");
        if (options.LocalSuppression && tier != Tier.Microdata)
            throw new ExtractValidationException("k_anonymity.local_suppression",
                "local suppression applies to tier-3 microdata extracts only; a tier-4 (BNBA) extract is not de-identified");
    }

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private sealed record ResolvedFilter(string Field, SourceColumn Column, IReadOnlyList<long>? Codes, double? Min, double? Max);

    /// <summary>Collects '$n' parameters in order.</summary>
    internal sealed class SqlBuilder
    {
        public List<QueryParameter> Parameters { get; } = [];

        public string Add(QueryParameter parameter)
        {
            Parameters.Add(parameter);
            return "$" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A column of the extracted table and the SQL that reads it.</summary>
    internal sealed record SourceColumn(Variable Variable, string Alias)
    {
        public string Sql => $"{Alias}.{Quote(Variable.Column)}";
    }

    /// <summary>The table (or join) an extract reads, with its columns in output order.</summary>
    internal sealed class ExtractSource
    {
        private readonly Dictionary<string, SourceColumn> _byName;

        private ExtractSource(ExtractTable table, IReadOnlyList<SourceColumn> columns)
        {
            Table = table;
            Columns = columns;
            _byName = columns.ToDictionary(c => c.Variable.Column, StringComparer.Ordinal);
        }

        public ExtractTable Table { get; }
        public IReadOnlyList<SourceColumn> Columns { get; }
        public bool Persons => Table != ExtractTable.Keluarga;
        public IReadOnlyList<string> Aliases => Table switch
        {
            ExtractTable.Keluarga => ["k"],
            ExtractTable.Individu => ["i"],
            _ => ["i", "k"],
        };

        public static ExtractSource Of(ExtractTable table, DataDictionary dictionary)
        {
            if (!Enum.IsDefined(table))
                throw new ExtractValidationException("table", "unknown table; use keluarga, individu or individu_with_keluarga");
            var columns = new List<SourceColumn>();
            if (table != ExtractTable.Keluarga)
                columns.AddRange(dictionary.Columns(TableKind.Individu).Select(v => new SourceColumn(v, "i")));
            if (table != ExtractTable.Individu)
            {
                var taken = columns.Select(c => c.Variable.Column).ToHashSet(StringComparer.Ordinal);
                columns.AddRange(dictionary.Columns(TableKind.Keluarga).Where(v => !taken.Contains(v.Column)).Select(v => new SourceColumn(v, "k")));
            }
            return new ExtractSource(table, columns);
        }

        public SourceColumn? Find(string name) =>
            _byName.TryGetValue(name, out var c) ? c : _byName.GetValueOrDefault(name.ToLowerInvariant());

        public string Key(string column) => _byName[column].Sql;

        public string UnknownMessage(string name)
        {
            var lower = name.ToLowerInvariant();
            var near = Columns.Select(c => c.Variable.Column)
                .Select(c => (c, d: EditDistance.Levenshtein(lower, c)))
                .Where(x => x.d <= Math.Max(1, lower.Length / 3))
                .OrderBy(x => x.d).ThenBy(x => x.c, StringComparer.Ordinal).Take(3).Select(x => x.c).ToList();
            var tableName = Table switch
            {
                ExtractTable.Keluarga => "keluarga",
                ExtractTable.Individu => "individu",
                _ => "individu_with_keluarga",
            };
            return $"unknown column '{name}' in {tableName}" + (near.Count > 0 ? $"; did you mean {string.Join(", ", near)}?" : "; see the data dictionary for the column names");
        }

        public string FromSql(SqlBuilder sql, DatasetPartitions dataset, RegionCode region)
        {
            string Read(TableKind kind) =>
                $"read_parquet({sql.Add(new StringParameter(dataset.Glob(kind, region)))}, {DatasetLayout.HiveOptions})";
            return Table switch
            {
                ExtractTable.Keluarga => Read(TableKind.Keluarga) + " AS k",
                ExtractTable.Individu => Read(TableKind.Individu) + " AS i",
                _ => Read(TableKind.Individu) + " AS i\nJOIN " + Read(TableKind.Keluarga) +
                     " AS k ON k.\"family_id\" = i.\"family_id\" AND k.\"prov_code\" = i.\"prov_code\" AND k.\"regency_code\" = i.\"regency_code\"",
            };
        }

    }
}
