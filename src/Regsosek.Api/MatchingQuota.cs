using System.Globalization;
using Microsoft.Extensions.Options;
using Regsosek.Core;
using Regsosek.Extracts.Matching;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Reports;

namespace Regsosek.Api;

/// <summary>
/// The per-grant limits on matching (<see cref="LimitOptions"/>): calls per UTC day, counted from the audit trail (the
/// allowed records of MatchingService.Match since midnight UTC, so every replica sharing the store counts the same), and
/// rows per call. Refusals are RESOURCE_EXHAUSTED naming the limit (<see cref="MatchingRules"/>), audited with it as the
/// rule. Two calls racing for the last place may both pass: the limit can be overrun by the calls in flight at once.
/// </summary>
public sealed class MatchingQuota(IAuditLog audit, IOptions<LimitOptions> limits, TimeProvider clock)
{
    /// <summary>Calls the grant may make per day at <paramref name="tier"/>.</summary>
    public int CallsPerDay(Tier tier) => tier.Includes(Tier.Bnba) ? limits.Value.MatchingCallsPerDay : limits.Value.MatchingSummaryCallsPerDay;

    /// <summary>Rows one call may submit.</summary>
    public long MaxRowsPerCall => limits.Value.MatchingMaxRowsPerCall;

    /// <summary>Refuses the call when <paramref name="grant"/> has used its matching calls of the day.</summary>
    public async Task CheckCallsAsync(Grant grant, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        int allowed = CallsPerDay(grant.Tier);
        int used = 0;
        await foreach (var record in audit.ReadAsync(new AuditQuery { GrantId = grant.Id, From = midnight }, ct).ConfigureAwait(false))
        {
            if (record.Entry.Method == UsageReport.MatchingMethod && record.Entry.Decision == AuditDecision.Allowed && ++used >= allowed)
                throw RpcErrors.ResourceExhausted(MatchingRules.CallsPerDay,
                    $"this grant has had its {allowed} matching calls of the day (tier {(int)grant.Tier}; the count restarts at 00:00 UTC): " +
                    "put the lists of a day into fewer, longer calls");
        }
    }

    /// <summary>Refuses a list that has grown past the rows of one call.</summary>
    public void CheckRows(long rows)
    {
        if (rows > MaxRowsPerCall)
            throw RpcErrors.ResourceExhausted(MatchingRules.MaxRowsPerCall,
                $"a matching call takes at most {MaxRowsPerCall.ToString("N0", CultureInfo.InvariantCulture)} rows: split the list into several calls");
    }
}
