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
/// Releases a match's counts to the caller's tier (<see cref="MatchingPolicy.DisclosureTier"/>). Tier 4: exact, through
/// <see cref="IDisclosureControl.Apply(ExactTable, Tier)"/>. Tiers 2–3 (docs/matching.md, "Disclosure control of the
/// summary"), for the matched total, by desil, by region, and the exclusion-error candidates:
/// <list type="bullet">
/// <item>every count, zero included, is perturbed by the cell key first and withheld when its perturbed value is under the
/// threshold (<see cref="ReleaseCount"/>): a threshold on the exact count made "four known members plus the target NIK"
/// a one-call membership test (5 shown, 4 withheld);</item>
/// <item>the cell key of every count also takes a salt from the list's SHA-256, so adding a non-member to a list changes
/// the noise just as adding a member does: comparing two lists' answers no longer tells whether the answer moved;</item>
/// <item>a withheld count names no primary rule (<see cref="MatchingRules.Withheld"/>) and the summary lists the rules
/// that may apply rather than those that fired.</item>
/// </list>
/// What is left, averaging many calls whose noise differs, is bounded by the grant's matching calls per day
/// (Regsosek:Limits, enforced by the API). "Not matched" is released only at tier 4 (else distinct-valid − not-matched
/// would give the matched count back). Counts of the caller's own list (submitted, invalid, duplicates) are exact at
/// every tier.
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

        var o = _control.Options.For(tier);
        if (o.Protect) return ReleaseProtected(counts, callerTier, o, _control.PerturbationTableFor(tier), salt);

        var matched = Single("matched", counts.Matched);
        var byDesil = Apply("matched", "desil", WithTotal(counts.ByDesil)).Where(r => r.Group is not null).Select(r => (r.Group!.Value, r.Count)).ToList();
        var byRegion = Apply("matched", "region", WithTotal(counts.ByRegion)).Where(r => r.Group is not null).Select(r => (r.Group!.Value, r.Count)).ToList();
        var exclusion = Single("exclusion_candidates", counts.ExclusionCandidates);
        var notMatched = new ReleasedCount(counts.DistinctValid - counts.Matched.Count, null);
        return new ReleasedMatchSummary(counts.Submitted, counts.Invalid, counts.Duplicate, counts.DistinctValid,
            matched, notMatched, byDesil, byRegion, counts.RegionLevel, exclusion, counts.ListSha256, callerTier, rules.Values.ToList());
    }

    /// <summary>
    /// Tiers 2–3: every registry count is perturbed first and withheld when its perturbed value is under the threshold
    /// (<see cref="ReleaseCount"/>). No count is withheld on its exact value: "4 withheld, 5 shown exactly" would be a
    /// one-call membership test (four known members and the target NIK). Without perturbation configured every registry
    /// count is withheld (there is no noise to hide the threshold's edge behind).
    /// </summary>
    private static ReleasedMatchSummary ReleaseProtected(MatchCounts counts, Tier callerTier, TierDisclosureOptions o,
        PerturbationTable? ptable, long salt)
    {
        ReleasedCount Count(KeyedCountValue c) => ReleaseCount(c.Count, c.KeySum + salt, o.CountThreshold, ptable);
        List<(long, ReleasedCount)> Groups(IReadOnlyDictionary<long, KeyedCountValue> groups) =>
            groups.OrderBy(g => g.Key).Select(g => (g.Key, Count(g.Value))).ToList();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var rules = new List<AppliedRule>
        {
            new(MatchingRules.Withheld,
                ptable is null
                    ? "every count of the registry is withheld: summaries of a list need perturbation at this tier, and it is not configured"
                    : "each count is perturbed, then withheld when its perturbed value is under the threshold (zero and small counts " +
                      "alike); which counts were withheld depends on the noise, so no single answer proves a NIK is or is not in the registry",
                new Dictionary<string, string> { ["threshold"] = o.CountThreshold.ToString(inv) }),
        };
        if (ptable is not null)
            rules.Add(new AppliedRule(DisclosureRules.CellKey,
                "counts carry cell-key noise; the cell key also takes the hash of the submitted list",
                new Dictionary<string, string> { ["max_noise"] = o.CellKey.MaxNoise.ToString(inv), ["variance"] = o.CellKey.Variance.ToString(inv) }));
        return new ReleasedMatchSummary(counts.Submitted, counts.Invalid, counts.Duplicate, counts.DistinctValid,
            Count(counts.Matched), null, Groups(counts.ByDesil), Groups(counts.ByRegion), counts.RegionLevel,
            Count(counts.ExclusionCandidates), counts.ListSha256, callerTier, rules);
    }

    /// <summary>
    /// One registry count of a list's summary at tiers 2–3: the exact <paramref name="count"/> plus the ptable's noise of
    /// the full row (support ±D, variance V, the row of every count from T + D on) for the cell key of
    /// <paramref name="saltedKeySum"/>; withheld (<see cref="MatchingRules.Withheld"/>) when that is under
    /// <paramref name="threshold"/>. Zero is perturbed like any count. Null <paramref name="ptable"/>: always withheld.
    /// </summary>
    public static ReleasedCount ReleaseCount(long count, long saltedKeySum, int threshold, PerturbationTable? ptable)
    {
        if (ptable is null) return new ReleasedCount(null, MatchingRules.Withheld);
        long noisy = count + ptable.Row(threshold + ptable.Options.MaxNoise)[ptable.CellKey(saltedKeySum)];
        return noisy < threshold ? new ReleasedCount(null, MatchingRules.Withheld) : new ReleasedCount(noisy, DisclosureRules.CellKey);
    }

    private static ReleasedCount ToCount(ReleasedValue v) =>
        new(v.Status == CellStatus.Suppressed || v.Value is null ? null : (long)Math.Round(v.Value.Value), v.Rule);
}
