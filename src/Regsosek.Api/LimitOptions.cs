namespace Regsosek.Api;

/// <summary>
/// The service's limits on calls (configuration section Regsosek:Limits), validated when the server starts, matching's
/// per-grant limits among them (<see cref="MatchingQuota"/>). The
/// largest table a call may ask for is a disclosure-control setting (Regsosek:Disclosure:MaxCells).
/// </summary>
public sealed class LimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Regsosek:Limits";

    /// <summary>gRPC's usual 4 MiB.</summary>
    public const int DefaultMaxReceiveMessageBytes = 4 * 1024 * 1024;

    /// <summary>The largest request message accepted, in bytes; larger ones get RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageBytes { get; set; } = DefaultMaxReceiveMessageBytes;

    /// <summary>Seconds running calls may go on once the service starts stopping; then they are aborted and
    /// recorded as such in the audit trail. New calls are refused from the start of stopping. Default 10.</summary>
    public double ShutdownGraceSeconds { get; set; } = 10;

    /// <summary>The grace period as a time span.</summary>
    public TimeSpan ShutdownGrace => TimeSpan.FromSeconds(ShutdownGraceSeconds);

    /// <summary>Seconds the service still takes new calls once it starts stopping, while its health says NOT_SERVING,
    /// so that a load balancer checking the health stops sending to it first (docs/deployment.md); 0 (the default)
    /// for a single server.</summary>
    public double ShutdownDrainSeconds { get; set; }

    /// <summary>The drain period as a time span.</summary>
    public TimeSpan ShutdownDrain => TimeSpan.FromSeconds(ShutdownDrainSeconds);

    /// <summary>Rows one matching call (MatchingService.Match) may submit; more get RESOURCE_EXHAUSTED
    /// <c>matching.max-rows-per-call</c> as soon as the list passes it. Default 10,000,000.</summary>
    public long MatchingMaxRowsPerCall { get; set; } = 10_000_000;

    /// <summary>Matching calls a tier-4 grant may have answered per UTC day (counted in the audit trail, so across
    /// replicas); the next is refused with RESOURCE_EXHAUSTED <c>matching.calls-per-day</c>. Default 100.</summary>
    public int MatchingCallsPerDay { get; set; } = 100;

    /// <summary>The same for tier-2 and tier-3 grants (summaries under disclosure control). It bounds how often a list can
    /// be varied to average out the summary's noise (docs/matching.md, "Disclosure control of the summary"). Default 10.</summary>
    public int MatchingSummaryCallsPerDay { get; set; } = 10;

    /// <summary>The problems of these values, each naming its setting; empty when they are valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (MatchingMaxRowsPerCall < 1 || MatchingMaxRowsPerCall > 1_000_000_000)
            yield return $"{Section}:{nameof(MatchingMaxRowsPerCall)} must be 1 to 1,000,000,000 (got {MatchingMaxRowsPerCall})";
        if (MatchingCallsPerDay < 1 || MatchingCallsPerDay > 100_000)
            yield return $"{Section}:{nameof(MatchingCallsPerDay)} must be 1 to 100,000 (got {MatchingCallsPerDay})";
        if (MatchingSummaryCallsPerDay < 1 || MatchingSummaryCallsPerDay > 100_000)
            yield return $"{Section}:{nameof(MatchingSummaryCallsPerDay)} must be 1 to 100,000 (got {MatchingSummaryCallsPerDay})";
        if (MaxReceiveMessageBytes < 1024)
            yield return $"{Section}:{nameof(MaxReceiveMessageBytes)} must be at least 1024 (got {MaxReceiveMessageBytes})";
        if (!(ShutdownGraceSeconds >= 0) || ShutdownGraceSeconds > 3600)
            yield return $"{Section}:{nameof(ShutdownGraceSeconds)} must be 0 to 3600 seconds (got {ShutdownGraceSeconds})";
        if (!(ShutdownDrainSeconds >= 0) || ShutdownDrainSeconds > 3600)
            yield return $"{Section}:{nameof(ShutdownDrainSeconds)} must be 0 to 3600 seconds (got {ShutdownDrainSeconds})";
    }
}
