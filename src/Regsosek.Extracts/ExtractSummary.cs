using Regsosek.Core;
using Regsosek.Extracts.KAnonymity;

namespace Regsosek.Extracts;

/// <summary>What an extract produced: the final message of the stream.</summary>
/// <param name="Rows">Records in the file.</param>
/// <param name="Bytes">Size of the file, the sum of the chunk lengths.</param>
/// <param name="Sha256">SHA-256 of all the bytes, 64 lower-case hex digits.</param>
/// <param name="KAnonymity">The k-anonymity report (tier 3), or null (tier 4).</param>
/// <param name="Tier">The tier the extract was made under.</param>
/// <param name="EffectiveRegion">The region covered.</param>
/// <param name="Format">The file format.</param>
public sealed record ExtractSummary(
    long Rows,
    long Bytes,
    string Sha256,
    KAnonymityReport? KAnonymity,
    Tier Tier,
    RegionCode EffectiveRegion,
    ExtractFormat Format)
{
    /// <summary>The licence of the extract (circular 8/2023 §1.4.2 microdata, §1.4.3 BNBA).</summary>
    public string Licence => Licences.ForExtract(Tier);

    /// <summary>The attribution to name with any aggregate made from the extract.</summary>
    public string Attribution => Licences.Attribution;
}

/// <summary>Settings of the <see cref="ExtractRunner"/>.</summary>
public sealed record ExtractOptions
{
    /// <summary>Largest chunk handed to the sink: 1 MiB.</summary>
    public const int MaxChunkBytes = 1 << 20;

    /// <summary>Where per-extract temp directories are made (default: the system temp directory).</summary>
    public string TempRoot { get; init; } = Path.GetTempPath();

    /// <summary>Size of the chunks handed to the sink, 1 byte to 1 MiB. Default 1 MiB.</summary>
    public int ChunkBytes { get; init; } = MaxChunkBytes;

    /// <summary>DuckDB worker threads of each extract (null: DuckDB's default, every core).</summary>
    public int? Threads { get; init; }

    /// <summary>DuckDB memory limit of each extract, e.g. "2GB"; beyond it DuckDB spills into the extract's temp directory.</summary>
    public string? MemoryLimit { get; init; } = "256MB";
}
