namespace Regsosek.Generator;

/// <summary>What to generate and where.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Number of person rows (individu) to generate, nationally or over <see cref="Regencies"/>; 251,000,000 is full scale.</summary>
    public required long Persons { get; init; }

    /// <summary>Seed of every random stream: the same seed and options give byte-identical files.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Dataset directory to create (must not exist or be empty).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The idn-area-data CSV directory (.deps/idn-area-data).</summary>
    public required string RegionDataDirectory { get; init; }

    /// <summary>Restrict to these 4-digit regency codes (small samples); null = the whole nation.</summary>
    public IReadOnlyList<string>? Regencies { get; init; }

    /// <summary>Parallel workers (one regency each at a time, one DuckDB thread each); default: the processor count.</summary>
    public int? Threads { get; init; }

    /// <summary>DuckDB memory limit of each worker's in-memory database, e.g. "4GB" (the default).</summary>
    public string? MemoryLimit { get; init; }
}

/// <summary>Progress: persons done of the total in the current stage ("scoring", then "writing").</summary>
public sealed record GenerationProgress(long PersonsDone, long PersonsTotal, string Stage);

/// <summary>What a run produced.</summary>
public sealed record GenerationResult(long Families, long Persons, TimeSpan Elapsed, long BytesOnDisk, string ManifestPath);
