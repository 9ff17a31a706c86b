using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Core.Disclosure;
using Regsosek.Extracts.Matching;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// The disclosure control of a list's summary at tiers 2–3 (MatchSummaryRelease, docs/matching.md), from the side of a
/// tier-2 grant that wants to learn whether one NIK is in the registry. The attacker controls the list, hence the exact
/// count (it can pad a list with members it has found) and the salt (any change to the list changes the list's hash);
/// it does not control the record keys. Outcomes are counted over every cell key, which is what the salt ranges over.
/// </summary>
public sealed class MatchSummaryReleaseTests
{
    private static readonly TierDisclosureOptions Tier2 = DisclosureOptions.Default.Tier2;
    private static readonly PerturbationTable Ptable = PerturbationTable.Build(Tier2.CountThreshold, Tier2.CellKey);

    private const long Withheld = -1;

    /// <summary>The released value (<see cref="Withheld"/>: withheld) of <paramref name="count"/> for each cell key, with its share.</summary>
    private static Dictionary<long, double> Outcomes(long count, PerturbationTable ptable, int threshold)
    {
        int range = ptable.Options.KeyRange;
        var outcomes = new Dictionary<long, double>();
        for (int key = 0; key < range; key++)
        {
            var v = MatchSummaryRelease.ReleaseCount(count, key, threshold, ptable).Value ?? Withheld;
            outcomes[v] = outcomes.GetValueOrDefault(v) + 1.0 / range;
        }
        return outcomes;
    }

    /// <summary>Total variation distance: the best advantage one answer gives in telling the two counts apart.</summary>
    private static double Advantage(Dictionary<long, double> a, Dictionary<long, double> b) =>
        a.Keys.Union(b.Keys).Sum(k => Math.Abs(a.GetValueOrDefault(k) - b.GetValueOrDefault(k))) / 2;

    [Fact]
    public void Attack_four_known_members_and_the_target_no_longer_tell_membership_in_one_call()
    {
        // The old rule withheld on the exact count: 4 was always withheld and 5 shown as exactly 5 (the ptable's noise at
        // T is 0), so "released" proved the target was a member. Now both outcomes happen for both lists.
        var member = Outcomes(Tier2.CountThreshold, Ptable, Tier2.CountThreshold);
        var nonMember = Outcomes(Tier2.CountThreshold - 1, Ptable, Tier2.CountThreshold);
        Assert.InRange(member.GetValueOrDefault(Withheld), 0.1, 0.9);     // a member list is withheld for some salts
        Assert.InRange(1 - nonMember.GetValueOrDefault(Withheld), 0.1, 0.9); // a non-member list is released for some
        Assert.True(Advantage(member, nonMember) < 0.5, $"one answer separates member from non-member with advantage {Advantage(member, nonMember):F2}");
    }

    [Fact]
    public void Property_no_count_is_told_from_the_next_by_one_answer_with_certainty()
    {
        // For every exact count, every maximum noise D and variance V the options allow: the answer distributions of c and
        // c + 1 (one more member on the list) are never disjoint, and for the defaults one answer's advantage stays under 0.45.
        var cases =
            from c in Gen.Choose(0, 5000)
            from d in Gen.Choose(1, 5)
            from v in Gen.Choose(1, 9).Select(x => x / 10.0 * d * d)
            from t in Gen.Choose(1, 12)
            select (Count: (long)c, D: d, V: Math.Min(v, d * d - 0.01), T: t);
        PropertyRunner.ForAll(cases.ToArbitrary(), x =>
        {
            var ptable = PerturbationTable.Build(x.T, new CellKeyOptions { MaxNoise = x.D, Variance = x.V });
            var a = Outcomes(x.Count, ptable, x.T);
            var b = Outcomes(x.Count + 1, ptable, x.T);
            Assert.True(Advantage(a, b) < 1 - 1e-9, $"c={x.Count} D={x.D} V={x.V} T={x.T}: the answers of c and c+1 never overlap");
        }, maxTest: 60);
        for (long c = 0; c < 40; c++)
            Assert.True(Advantage(Outcomes(c, Ptable, Tier2.CountThreshold), Outcomes(c + 1, Ptable, Tier2.CountThreshold)) < 0.45, $"defaults, c={c}");
    }

    [Fact]
    public void Property_released_counts_are_at_or_over_the_threshold_and_within_the_noise_and_the_rules_say_nothing_per_count()
    {
        var release = new MatchSummaryRelease();
        var counts =
            from matched in Gen.Choose(0, 40)
            from desil in Gen.ArrayOf(Gen.Choose(0, 12), 10)
            from exclusion in Gen.Choose(0, 100_000)
            from keys in Gen.ArrayOf(Gen.Choose(0, int.MaxValue), 12)
            from sha in Gen.ArrayOf(Gen.Choose(0, 255), 32)
            from tier in Gen.Elements(Tier.Disaggregated, Tier.Microdata)
            select (Counts: new MatchCounts
            {
                Submitted = 100, Invalid = 3, Duplicate = 2, DistinctValid = 95,
                Matched = new KeyedCountValue(matched, keys[0]),
                ByDesil = Enumerable.Range(1, 10).ToDictionary(i => (long)i, i => new KeyedCountValue(desil[i - 1], keys[i])),
                ByRegion = new Dictionary<long, KeyedCountValue> { [3201] = new(matched, keys[11]) },
                RegionLevel = RegionLevel.Regency,
                ExclusionCandidates = new KeyedCountValue(exclusion, keys[11] ^ keys[0]),
                ListSha256 = Convert.ToHexStringLower(sha.Select(b => (byte)b).ToArray()),
            }, Tier: tier);
        PropertyRunner.ForAll(counts.ToArbitrary(), x =>
        {
            var s = release.Release(x.Counts, x.Tier);
            var pairs = new List<(long Exact, ReleasedCount Released)> { (x.Counts.Matched.Count, s.Matched), (x.Counts.ExclusionCandidates.Count, s.ExclusionCandidates) };
            pairs.AddRange(s.ByDesil.Select(g => (x.Counts.ByDesil[g.Group].Count, g.Count)));
            pairs.AddRange(s.ByRegion.Select(g => (x.Counts.ByRegion[g.Group].Count, g.Count)));
            foreach (var (exact, released) in pairs)
            {
                if (released.Value is { } v)
                {
                    Assert.True(v >= Tier2.CountThreshold, $"released {v} under the threshold");
                    Assert.InRange(v, exact - Tier2.CellKey.MaxNoise, exact + Tier2.CellKey.MaxNoise);
                }
                else Assert.Equal(MatchingRules.Withheld, released.Rule);
                if (exact + Tier2.CellKey.MaxNoise < Tier2.CountThreshold) Assert.Null(released.Value); // 0 and 1 read alike
            }
            Assert.Null(s.NotMatched);
            Assert.Equal([MatchingRules.Withheld, DisclosureRules.CellKey], s.Rules.Select(r => r.Id).ToArray());
            Assert.Equal((100, 3, 2, 95), (s.Submitted, s.Invalid, s.Duplicate, s.DistinctValid)); // the caller's own list: exact
        }, maxTest: 200);
    }

    [Fact]
    public void Without_perturbation_every_registry_count_of_a_protected_summary_is_withheld()
    {
        var o = DisclosureOptions.Default;
        var release = new MatchSummaryRelease(o with { Tier2 = o.Tier2 with { Perturb = false } });
        var counts = new MatchCounts
        {
            Submitted = 500, DistinctValid = 500, Matched = new KeyedCountValue(480, 12345),
            ByDesil = new Dictionary<long, KeyedCountValue> { [1] = new(480, 12345) },
            ByRegion = new Dictionary<long, KeyedCountValue> { [3201] = new(480, 12345) },
            ExclusionCandidates = new KeyedCountValue(9000, 777), ListSha256 = new string('a', 64),
        };
        var s = release.Release(counts, Tier.Disaggregated);
        Assert.All(new[] { s.Matched, s.ExclusionCandidates, s.ByDesil[0].Count, s.ByRegion[0].Count }, c => Assert.Null(c.Value));
        var exact = release.Release(counts, Tier.Bnba);
        Assert.Equal(480, exact.Matched.Value); // tier 4: exact
        Assert.Equal(20, exact.NotMatched!.Value.Value);
    }
}
