namespace Regsosek.LoadBenchmark;

/// <summary>Settings of one benchmark run (the command line).</summary>
public sealed record BenchmarkOptions
{
    /// <summary>The dataset directory (generated Parquet with manifest.json).</summary>
    public required string Dataset { get; init; }

    /// <summary>Timed requests per request kind: at concurrency 1 for the service and the service without disclosure
    /// control, and again in the mixed phase at each concurrency level.</summary>
    public int Requests { get; init; } = 200;

    /// <summary>The concurrency levels of the mixed phases (every kind interleaved, the callers sharing one channel).</summary>
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 8, 32];

    /// <summary>Timed runs per request kind of each baseline (the scan plan's SQL on DuckDB, the plain SQL on DuckDB,
    /// PostgreSQL) at concurrency 1, interleaved with the service's first requests.</summary>
    public int BaselineRequests { get; init; } = 10;

    /// <summary>Npgsql connection string of a PostgreSQL database loaded with the dataset (the PostgreSQL baseline); null: none.</summary>
    public string? Postgres { get; init; }

    /// <summary>False: the service runs with its result cache off, so every request is answered from the summaries or the records.</summary>
    public bool ResultCache { get; init; } = true;

    /// <summary>Untimed warm-up requests per kind and variant.</summary>
    public int Warmup { get; init; } = 20;

    /// <summary>Where to write the Markdown report (null: the console only).</summary>
    public string? Out { get; init; }

    /// <summary>Also time each pipeline stage in-process (the diagnostic profile).</summary>
    public bool Profile { get; init; }

    /// <summary>Measurement stops after this long (the report says so); the run always ends by itself.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Generate a dataset of this many persons when <see cref="Dataset"/> does not exist.</summary>
    public long? GeneratePersons { get; init; }

    /// <summary>Seed of a generated dataset.</summary>
    public ulong Seed { get; init; } = 20220101;

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> saying what to fix.</summary>
    public void Validate()
    {
        if (Requests < 10) throw new ArgumentException($"--requests must be at least 10 for a p99 to mean anything (got {Requests})");
        if (Concurrency.Count == 0 || Concurrency.Any(c => c is < 1 or > 256))
            throw new ArgumentException($"--concurrency must list levels between 1 and 256, e.g. 1,8,32 (got {string.Join(",", Concurrency)})");
        if (BaselineRequests < 1) throw new ArgumentException($"--baseline-requests must be at least 1 (got {BaselineRequests})");
        if (Warmup < 0) throw new ArgumentException($"--warmup cannot be negative (got {Warmup})");
        if (MaxDuration <= TimeSpan.Zero) throw new ArgumentException("--max-seconds must be positive");
        if (GeneratePersons is < 1000) throw new ArgumentException($"--generate needs at least 1000 persons (got {GeneratePersons})");
    }
}
