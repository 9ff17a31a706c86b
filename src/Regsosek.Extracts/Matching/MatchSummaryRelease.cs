using System.Buffers.Binary;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;

namespace Regsosek.Extracts.Matching;

/// <summary>A released count: the value, or null when withheld, and the rule that withheld or changed it.</summary>
public readonly record struct ReleasedCount(long? Value, string? Rule);

/// <summary>The summary as released to the caller's tier.</summary>
public sealed record ReleasedMatchSummary(
    long Submitted, long Invalid, long Duplicate, long DistinctValid,
    ReleasedCount Matched, ReleasedCount? NotMatched,
    IReadOnlyList<(long Group, ReleasedCount Count)> ByDesil,
    IReadOnlyList<(long Group, ReleasedCount Count)> ByRegion,
    RegionLevel RegionLevel, ReleasedCount ExclusionCandidates, string ListSha256, Tier Tier,
    IReadOnlyList<AppliedRule> Rules);

/// <summary>
/// Releases a match's counts through the disclosure control of <see cref="MatchingPolicy.DisclosureTier"/>: the
/// matched total, by desil, by region, and the exclusion-error candidates are each a count table run through
/// <see cref="IDisclosureControl.Apply(ExactTable, Tier)"/> (tier 4: exact). Two protections specific to lists
/// (docs/matching.md, "Disclosure control of the summary"):
/// <list type="bullet">
/// <item>zero counts are withheld like any count under the threshold (the control is built with
/// <see cref="TierDisclosureOptions.ReleaseZeroCounts"/> false), so "0" and "1" — member or not — read the same;</item>
/// <item>the cell key of every count also takes a salt from the list's SHA-256, so adding a non-member to a list changes
/// the noise just as adding a member does: comparing two lists' answers no longer tells whether the answer moved.</item>
/// </list>
/// At protected tiers a withheld count names no primary rule (<see cref="MatchingRules.Withheld"/>) and the summary
/// lists the rules that may apply rather than those that fired: which rule withheld a cell (threshold for a zero,
/// dominant category for a one, ...) would tell a member from a non-member.
/// "Not matched" is released only at tier 4 (else distinct-valid − not-matched would give the matched count back).
/// Counts of the caller's own list (submitted, invalid, duplicates) are exact at every tier.
/// </summary>
public sealed class MatchSummaryRelease
{
    private readonly DisclosureControl _control;

    /// <summary>Builds the disclosure control from <paramref name="options"/> with zero counts withheld at every tier.</summary>
    public MatchSummaryRelease(DisclosureOptions? options = null)
    {
        var o = options ?? DisclosureOptions.Default;
        _control = new DisclosureControl(o with
        {
            Tier1 = o.Tier1 with { ReleaseZeroCounts = false },
            Tier2 = o.Tier2 with { ReleaseZeroCounts = false },
            Tier3 = o.Tier3 with { ReleaseZeroCounts = false },
            Tier4 = o.Tier4 with { ReleaseZeroCounts = false },
        });
    }

    /// <summary>Releases <paramref name="counts"/> to a caller of <paramref name="callerTier"/>.</summary>
    public ReleasedMatchSummary Release(MatchCounts counts, Tier callerTier, CancellationToken ct = default)
    {
        var tier = MatchingPolicy.DisclosureTier(callerTier);
        long salt = BinaryPrimitives.ReadUInt16BigEndian(Convert.FromHexString(counts.ListSha256.AsSpan(0, 4)));
        var rules = new Dictionary<string, AppliedRule>();

        ReleasedCount Single(string measure, KeyedCountValue c)
        {
            var table = Apply(measure, "total", [(null, c)]);
            return table[0].Count;
        }

        List<(long? Group, ReleasedCount Count)> Apply(string measure, string dimension, List<(long? Group, KeyedCountValue Count)> cells)
        {
            var shape = new TableShape(cells.Count == 1 && cells[0].Group is null ? [] : [dimension],
                [new MeasureInfo(measure, StatisticKind.Count, "persons")]);
            var rows = cells.Select(cell => new ExactRow(shape.Dimensions.Count == 0 ? [] : [cell.Group],
                [ExactValue.OfCount(cell.Count.Count, cell.Count.KeySum + salt)])).ToList();
            var released = _control.Apply(new ExactTable(shape, rows), tier, ct);
            foreach (var rule in released.Rules) rules.TryAdd(rule.Id, rule);
            return released.Rows.Select((row, i) => (cells[i].Group, ToCount(row.Values[0]))).ToList();
        }

        static List<(long? Group, KeyedCountValue Count)> WithTotal(IReadOnlyDictionary<long, KeyedCountValue> groups)
        {
            var total = new KeyedCountValue(groups.Values.Sum(v => v.Count), groups.Values.Sum(v => v.KeySum));
            return [(null, total), .. groups.OrderBy(g => g.Key).Select(g => ((long?)g.Key, g.Value))];
        }

        var matched = Single("matched", counts.Matched);
        var byDesil = Apply("matched", "desil", WithTotal(counts.ByDesil)).Where(r => r.Group is not null).Select(r => (r.Group!.Value, r.Count)).ToList();
        var byRegion = Apply("matched", "region", WithTotal(counts.ByRegion)).Where(r => r.Group is not null).Select(r => (r.Group!.Value, r.Count)).ToList();
        var exclusion = Single("exclusion_candidates", counts.ExclusionCandidates);
        ReleasedCount? notMatched = tier == Tier.Bnba ? new ReleasedCount(counts.DistinctValid - counts.Matched.Count, null) : null;
        var o = _control.Options.For(tier);
        if (o.Protect)
        {
            ReleasedCount Blind(ReleasedCount c) => c.Value is null ? new ReleasedCount(null, MatchingRules.Withheld) : c;
            matched = Blind(matched);
            exclusion = Blind(exclusion);
            byDesil = byDesil.Select(g => (g.Item1, Blind(g.Count))).ToList();
            byRegion = byRegion.Select(g => (g.Item1, Blind(g.Count))).ToList();
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            rules.Clear();
            rules[MatchingRules.Withheld] = new AppliedRule(MatchingRules.Withheld,
                "counts under the threshold, zero counts, and counts from which a withheld one could be derived are withheld; " +
                "which of these withheld a count is not said (it would tell a member of the registry from a non-member)",
                new Dictionary<string, string> { ["threshold"] = o.CountThreshold.ToString(inv) });
            if (o.Perturb)
                rules[DisclosureRules.CellKey] = new AppliedRule(DisclosureRules.CellKey,
                    "counts carry cell-key noise; the cell key also takes the hash of the submitted list",
                    new Dictionary<string, string> { ["max_noise"] = o.CellKey.MaxNoise.ToString(inv), ["variance"] = o.CellKey.Variance.ToString(inv) });
        }
        return new ReleasedMatchSummary(counts.Submitted, counts.Invalid, counts.Duplicate, counts.DistinctValid,
            matched, notMatched, byDesil, byRegion, counts.RegionLevel, exclusion, counts.ListSha256, callerTier, rules.Values.ToList());
    }

    private static ReleasedCount ToCount(ReleasedValue v) =>
        new(v.Status == CellStatus.Suppressed || v.Value is null ? null : (long)Math.Round(v.Value.Value), v.Rule);
}
