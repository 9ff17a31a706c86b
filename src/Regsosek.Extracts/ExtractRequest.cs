namespace Regsosek.Extracts;

/// <summary>Which records an extract holds.</summary>
public enum ExtractTable
{
    /// <summary>One row a family (keluarga).</summary>
    Keluarga,
    /// <summary>One row a person (individu).</summary>
    Individu,
    /// <summary>One row a person, with the columns of the person's family appended (individu ⋈ keluarga on family_id).</summary>
    IndividuWithKeluarga,
}

/// <summary>The file format DuckDB writes.</summary>
public enum ExtractFormat
{
    /// <summary>Parquet, zstd-compressed, with the licence and attribution in its key-value metadata. The default.</summary>
    Parquet,
    /// <summary>CSV with a header row, comma-separated, UTF-8; NULL is the empty field.</summary>
    Csv,
    /// <summary>An Arrow IPC stream (pandas, polars and R read it natively), the licence and attribution in the schema's metadata.</summary>
    ArrowStream,
}

/// <summary>Generalisation of age (r407) before the k-anonymity report.</summary>
public enum AgeBanding
{
    /// <summary>Age in single years.</summary>
    None,
    /// <summary>r407 becomes the lower bound of its 5-year band (0, 5, 10, …; 25 means 25–29).</summary>
    FiveYears,
    /// <summary>r407 becomes the lower bound of its 10-year band (0, 10, 20, …; 20 means 20–29).</summary>
    TenYears,
}

/// <summary>
/// Keeps records whose <see cref="Column"/> is one of <see cref="Codes"/>, or lies in the inclusive range
/// [<see cref="Min"/>, <see cref="Max"/>] (either bound may be left open). Codes and a range are exclusive.
/// </summary>
/// <param name="Column">A numeric column of the extracted table (dictionary name, e.g. r405).</param>
/// <param name="Codes">Allowed values; for a coded variable each must be in its code list.</param>
/// <param name="Min">Inclusive lower bound, or null.</param>
/// <param name="Max">Inclusive upper bound, or null.</param>
public sealed record ExtractFilter(string Column, IReadOnlyList<long>? Codes = null, double? Min = null, double? Max = null);

/// <summary>k-anonymity options of a tier-3 extract (sdcMicro-style).</summary>
public sealed record KAnonymityOptions
{
    /// <summary>The k of k-anonymity: every combination of quasi-identifier values should be shared by at least k records. Default 3.</summary>
    public int K { get; init; } = 3;

    /// <summary>Generalise age (r407) into bands. Default: none.</summary>
    public AgeBanding AgeBands { get; init; } = AgeBanding.None;

    /// <summary>Set quasi-identifier values to NULL in records of classes smaller than k until k holds. Default off.</summary>
    public bool LocalSuppression { get; init; }

    /// <summary>How many of the smallest offending combinations the report lists. Default 20.</summary>
    public int TopCombinations { get; init; } = 20;

    /// <summary>The defaults: k = 3, no age bands, no suppression, 20 combinations listed.</summary>
    public static KAnonymityOptions Default { get; } = new();
}

/// <summary>
/// A record-level extract request, as the ExtractService's ExtractRequest message carries it
/// (field names in errors are the proto's: columns[i], filters[i].codes[j], region, …).
/// </summary>
public sealed record ExtractRequest
{
    /// <summary>The table to extract.</summary>
    public ExtractTable Table { get; init; } = ExtractTable.Individu;

    /// <summary>Dictionary column names, in output order; empty means every column the caller's tier may see.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>Conditions on dictionary variables; all must hold.</summary>
    public IReadOnlyList<ExtractFilter> Filters { get; init; } = [];

    /// <summary>Region code (2, 4, 6 or 10 digits, dotted form accepted); empty = national. Ignored with <see cref="WholeScope"/>.</summary>
    public string? Region { get; init; }

    /// <summary>"My whole scope": extract the grant's whole region.</summary>
    public bool WholeScope { get; init; }

    /// <summary>Output format; Parquet by default.</summary>
    public ExtractFormat Format { get; init; } = ExtractFormat.Parquet;

    /// <summary>k-anonymity options (tier 3).</summary>
    public KAnonymityOptions KAnonymity { get; init; } = KAnonymityOptions.Default;
}
