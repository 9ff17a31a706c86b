using System.Text.Json;
using Microsoft.Extensions.Logging;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Jobs;

namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// The audit records a job writes outside any call: completed, failed, deleted. Each names the job and its attempt,
/// carries the request id of the submitting call (so that a job's records pair with its submission) and a stable rule
/// id. Submission, status, cancellation and every download are calls, recorded by <see cref="CallRunner"/>.
/// </summary>
public static class ExtractJobAudit
{
    /// <summary>"Method" of the record of a job whose file became ready (decision allowed: rows, bytes, SHA-256).</summary>
    public const string CompletedMethod = "job/extract.completed";

    /// <summary>"Method" of the record of a job that failed or was stopped while running.</summary>
    public const string FailedMethod = "job/extract.failed";

    /// <summary>"Method" of the record of a job whose files were deleted (retention, grant revoked or expired).</summary>
    public const string DeletedMethod = "job/extract.deleted";

    /// <summary>Rule id of a completed job.</summary>
    public const string CompletedRule = "extract-job.completed";

    /// <summary>Rule id of a job cancelled by its grant holder.</summary>
    public const string CancelledRule = "extract-job.cancelled";

    /// <summary>Rule id of files deleted at the end of the retention.</summary>
    public const string RetentionRule = "extract-job.retention";

    /// <summary>Rule id of a job that failed inside the service (the reason is logged, not shown).</summary>
    public const string InternalRule = "extract-job.internal";

    /// <summary>Rule id of a job that could not be completed because the audit trail refused its record.</summary>
    public const string AuditUnavailableRule = "extract-job.audit-unavailable";

    /// <summary>Rule id of a job interrupted by more server restarts than allowed.</summary>
    public const string InterruptedRule = "extract-job.interrupted";

    /// <summary>Rule id of a job whose files went missing from the job directory.</summary>
    public const string FileMissingRule = "extract-job.file-missing";

    /// <summary>
    /// Appends a record that carries no data (a failure, a deletion): if the audit trail refuses it, the failure is
    /// logged and the job goes on (nothing is released by it).
    /// </summary>
    public static async Task TryAppendAsync(IAuditLog audit, AuditEntry entry, ILogger logger)
    {
        try
        {
            await audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "extract jobs: could not write the audit record {Method} ({Rule}) of job {Request}", entry.Method, entry.Rule, entry.Request);
        }
    }

    /// <summary>The record of one event of <paramref name="job"/>.</summary>
    public static AuditEntry Entry(ExtractJobRecord job, string method, AuditDecision decision, string rule, int statusCode,
        long rows = 0, long bytes = 0, string? sha256 = null, string? grantOrganisation = null, string? grantUnit = null) => new()
    {
        GrantId = job.GrantId,
        Organisation = grantOrganisation,
        Unit = grantUnit,
        Method = method,
        Request = JsonSerializer.Serialize(new { job_id = job.Id, attempt = job.Attempts }),
        RequestId = job.RequestId,
        Scope = RegionCode.Parse(job.Scope),
        Decision = decision,
        Rule = rule,
        Rows = rows,
        Bytes = bytes,
        ExtractSha256 = sha256,
        StatusCode = statusCode,
    };
}
