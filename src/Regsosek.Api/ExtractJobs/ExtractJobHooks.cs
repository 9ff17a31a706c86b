namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// A test seam of the job worker, pass-through unless armed: <see cref="OnPhase"/> is awaited whenever a running job
/// enters a phase ("planning", "writing", "copying", "codebook"), with the job's cancellation token, so a test can
/// hold a job in the middle (and restart the server under it).
/// </summary>
public sealed class ExtractJobHooks
{
    /// <summary>Awaited at each phase of each running job; null: nothing.</summary>
    public Func<string, string, CancellationToken, Task>? OnPhase { get; set; }

    internal Task PhaseAsync(string jobId, string phase, CancellationToken ct) =>
        OnPhase is { } hook ? hook(jobId, phase, ct) : Task.CompletedTask;
}
