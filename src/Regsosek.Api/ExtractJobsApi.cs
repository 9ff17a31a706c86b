using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Regsosek.Api.ExtractJobs;
using Regsosek.Api.V1;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Jobs;
using ExtractLibrary = Regsosek.Extracts.ExtractService;
using JobState = Regsosek.Stores.Jobs.ExtractJobState;

namespace Regsosek.Api;

/// <summary>
/// regsosek.v1.ExtractJobService: record-level extracts as jobs (docs/extract-jobs.md). Submission plans the extract
/// under the caller's grant now — the tier, scope and validation rules of ExtractService.Extract, the same refusals —
/// checks the grant's limits and stores the job queued; <see cref="ExtractJobWorker"/> runs it. Every call goes
/// through <see cref="CallRunner"/> (authentication, one audit record; a download's record, with its offset and bytes,
/// is written before its first byte). A job of another grant is NOT_FOUND exactly as an unknown id.
/// </summary>
public sealed class ExtractJobsApi(
    CallRunner runner, ExtractLibrary extracts, IExtractJobStore jobs, ExtractJobWorker worker, ExtractJobFiles files,
    IOptions<ExtractJobOptions> options, TimeProvider time) : V1.ExtractJobService.ExtractJobServiceBase
{
    /// <summary>Largest chunk of a download: 1 MiB.</summary>
    public const int ChunkBytes = 1 << 20;

    public override Task<ExtractJob> SubmitExtractJob(SubmitExtractJobRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, outcome, ct) =>
        {
            var grant = ExtractGrant(caller);
            var wire = request.Extract ?? throw RpcErrors.InvalidArgument("extract", "give the extract to run (table, columns, filters, region, format)");
            var plan = ExtractApi.Plan(extracts, ExtractApi.Map(wire), caller);
            outcome.Scope = plan.EffectiveRegion;
            var o = options.Value;
            var job = new ExtractJobRecord
            {
                Id = ExtractJobFiles.NewJobId(),
                GrantId = grant.Id,
                State = JobState.Queued,
                Phase = "queued",
                Request = wire.ToByteArray(),
                RequestId = RequestInfo.Of(context)?.RequestId ?? AuditRequest.NewRequestId(),
                Scope = plan.EffectiveRegion.Value,
                SubmittedAt = time.GetUtcNow(),
            };
            try
            {
                await jobs.SubmitAsync(job, new ExtractJobLimits(o.MaxActiveJobsPerGrant, o.MaxBytesPerGrantPerDay), ct);
            }
            catch (ExtractJobLimitException e)
            {
                throw RpcErrors.ResourceExhausted(e.Limit, e.Message);
            }
            worker.Enqueue(job.Id);
            return ToWire(job);
        });

    public override Task<ExtractJob> GetExtractJob(GetExtractJobRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, outcome, ct) =>
        {
            var job = await OwnJobAsync(caller, request.JobId, "job_id", ct);
            outcome.Scope = RegionCode.Parse(job.Scope);
            return ToWire(job);
        });

    public override Task<ListExtractJobsResponse> ListExtractJobs(ListExtractJobsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, outcome, ct) =>
        {
            var grant = ExtractGrant(caller);
            if (request.Limit > 500) throw RpcErrors.InvalidArgument("limit", $"at most 500 jobs a call (got {request.Limit})");
            var list = await jobs.ListByGrantAsync(grant.Id, request.Limit == 0 ? 50 : (int)request.Limit, ct);
            outcome.Scope = grant.Region;
            var response = new ListExtractJobsResponse();
            response.Jobs.Add(list.Select(ToWire));
            return response;
        });

    public override Task<ExtractJob> CancelExtractJob(CancelExtractJobRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, outcome, ct) =>
        {
            var job = await OwnJobAsync(caller, request.JobId, "job_id", ct);
            outcome.Scope = RegionCode.Parse(job.Scope);
            while (job.State is JobState.Queued or JobState.Running)
            {
                var cancelled = job with
                {
                    State = JobState.Cancelled, Phase = "cancelled", FinishedAt = time.GetUtcNow(), Bytes = 0,
                    Failure = "cancelled by the grant holder", FailureRule = ExtractJobAudit.CancelledRule,
                };
                if (await jobs.TryUpdateAsync(cancelled, [job.State], ct))
                {
                    worker.Interrupt(job.Id);
                    files.Delete(job.Id);
                    return ToWire(cancelled);
                }
                job = await jobs.GetAsync(job.Id, ct) ?? throw NotFound(request.JobId); // changed meanwhile: look again
            }
            return ToWire(job);
        });

    public override Task DownloadExtractJob(DownloadExtractJobRequest request, IServerStreamWriter<ExtractJobChunk> stream, ServerCallContext context) =>
        runner.RunStreamingAsync(context, request, async (caller, outcome, commit, ct) =>
        {
            var job = await OwnJobAsync(caller, request.JobId, "job_id", ct);
            outcome.Scope = RegionCode.Parse(job.Scope);
            if (job.State != JobState.Ready || job.ExpiresAt <= time.GetUtcNow())
                throw RpcErrors.FailedPrecondition("extract-job.not-ready", request.JobId,
                    job.State is JobState.Queued or JobState.Running
                        ? $"the job is {Name(job.State)}; download it once GetExtractJob says READY"
                        : $"the job is {Name(job.State == JobState.Ready ? JobState.Expired : job.State)}: {job.Failure ?? "its files were deleted"}; submit it again");
            var kind = request.File == ExtractJobFileKind.Unspecified ? ExtractJobFileKind.Data : request.File;
            var result = ExtractJob.Parser.ParseFrom(job.Result ?? []);
            var file = result.Files.FirstOrDefault(f => f.Kind == kind)
                       ?? throw RpcErrors.InvalidArgument("file", $"unknown file kind {(int)request.File}; use DATA, CODEBOOK_JSON or CODEBOOK_MARKDOWN");
            if (request.Offset < 0 || request.Offset > file.Bytes)
                throw RpcErrors.InvalidArgument("offset", $"must be 0 to the file's size, {file.Bytes} (got {request.Offset})");
            if (request.Length < 0)
                throw RpcErrors.InvalidArgument("length", $"must be 0 (to the end) or more (got {request.Length})");
            var remaining = file.Bytes - request.Offset;
            var length = request.Length == 0 ? remaining : Math.Min(request.Length, remaining);

            FileStream input;
            try
            {
                input = new FileStream(files.PathOf(job.Id, file.Name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw RpcErrors.FailedPrecondition(ExtractJobAudit.FileMissingRule, request.JobId,
                    $"the job's files are not on this server (they were made by {job.Node}; several replicas need a shared " +
                    "Regsosek:Extracts:Jobs:Directory), or were deleted; retry, or submit the job again");
            }
            await using (input)
            {
                if (input.Length != file.Bytes)
                    throw new InvalidOperationException($"extract job {job.Id}: {file.Name} has {input.Length} bytes, the job says {file.Bytes}");
                input.Seek(request.Offset, SeekOrigin.Begin);
                outcome.Bytes = length;
                outcome.Rows = kind == ExtractJobFileKind.Data && request.Offset == 0 && length == file.Bytes ? job.Records : 0;
                outcome.ExtractSha256 = file.Sha256;
                await commit(); // the record (job, file, offset, bytes, SHA-256) is stored before the first byte leaves

                var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, length))];
                var offset = request.Offset;
                while (offset < request.Offset + length)
                {
                    var want = (int)Math.Min(buffer.Length, request.Offset + length - offset);
                    await input.ReadExactlyAsync(buffer.AsMemory(0, want), ct);
                    await stream.WriteAsync(new ExtractJobChunk { Offset = offset, Data = ByteString.CopyFrom(buffer, 0, want) }, ct);
                    offset += want;
                    outcome.SentBytes += want;
                }
                outcome.SentRows = outcome.Rows;
            }
        });

    /// <summary>The caller's extract grant: tier 3 or 4, as ExtractService.Extract requires.</summary>
    private static Grant ExtractGrant(Caller caller) =>
        caller.Grant is { Tier: Core.Tier.Microdata or Core.Tier.Bnba } grant
            ? grant
            : throw RpcErrors.PermissionDenied("tier.insufficient", "extract jobs need a tier-3 (microdata) or tier-4 (BNBA) grant");

    /// <summary>The caller's job, or NOT_FOUND — the same for an unknown id, a malformed one and another grant's.</summary>
    private async Task<ExtractJobRecord> OwnJobAsync(Caller caller, string jobId, string field, CancellationToken ct)
    {
        var grant = ExtractGrant(caller);
        if (string.IsNullOrEmpty(jobId)) throw RpcErrors.InvalidArgument(field, "give the job id SubmitExtractJob returned");
        if (!ExtractJobFiles.IsJobId(jobId)) throw NotFound(jobId);
        var job = await jobs.GetAsync(jobId, ct);
        return job is not null && job.GrantId == grant.Id ? job : throw NotFound(jobId);
    }

    private static RpcException NotFound(string jobId) =>
        RpcErrors.NotFound("extract job", jobId, $"no extract job {jobId} of this grant");

    private static string Name(JobState s) => s.ToString().ToLowerInvariant();

    /// <summary>The job on the wire.</summary>
    private static ExtractJob ToWire(ExtractJobRecord job)
    {
        var wire = job is { State: JobState.Ready, Result: { } result } ? ExtractJob.Parser.ParseFrom(result) : new ExtractJob();
        wire.JobId = job.Id;
        wire.State = (V1.ExtractJobState)(int)job.State;
        wire.Phase = job.Phase;
        wire.Records = job.Records;
        wire.Bytes = job.Bytes;
        wire.Extract = V1.ExtractRequest.Parser.ParseFrom(job.Request);
        wire.SubmittedAt = Timestamp.FromDateTimeOffset(job.SubmittedAt);
        if (job.StartedAt is { } started) wire.StartedAt = Timestamp.FromDateTimeOffset(started);
        if (job.FinishedAt is { } finished) wire.FinishedAt = Timestamp.FromDateTimeOffset(finished);
        if (job.ExpiresAt is { } expires) wire.ExpiresAt = Timestamp.FromDateTimeOffset(expires);
        wire.Failure = job.Failure ?? "";
        wire.FailureRule = job.FailureRule ?? "";
        wire.Attempts = (uint)job.Attempts;
        return wire;
    }
}
