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

    /// <summary>
    /// DuckDB worker threads of each extract (null: DuckDB's default, every core). Default 1: DuckDB's per-thread
    /// buffers (Parquet reader, table writer, sort) live outside its memory limit, so each thread adds to the peak;
    /// one thread keeps the peak flat and, with the class-table suppression, is still faster than the former
    /// multi-threaded runner. The service runs concurrent extracts in parallel anyway.
    /// </summary>
    public int? Threads { get; init; } = 1;

    /// <summary>DuckDB memory limit of each extract, e.g. "2GB"; beyond it DuckDB spills into the extract's temp directory. Default 96 MB.</summary>
    public string? MemoryLimit { get; init; } = "96MB";

    /// <summary>
    /// DuckDB memory limit of a tier-3 (de-identified) extract of the whole nation, in place of <see cref="MemoryLimit"/>.
    /// Default 1 GB: at full scale (251 M records) the release's final sort ran out of memory at 96 MB and completed at
    /// 1 GB (1.2 GB peak, 26 GB of temp disk; benchmarks/EXTRACTS.md). Null: <see cref="MemoryLimit"/> for every extract.
    /// </summary>
    public string? NationalDeIdentifiedMemoryLimit { get; init; } = "1GB";

    /// <summary>The options an extract of <paramref name="plan"/> runs with (the national tier-3 memory limit applied).</summary>
    public ExtractOptions For(ExtractPlan plan) =>
        plan.DeIdentify && plan.EffectiveRegion.Level == Regsosek.Core.RegionLevel.National && NationalDeIdentifiedMemoryLimit is { } limit
            ? this with { MemoryLimit = limit }
            : this;

    /// <summary>
    /// DuckDB "allocator_flush_threshold" (and "allocator_bulk_deallocation_flush_threshold") of each extract, e.g.
    /// "16MB": how much freed memory DuckDB's allocator may keep cached before returning it to the operating system.
    /// Low values keep the process's working set close to what DuckDB actually uses. Null: DuckDB's default.
    /// </summary>
    public string? AllocatorFlushThreshold { get; init; } = "16MB";

    /// <summary>DuckDB "allocator_background_threads": a background thread returns freed memory to the OS. Default true.</summary>
    public bool AllocatorBackgroundThreads { get; init; } = true;

    /// <summary>
    /// DuckDB "enable_external_file_cache": keep blocks of the dataset's Parquet files in DuckDB's buffer pool. An
    /// extract reads each file once, so the cache only fills memory (up to the memory limit) in proportion to the
    /// data read. Default false.
    /// </summary>
    public bool ExternalFileCache { get; init; }

    /// <summary>
    /// Rows per Parquet row group of the extract file (COPY … ROW_GROUP_SIZE). The Parquet writer buffers a row
    /// group per thread before writing it, so this bounds that buffer. Default
    /// 32,768 rows (DuckDB's: 122,880).
    /// </summary>
    public int ParquetRowGroupSize { get; init; } = 32_768;

    /// <summary>
    /// Parquet extracts are written as parts of this many row groups, joined into one file afterwards
    /// (<see cref="ParquetConcatenation"/>): a Parquet writer keeps the metadata of every row group of its file until
    /// the footer (~30 KB per row group of the 70-column BNBA record), so one writer for the whole file would grow
    /// with the extract. Default 32 (about a
    /// million records a part).
    /// </summary>
    public int ParquetRowGroupsPerPart { get; init; } = 32;

    /// <summary>
    /// Tier 4 (BNBA) files keep the dataset's stored order (preserve_insertion_order), so the same request gives
    /// the same bytes. False lets DuckDB write rows in whatever order its threads produce them — less buffering,
    /// but not reproducible. Tier 3 files are always ordered by pseudonym. Default true.
    /// </summary>
    public bool Tier4StoredOrder { get; init; } = true;

    /// <summary>
    /// Local suppression runs on batches of about this many quasi-identifier combinations: whole values of the last
    /// quasi-identifier of the suppression order (the regency when the extract has it), whose classes never mix
    /// with another value's (docs/extracts.md), so the batches give exactly the result of one pass while only one
    /// batch is in memory (.NET arrays and hash tables, about 100 bytes a combination). One value with more
    /// combinations is a batch of its own. Default 250,000.
    /// </summary>
    public long SuppressionBatchCombinations { get; init; } = 250_000;

    /// <summary>
    /// The tier-3 release joins the records with the combinations local suppression changed in one statement, sorted
    /// as it goes, while there are at most this many; beyond, it joins one batch of regencies (whole values of the
    /// last quasi-identifier) with at most this many changed combinations at a time, writes the batches unsorted and
    /// sorts them in a second statement, so the join's hash table stays bounded. The one-statement release of the
    /// national 10 M extract (3.2 M changed combinations) ran out of memory at 96 MB; a province's (1.8 M records)
    /// did not. Default 1,000,000.
    /// </summary>
    public long ReleaseJoinCombinations { get; init; } = 1_000_000;

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option (see <see cref="Problems"/>).</summary>
    public void Validate()
    {
        foreach (var (option, problem) in Problems())
            throw new ArgumentOutOfRangeException(option, problem);
    }

    /// <summary>The problems of these values: each bad option's name and what is wrong ("ParquetRowGroupSize must be at least 1 (got 0)").</summary>
    public IEnumerable<(string Option, string Problem)> Problems()
    {
        if (ChunkBytes is < 1 or > MaxChunkBytes)
            yield return (nameof(ChunkBytes), $"{nameof(ChunkBytes)} must be 1 to {MaxChunkBytes} (got {ChunkBytes})");
        if (Threads is < 1)
            yield return (nameof(Threads), $"{nameof(Threads)} must be at least 1, or unset for every core (got {Threads})");
        if (string.IsNullOrWhiteSpace(TempRoot))
            yield return (nameof(TempRoot), $"{nameof(TempRoot)} must name a directory");
        foreach (var (option, value) in new (string, long)[]
                 {
                     (nameof(ParquetRowGroupSize), ParquetRowGroupSize), (nameof(ParquetRowGroupsPerPart), ParquetRowGroupsPerPart),
                     (nameof(SuppressionBatchCombinations), SuppressionBatchCombinations),
                     (nameof(ReleaseJoinCombinations), ReleaseJoinCombinations) })
            if (value < 1)
                yield return (option, $"{option} must be at least 1 (got {value})");
    }
}
