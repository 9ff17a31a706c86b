using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Schema;

namespace Regsosek.Extracts.Matching;

/// <summary>What the caller wants back from a match.</summary>
public enum MatchMode
{
    /// <summary>A result per submitted row, then the summary (tier 4).</summary>
    Rows,
    /// <summary>The summary only (tiers 2–4; at tiers 2–3 under disclosure control).</summary>
    SummaryOnly,
}

/// <summary>Stable rule ids of matching refusals (in ErrorInfo and the audit record).</summary>
public static class MatchingRules
{
    /// <summary>Per-row answers carry by-name-by-address data: tier 4 only.</summary>
    public const string RowsNeedTier4 = "matching.rows-need-tier4";
    /// <summary>The exclusion-error list is records: tier 4 only.</summary>
    public const string ExclusionListNeedsTier4 = "matching.exclusion-list-needs-tier4";
    /// <summary>A summary count withheld at tiers 2–3 (the primary rule that fired is not named).</summary>
    public const string Withheld = "matching.withheld";
    /// <summary>A list longer than the rows one call may submit (Regsosek:Limits:MatchingMaxRowsPerCall).</summary>
    public const string MaxRowsPerCall = "matching.max-rows-per-call";
    /// <summary>The grant's matching calls of the day are used up (Regsosek:Limits:MatchingCallsPerDay, MatchingSummaryCallsPerDay).</summary>
    public const string CallsPerDay = "matching.calls-per-day";
}

/// <summary>Settings of the matching service (bound from configuration by the host).</summary>
public sealed record MatchingOptions
{
    /// <summary>Where each call's temp directory (DuckDB database, spill files) is made.</summary>
    public string TempRoot { get; init; } = Path.GetTempPath();

    /// <summary>DuckDB's memory limit per call; beyond it DuckDB spills to the call's temp directory.</summary>
    public string MemoryLimit { get; init; } = "256MB";

    /// <summary>DuckDB threads per call.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Results (or exclusion records) per response message.</summary>
    public int ResultBatchRows { get; init; } = 1000;

    /// <summary>Largest MatchBatch accepted, in rows.</summary>
    public int MaxBatchRows { get; init; } = 10_000;

    /// <summary>Longest caller record key, in characters.</summary>
    public int MaxKeyLength { get; init; } = 128;
}

/// <summary>One field of a matched record: the dictionary variable and whether it is read from individu or keluarga.</summary>
public sealed record MatchFieldInfo(Variable Variable)
{
    /// <summary>The data-dictionary column name.</summary>
    public string Name => Variable.Column;

    /// <summary>True when the value is text (else a whole number).</summary>
    public bool IsText => !Variable.Type.IsNumeric();
}

/// <summary>
/// Who may match how (pure). Tier 1: refused (tier.insufficient). Tiers 2–3: the summary only, under disclosure
/// control; rows or the exclusion list refused (<see cref="MatchingRules"/>). Tier 4: rows, summary and exclusion
/// list, decided by <see cref="AccessPolicy.DecideExtract"/> as a BNBA extract of the grant's whole scope down to
/// village (so grant validity, scope and the extract geography rules have one home).
/// </summary>
public static class MatchingPolicy
{
    /// <summary>The tier whose disclosure control protects the summary: tiers 2 and 3 both get tier 2's (a NIK list is an
    /// identity key, so a tier-3 summary may not be exact), tier 4 its own (exact).</summary>
    public static Tier DisclosureTier(Tier callerTier) => callerTier == Tier.Bnba ? Tier.Bnba : Tier.Disaggregated;

    /// <summary>The region the list is matched in, or throws <see cref="ExtractAccessDeniedException"/> with the rule.</summary>
    public static RegionCode Decide(Caller caller, MatchMode mode, bool exclusionList, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var tier = caller.Tier;
        if (caller.Grant is null || !tier.Includes(Tier.Disaggregated))
            throw new ExtractAccessDeniedException(AccessRules.TierInsufficient,
                $"matching a list with the registry needs a grant of tier 2 or above; your access is tier {(int)tier}");
        if (mode == MatchMode.Rows && !tier.Includes(Tier.Bnba))
            throw new ExtractAccessDeniedException(MatchingRules.RowsNeedTier4,
                $"answers per row say who is in the registry (by-name-by-address data) and need a tier-4 grant; your access is tier {(int)tier}: " +
                "ask for mode SUMMARY_ONLY (counts under disclosure control)");
        if (exclusionList && !tier.Includes(Tier.Bnba))
            throw new ExtractAccessDeniedException(MatchingRules.ExclusionListNeedsTier4,
                $"the exclusion-error candidates as a list are by-name-by-address data and need a tier-4 grant; your access is tier {(int)tier}: " +
                "leave exclusion_list unset (the summary gives their count)");
        if (tier.Includes(Tier.Bnba))
        {
            var decision = AccessPolicy.DecideExtract(new ExtractAccessRequest(caller, caller.Scope, RegionLevel.Village, true, true), now);
            if (decision is Denied d) throw new ExtractAccessDeniedException(d.Rule, d.Message);
            return ((Allowed)decision).EffectiveRegion;
        }
        return caller.Scope;
    }
}
