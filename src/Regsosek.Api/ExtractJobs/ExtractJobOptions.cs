namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// Settings of extract jobs (configuration section Regsosek:Extracts:Jobs), validated when the server starts.
/// docs/extract-jobs.md explains each.
/// </summary>
public sealed class ExtractJobOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Regsosek:Extracts:Jobs";

    /// <summary>Where the jobs' files live, one directory a job. Default: the service home's extract-jobs/.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// This server's name in the job store. At start a server runs again the jobs left running under its own name
    /// (a restart), never those of another replica. Default: the machine name and the jobs' directory, so that a
    /// server restarted on the same home is the same node.
    /// </summary>
    public string? Node { get; set; }

    /// <summary>Extracts the server runs at once; further jobs wait in the queue. Default 1 (each runs one DuckDB thread).</summary>
    public int Workers { get; set; } = 1;

    /// <summary>Hours a ready job's files are kept before they are deleted. Default 72.</summary>
    public double RetentionHours { get; set; } = 72;

    /// <summary>Queued plus running jobs one grant may have. Default 2.</summary>
    public int MaxActiveJobsPerGrant { get; set; } = 2;

    /// <summary>Bytes of files one grant's jobs may produce in 24 hours (checked at submission). Default 50 GB.</summary>
    public long MaxBytesPerGrantPerDay { get; set; } = 50_000_000_000;

    /// <summary>Seconds between sweeps that delete expired files and the files of revoked or expired grants. Default 60.</summary>
    public double SweepIntervalSeconds { get; set; } = 60;

    /// <summary>Starts of one job (a server restart in the middle of a job runs it again) before it is failed. Default 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    // No TimeSpan convenience properties here: the binder would take a key named like one ("Retention") without an
    // error and without effect.

    /// <summary>The problems of these values, each naming its setting; empty when they are valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (Workers is < 1 or > 64)
            yield return $"{Section}:{nameof(Workers)} must be 1 to 64 (got {Workers})";
        if (!(RetentionHours > 0) || RetentionHours > 24 * 366)
            yield return $"{Section}:{nameof(RetentionHours)} must be more than 0 and at most 8784 hours (got {RetentionHours})";
        if (MaxActiveJobsPerGrant < 1)
            yield return $"{Section}:{nameof(MaxActiveJobsPerGrant)} must be at least 1 (got {MaxActiveJobsPerGrant})";
        if (MaxBytesPerGrantPerDay < 1)
            yield return $"{Section}:{nameof(MaxBytesPerGrantPerDay)} must be at least 1 (got {MaxBytesPerGrantPerDay})";
        if (!(SweepIntervalSeconds >= 0.05) || SweepIntervalSeconds > 86_400)
            yield return $"{Section}:{nameof(SweepIntervalSeconds)} must be 0.05 to 86400 seconds (got {SweepIntervalSeconds})";
        if (MaxAttempts is < 1 or > 100)
            yield return $"{Section}:{nameof(MaxAttempts)} must be 1 to 100 (got {MaxAttempts})";
        if (Node is { } n && (string.IsNullOrWhiteSpace(n) || n.Length > 200))
            yield return $"{Section}:{nameof(Node)} must be 1 to 200 characters, or be left out for the machine name and directory";
        if (Directory is { } d && string.IsNullOrWhiteSpace(d))
            yield return $"{Section}:{nameof(Directory)} must name a directory, or be left out for the home's extract-jobs/";
    }
}
