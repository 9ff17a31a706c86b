namespace Regsosek.Stores.Jobs;

/// <summary>Where an extract job is in its life (docs/extract-jobs.md). The numbers are stored; never renumber them.</summary>
public enum ExtractJobState
{
    /// <summary>Accepted, waiting for a worker.</summary>
    Queued = 1,
    /// <summary>A worker is producing the file.</summary>
    Running = 2,
    /// <summary>The file and its codebook are on disk and may be downloaded until <see cref="ExtractJobRecord.ExpiresAt"/>.</summary>
    Ready = 3,
    /// <summary>The job could not be completed; <see cref="ExtractJobRecord.Failure"/> says why.</summary>
    Failed = 4,
    /// <summary>The grant holder cancelled it.</summary>
    Cancelled = 5,
    /// <summary>Its files were deleted: retention ran out, or the grant was revoked or expired.</summary>
    Expired = 6,
}

/// <summary>The states a job leaves no more.</summary>
public static class ExtractJobStates
{
    /// <summary>Queued or running: counts against the grant's concurrent-job limit.</summary>
    public static readonly ExtractJobState[] Active = [ExtractJobState.Queued, ExtractJobState.Running];

    /// <summary>True for failed, cancelled and expired.</summary>
    public static bool IsFinal(ExtractJobState s) => s is ExtractJobState.Failed or ExtractJobState.Cancelled or ExtractJobState.Expired;
}

/// <summary>
/// One extract job as the store keeps it. The request and the result are opaque bytes to the store (the API keeps the
/// regsosek.v1 messages there); everything the store queries on is a column of its own.
/// </summary>
public sealed record ExtractJobRecord
{
    /// <summary>The job id ("xj_" and 32 hex digits), unguessable.</summary>
    public required string Id { get; init; }
    /// <summary>The grant the job was submitted under; only it can see the job.</summary>
    public required string GrantId { get; init; }
    /// <summary>Current state.</summary>
    public required ExtractJobState State { get; init; }
    /// <summary>What a running job is doing ("planning", "writing", "copying", "codebook"); free text for people.</summary>
    public string Phase { get; init; } = "";
    /// <summary>Records in the file, once known (after the file is written).</summary>
    public long Records { get; init; }
    /// <summary>The extract definition (protobuf bytes of regsosek.v1.ExtractRequest).</summary>
    public required byte[] Request { get; init; }
    /// <summary>The request id of the submitting call, so that the job's audit records pair with it.</summary>
    public required string RequestId { get; init; }
    /// <summary>The region the extract covers after the access policy (digits; empty for national).</summary>
    public string Scope { get; init; } = "";
    /// <summary>
    /// The server (ExtractJobOptions.Node) whose worker last started the job; empty while no worker has. At start a
    /// server runs again only the jobs left running under its own name, never another replica's.
    /// </summary>
    public string Node { get; init; } = "";
    /// <summary>How many times a worker started the job (a restart in the middle runs it again).</summary>
    public int Attempts { get; init; }
    /// <summary>When it was submitted.</summary>
    public required DateTimeOffset SubmittedAt { get; init; }
    /// <summary>When a worker last started it.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>When it became ready, failed, was cancelled or expired.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>When a ready job's files are deleted.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Bytes of the data file (counts against the grant's daily bytes).</summary>
    public long Bytes { get; init; }
    /// <summary>SHA-256 of the data file, 64 lower-case hex digits.</summary>
    public string? Sha256 { get; init; }
    /// <summary>What the ready job offers besides the columns (the API's regsosek.v1 message bytes: files, report, metadata).</summary>
    public byte[]? Result { get; init; }
    /// <summary>Why the job failed, was cancelled or expired, for the grant holder.</summary>
    public string? Failure { get; init; }
    /// <summary>The stable rule id of that reason (e.g. "extract-job.retention", "grant.revoked").</summary>
    public string? FailureRule { get; init; }
}

/// <summary>The per-grant limits checked when a job is submitted.</summary>
/// <param name="MaxActiveJobs">Queued plus running jobs a grant may have.</param>
/// <param name="MaxBytesPerDay">Bytes of files a grant's jobs may have produced in the 24 hours before a submission.</param>
public sealed record ExtractJobLimits(int MaxActiveJobs, long MaxBytesPerDay);

/// <summary>A submission over a per-grant limit; <see cref="Limit"/> is its stable name.</summary>
public sealed class ExtractJobLimitException(string limit, string message) : Exception(message)
{
    /// <summary>The limit's name: <see cref="ActiveJobs"/> or <see cref="BytesPerDay"/>.</summary>
    public string Limit { get; } = limit;

    /// <summary>Too many queued or running jobs.</summary>
    public const string ActiveJobs = "extract-jobs.max-active-per-grant";

    /// <summary>Too many bytes produced in the last 24 hours.</summary>
    public const string BytesPerDay = "extract-jobs.max-bytes-per-day";
}
