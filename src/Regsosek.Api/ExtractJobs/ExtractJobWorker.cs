using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Regsosek.Api.V1;
using Regsosek.Core.Policy;
using Regsosek.Extracts;
using Regsosek.Extracts.Jobs;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Jobs;
using ExtractJobState = Regsosek.Stores.Jobs.ExtractJobState;
using ExtractLibrary = Regsosek.Extracts.ExtractService;
using ExtractFormat = Regsosek.Extracts.ExtractFormat;

namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// Runs extract jobs in the background, <see cref="ExtractJobOptions.Workers"/> at a time, from a queue
/// (<see cref="Channel{T}"/> of job ids), so that a burst of submissions never runs more extracts at once than that
/// while aggregates stay responsive. Each job is run ON TOP of the extract runner: the runner writes and hashes the
/// file in its temp directory and streams it; the worker copies the stream into the job's directory, checks its
/// SHA-256 against the runner's, writes the codebook beside it, appends the completion record to the audit trail
/// (fail closed: no record, no ready job) and marks the job ready. Every change of state is a compare-and-set in the
/// store, so a cancellation and a worker never both win.
/// <para>
/// At start the worker takes up the jobs left queued or running in the store: a job that was running when the
/// server stopped (or crashed) is run again from the beginning — the extract is deterministic, so the file is the
/// same — up to <see cref="ExtractJobOptions.MaxAttempts"/> starts, then failed with
/// <see cref="ExtractJobAudit.InterruptedRule"/>. A stopping server puts its running jobs back in the queue.
/// </para>
/// </summary>
public sealed class ExtractJobWorker(
    IExtractJobStore jobs, IGrantStore grants, ExtractLibrary extracts, DatasetInfo dataset, ExtractJobFiles files,
    IOptions<ExtractJobOptions> options, IAuditLog audit, TimeProvider time, ExtractJobHooks hooks, ILogger<ExtractJobWorker> logger)
    : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    // Read when used, not when built: the host resolves hosted services before it validates the settings.
    private ExtractJobOptions Settings => options.Value;

    /// <summary>This server's name in the store (<see cref="ExtractJobOptions.Node"/>).</summary>
    private string Node => Settings.Node ?? Environment.MachineName;

    /// <summary>Puts a queued job in line for a worker.</summary>
    public void Enqueue(string jobId) => _queue.Writer.TryWrite(jobId);

    /// <summary>Interrupts the job if it runs here (its state was already changed in the store by the caller).</summary>
    public void Interrupt(string jobId)
    {
        if (_running.TryGetValue(jobId, out var cts))
            try { cts.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>The file extension of a format's data file.</summary>
    public static string Extension(ExtractFormat format) => format switch
    {
        ExtractFormat.Csv => ".csv",
        ExtractFormat.ArrowStream => ".arrows",
        _ => ".parquet",
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RecoverAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "extract jobs: could not take up the jobs left in the store; they run at the next start");
        }
        var workers = Enumerable.Range(0, Settings.Workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None));
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        foreach (var job in await jobs.ListByStateAsync(ExtractJobStates.Active, ct).ConfigureAwait(false))
        {
            if (job.State == ExtractJobState.Running)
            {
                if (job.Node != Node) continue; // another replica's: it runs there
                var requeued = job with { State = ExtractJobState.Queued, Phase = "queued again after a server restart" };
                if (!await jobs.TryUpdateAsync(requeued, [ExtractJobState.Running], ct).ConfigureAwait(false)) continue;
                files.Delete(job.Id);
            }
            Enqueue(job.Id);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunAsync(id, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The store was unavailable between steps: the job stays as the store has it; the sweep or a restart takes it up.
                    logger.LogError(e, "extract job {JobId}: the worker failed outside the extract", id);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs one job if it is still queued.</summary>
    private async Task RunAsync(string id, CancellationToken stoppingToken)
    {
        var queued = await jobs.GetAsync(id, stoppingToken).ConfigureAwait(false);
        if (queued is not { State: ExtractJobState.Queued }) return;
        if (queued.Attempts >= Settings.MaxAttempts)
        {
            await FailAsync(queued, [ExtractJobState.Queued], ExtractJobAudit.InterruptedRule,
                $"the job was interrupted {queued.Attempts} times (server restarts) and is not started again; submit it again", (int)StatusCode.Aborted);
            return;
        }
        var job = queued with
        {
            State = ExtractJobState.Running, Phase = "planning", Attempts = queued.Attempts + 1, StartedAt = time.GetUtcNow(), Node = Node,
            Records = 0, Bytes = 0,
        };
        if (!await jobs.TryUpdateAsync(job, [ExtractJobState.Queued], stoppingToken).ConfigureAwait(false)) return;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _running[id] = cts;
        try
        {
            await ProduceAsync(job, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is stopping: the job runs again at the next start.
            files.Delete(id);
            await jobs.TryUpdateAsync(job with { State = ExtractJobState.Queued, Phase = "queued again: the server stopped while it ran" },
                [ExtractJobState.Running], CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled, or stopped by the sweep: the store already says so, and this changes nothing. Anything else
            // that cancelled it leaves a running job behind: fail it.
            await FailAsync(job, [ExtractJobState.Running], ExtractJobAudit.InternalRule, "the extract was stopped inside the service; submit it again",
                (int)StatusCode.Aborted);
        }
        catch (ExtractJobFailure e)
        {
            await FailAsync(job, [ExtractJobState.Running], e.Rule, e.Message, (int)e.Status);
        }
        catch (RpcException e)
        {
            var rule = RpcErrors.RuleOf(e) ?? e.StatusCode.ToString();
            await FailAsync(job, [ExtractJobState.Running], rule, e.Status.Detail, (int)e.StatusCode);
        }
        catch (Exception e)
        {
            logger.LogError(e, "extract job {JobId} failed", id);
            await FailAsync(job, [ExtractJobState.Running], ExtractJobAudit.InternalRule,
                "the extract failed inside the service; the failure was logged: submit it again or report it with the job id", (int)StatusCode.Internal);
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
    }

    private async Task FailAsync(ExtractJobRecord job, ExtractJobState[] from, string rule, string reason, int status)
    {
        files.Delete(job.Id);
        var failed = job with
        {
            State = ExtractJobState.Failed, Phase = "failed", Failure = reason, FailureRule = rule, FinishedAt = time.GetUtcNow(), Bytes = 0,
        };
        if (!await jobs.TryUpdateAsync(failed, from, CancellationToken.None).ConfigureAwait(false)) return;
        await ExtractJobAudit.TryAppendAsync(audit, ExtractJobAudit.Entry(failed, ExtractJobAudit.FailedMethod, AuditDecision.Denied, rule, status),
            logger).ConfigureAwait(false);
    }

    /// <summary>Plans under the grant as it is now, runs the extract into the job's directory, writes the codebook, audits, marks ready.</summary>
    private async Task ProduceAsync(ExtractJobRecord job, CancellationToken ct)
    {
        await hooks.PhaseAsync(job.Id, "planning", ct).ConfigureAwait(false);
        var grant = await grants.GetAsync(job.GrantId, ct).ConfigureAwait(false)
                    ?? throw new ExtractJobFailure("grant.not-found", "the grant of the job no longer exists", StatusCode.PermissionDenied);
        var wire = V1.ExtractRequest.Parser.ParseFrom(job.Request);
        var request = ExtractApi.Map(wire);
        var plan = ExtractApi.Plan(extracts, request, new Caller(grant.Grant)); // the grant's validity, tier and scope, now

        var directory = files.Create(job.Id);
        var dataName = ExtractJobFiles.FileName(ExtractJobFileKind.Data, Extension(plan.Format));
        var part = Path.Combine(directory, dataName + ".part");
        job = await PhaseAsync(job with { Phase = "writing", Scope = plan.EffectiveRegion.Value }, ct).ConfigureAwait(false);

        Extracts.ExtractSummary summary;
        string sha;
        long copied = 0;
        var lastProgress = time.GetTimestamp();
        await using (var output = new FileStream(part, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var current = job;
            summary = await extracts.RunAsync(plan,
                async (chunk, token) =>
                {
                    await output.WriteAsync(chunk, token).ConfigureAwait(false);
                    hash.AppendData(chunk.Span);
                    copied += chunk.Length;
                    if (time.GetElapsedTime(lastProgress) >= TimeSpan.FromSeconds(1))
                    {
                        lastProgress = time.GetTimestamp();
                        current = await ProgressAsync(current with { Bytes = copied }, token).ConfigureAwait(false);
                    }
                },
                async (s, token) => current = await PhaseAsync(current with { Phase = "copying", Records = s.Rows }, token).ConfigureAwait(false),
                ct).ConfigureAwait(false);
            await output.FlushAsync(ct).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
            sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            job = current;
        }
        if (sha != summary.Sha256 || copied != summary.Bytes)
            throw new InvalidOperationException($"the job's copy of the extract differs from the runner's (SHA-256 {sha} vs {summary.Sha256})");
        File.Move(part, Path.Combine(directory, dataName));

        job = await PhaseAsync(job with { Phase = "codebook", Records = summary.Rows, Bytes = summary.Bytes }, ct).ConfigureAwait(false);
        var codebook = new ExtractCodebook(job.Id, plan, request, summary, dataset.Version);
        var result = new ExtractJob
        {
            KAnonymity = summary.KAnonymity is { } k ? ExtractApi.ToWire(k) : null,
            Metadata = ExtractApi.Metadata(summary, dataset.Version, job.RequestId),
        };
        result.Files.Add(new ExtractJobFile { Kind = ExtractJobFileKind.Data, Name = dataName, Bytes = summary.Bytes, Sha256 = summary.Sha256 });
        result.Files.Add(await WriteAsync(directory, ExtractJobFileKind.CodebookJson, codebook.ToJson(), ct).ConfigureAwait(false));
        result.Files.Add(await WriteAsync(directory, ExtractJobFileKind.CodebookMarkdown, codebook.ToMarkdown(), ct).ConfigureAwait(false));

        var now = time.GetUtcNow();
        var ready = job with
        {
            State = ExtractJobState.Ready, Phase = "ready", Records = summary.Rows, Bytes = summary.Bytes, Sha256 = summary.Sha256,
            Result = result.ToByteArray(), FinishedAt = now, ExpiresAt = now + TimeSpan.FromHours(Settings.RetentionHours),
        };
        try
        {
            await audit.AppendAsync(ExtractJobAudit.Entry(ready, ExtractJobAudit.CompletedMethod, AuditDecision.Allowed, ExtractJobAudit.CompletedRule,
                0, summary.Rows, summary.Bytes, summary.Sha256, grant.Grant.Organisation, grant.Grant.Unit), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "extract job {JobId}: the audit trail refused the completion record; the job fails closed", job.Id);
            throw new ExtractJobFailure(ExtractJobAudit.AuditUnavailableRule,
                "the audit trail was unavailable when the file was ready, so it is not released; submit the job again later", StatusCode.Unavailable);
        }
        if (!await jobs.TryUpdateAsync(ready, [ExtractJobState.Running], CancellationToken.None).ConfigureAwait(false))
            files.Delete(job.Id); // cancelled in the meantime
    }

    private static async Task<ExtractJobFile> WriteAsync(string directory, ExtractJobFileKind kind, string text, CancellationToken ct)
    {
        var name = ExtractJobFiles.FileName(kind, "");
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        await File.WriteAllBytesAsync(Path.Combine(directory, name), bytes, ct).ConfigureAwait(false);
        return new ExtractJobFile { Kind = kind, Name = name, Bytes = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
    }

    /// <summary>Records a new phase (the test hook may hold the job there) and stops the job if it was cancelled meanwhile.</summary>
    private async Task<ExtractJobRecord> PhaseAsync(ExtractJobRecord job, CancellationToken ct)
    {
        job = await ProgressAsync(job, ct).ConfigureAwait(false);
        await hooks.PhaseAsync(job.Id, job.Phase, ct).ConfigureAwait(false);
        return job;
    }

    private async Task<ExtractJobRecord> ProgressAsync(ExtractJobRecord job, CancellationToken ct)
    {
        if (!await jobs.TryUpdateAsync(job, [ExtractJobState.Running], ct).ConfigureAwait(false))
            throw new OperationCanceledException("the job is no longer running (cancelled, or stopped by the sweep)");
        return job;
    }
}

/// <summary>A job that cannot be completed, with the rule and reason its grant holder sees.</summary>
internal sealed class ExtractJobFailure(string rule, string message, StatusCode status) : Exception(message)
{
    public string Rule { get; } = rule;
    public StatusCode Status { get; } = status;
}
