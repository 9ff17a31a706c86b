using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;
using Regsosek.Core.Policy;
using Xunit.Abstractions;

namespace Regsosek.Core.Tests;

/// <summary>
/// Issue 11, class 5, from the attacker's side: a tier-3 grantee holds a de-identified extract of regency 3201 (sex,
/// age group; geography stops at the regency) and asks the same grant for the regency's counts by village × sex × age
/// group. A record whose (sex, age group) is rare in the regency is "placed" when exactly one village's released cell
/// for that combination is not zero. With exact figures (what tier 3 got before) the attack places many records; with
/// the disclosure tier the policy now gives (tier 2 below regency), complete tables and the dominant-category rule, it
/// places none.
/// </summary>
public class ExtractPlacementAttackTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DisclosureControl Control = new();

    [Fact]
    public void Village_aggregates_do_not_place_tier_3_extract_records_in_villages()
    {
        var grant = AccessPolicyTests.MakeGrant(Tier.Microdata, "3201");
        var decision = AccessPolicy.DecideAggregate(new AggregateAccessRequest(new Caller(grant), RegionCode.Parse("3201"), RegionLevel.Village,
            [new IndicatorAccess("population", true, Tier.Public, RegionLevel.Village)], [], ["sex", "age_group_5y"], false,
            [new DimensionAccess("sex", Tier.Public, DimensionUse.GroupBy), new DimensionAccess("age_group_5y", Tier.Public, DimensionUse.GroupBy)]), Now);
        var allowed = Assert.IsType<Allowed>(decision);
        Assert.Equal(Tier.Disaggregated, allowed.DisclosureTier);

        var rng = new Random(2022);
        int placedExact = 0, placedNow = 0, rare = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            int villages = rng.Next(3, 12);
            var persons = Microdata.Random(rng, rng.Next(150, 600), [villages, 2, 16]);
            var exact = TableCompletion.Complete(Microdata.Table(persons, [0, 1, 2]),
                [Range(villages), Range(2), Range(16)]);
            var withExactRules = Control.Apply(exact, Tier.Microdata);        // before class 5
            var released = Control.Apply(exact, allowed.DisclosureTier);      // now

            // The extract: one record per person, without the village.
            foreach (var group in persons.GroupBy(p => (Sex: p.Attributes[1], Age: p.Attributes[2])).Where(g => g.Count() < 5))
            {
                rare += group.Count();
                placedExact += Placed(withExactRules, group.Key.Sex, group.Key.Age, villages) ? group.Count() : 0;
                placedNow += Placed(released, group.Key.Sex, group.Key.Age, villages) ? group.Count() : 0;
            }
        }
        output.WriteLine($"rare extract records {rare}; placed with exact figures {placedExact}; placed now {placedNow}");
        Assert.True(placedExact > rare / 4, "the attack must work on exact figures, or this test shows nothing");
        Assert.Equal(0, placedNow);
    }

    /// <summary>True when exactly one village's cell for (sex, age) is not a released zero: the attacker puts every
    /// extract record with that combination there.</summary>
    private static bool Placed(ReleasedTable t, long sex, long age, int villages)
    {
        int candidates = 0;
        for (long v = 1; v <= villages; v++)
        {
            var cell = t.Rows.Single(r => r.Keys[0] == v && r.Keys[1] == sex && r.Keys[2] == age).Values[0];
            if (cell.Value != 0) candidates++;
        }
        return candidates == 1;
    }

    private static List<long> Range(int n) => Enumerable.Range(1, n).Select(i => (long)i).ToList();
}
