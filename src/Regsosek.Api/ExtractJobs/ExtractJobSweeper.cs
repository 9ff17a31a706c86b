using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Jobs;

namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// Every <see cref="ExtractJobOptions.SweepIntervalSeconds"/>: deletes the files of ready jobs whose retention ran out
/// (<see cref="ExtractJobAudit.RetentionRule"/>) or whose grant was revoked or expired (the grant's state as rule,
/// e.g. "grant.revoked"), marking them expired; fails queued and running jobs of such grants (interrupting a running
/// one); and removes job directories that no queued, running or ready job owns (what a crash left). Each deletion is
/// recorded in the audit trail. A revoked grant's files are unreachable before the sweep already: every status and
/// download call authenticates the grant first.
/// </summary>
public sealed class ExtractJobSweeper(
    IExtractJobStore jobs, IGrantStore grants, ExtractJobFiles files, ExtractJobWorker worker, IOptions<ExtractJobOptions> options,
    IAuditLog audit, TimeProvider time, ILogger<ExtractJobSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "extract jobs: the sweep failed; it runs again in {Interval} s", options.Value.SweepIntervalSeconds);
            }
        } while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One sweep; returns the ids of the jobs it ended.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var ended = new List<string>();
        var grantStates = new Dictionary<string, (GrantState State, Grant? Grant)>();
        async Task<(GrantState State, Grant? Grant)> StateOf(string grantId)
        {
            if (!grantStates.TryGetValue(grantId, out var s))
            {
                var record = await grants.GetAsync(grantId, ct).ConfigureAwait(false);
                s = record is null ? (GrantState.Revoked, null) : (record.Grant.StateAt(now), record.Grant);
                grantStates[grantId] = s;
            }
            return s;
        }

        var live = await jobs.ListByStateAsync([.. ExtractJobStates.Active, ExtractJobState.Ready], ct).ConfigureAwait(false);
        foreach (var job in live)
        {
            var (state, grant) = await StateOf(job.GrantId).ConfigureAwait(false);
            string? rule = null, reason = null;
            if (state != GrantState.Active)
            {
                rule = "grant." + Rule(state);
                reason = $"the grant is {Rule(state)}, so the job's files were deleted";
            }
            else if (job.State == ExtractJobState.Ready && job.ExpiresAt is { } expires && expires <= now)
            {
                rule = ExtractJobAudit.RetentionRule;
                reason = $"the files were kept until {expires:yyyy-MM-dd HH:mm} UTC ({options.Value.RetentionHours} hours) and then deleted; submit the job again";
            }
            if (rule is null) continue;
            var end = job with
            {
                State = job.State == ExtractJobState.Ready ? ExtractJobState.Expired : ExtractJobState.Failed,
                Phase = job.State == ExtractJobState.Ready ? "expired" : "failed",
                Failure = reason, FailureRule = rule, FinishedAt = job.State == ExtractJobState.Ready ? job.FinishedAt : now,
            };
            if (!await jobs.TryUpdateAsync(end, [job.State], ct).ConfigureAwait(false)) continue;
            worker.Interrupt(job.Id);
            files.Delete(job.Id);
            ended.Add(job.Id);
            await ExtractJobAudit.TryAppendAsync(audit, ExtractJobAudit.Entry(end, ExtractJobAudit.DeletedMethod, AuditDecision.Allowed, rule, 0,
                grantOrganisation: grant?.Organisation, grantUnit: grant?.Unit), logger).ConfigureAwait(false);
        }

        // Directories no live job owns: left by a crash, or by a job that ended while its files were being written.
        var owned = live.Where(j => !ended.Contains(j.Id)).Select(j => j.Id).ToHashSet();
        foreach (var id in files.JobIds().ToList())
        {
            if (owned.Contains(id)) continue;
            var job = await jobs.GetAsync(id, ct).ConfigureAwait(false);
            if (job is null || ExtractJobStates.IsFinal(job.State)) files.Delete(id);
        }
        return ended;
    }

    private static string Rule(GrantState state) => state switch
    {
        GrantState.Revoked => "revoked",
        GrantState.Expired => "expired",
        GrantState.NotYetValid => "not-yet-valid",
        _ => "active",
    };
}
