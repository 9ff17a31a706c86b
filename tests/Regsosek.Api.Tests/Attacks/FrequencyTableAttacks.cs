using FsCheck;
using FsCheck.Fluent;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 3, from the attacker's side: read "every family in this village has X" off a count table. The
/// attacker looks for a category missing from a table (so nobody has it), or a line (the cells along one dimension that
/// share the other keys) where every category but one is shown as 0 or is withheld as a small count
/// (<c>primary.threshold</c>, i.e. under T) with at most one such small cell, or with a cell labelled
/// <c>primary.dominant-category</c> (which says the line is dominated) — then all units of the line, or all but fewer than
/// T, have the remaining category. Tables must be complete and no released line may say that.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class FrequencyTableAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);
    private static readonly Dictionary<RegionLevel, List<long>> RegionCache = [];

    private async Task<List<long>> RegionsOf3201Async(RegionLevel level)
    {
        lock (RegionCache)
            if (RegionCache.TryGetValue(level, out var cached)) return cached;
        var districts = await _attacker.ChildrenAsync("3201");
        var result = districts;
        if (level == RegionLevel.Village)
        {
            result = [];
            foreach (var d in districts) result.AddRange(await _attacker.ChildrenAsync(d.ToString()));
        }
        lock (RegionCache) RegionCache[level] = result;
        return result;
    }

    /// <summary>Runs the attack on one table; returns how many lines the dominant-category rule protected.</summary>
    private async Task<int> AttackAsync(string indicator, RegionLevel breakdown, string[] groupBy)
    {
        var answer = await _attacker.AggregateAsync(Attacker.Request(indicator, "3201", breakdown, groupBy), service.Regency3201.Token);
        var reply = answer.AssertReply();
        Assert.Equal(Api.V1.Tier.Disaggregated, reply.Metadata.Tier);

        // 1. Complete: every category of every dimension (and every region at the breakdown level) with every margin.
        var domains = new List<List<long?>>();
        foreach (var dimension in reply.Dimensions)
        {
            var codes = dimension == "region"
                ? await RegionsOf3201Async(breakdown)
                : Attacker.Catalogue.Dimensions.Single(d => d.Id == dimension).Values.Select(v => v.Code).ToList();
            domains.Add(codes.Select(c => (long?)c).Append(null).ToList());
        }
        var rows = reply.ByKey();
        IEnumerable<long?[]> cube = [[]];
        foreach (var domain in domains) cube = cube.SelectMany(prefix => domain.Select(code => prefix.Append(code).ToArray()));
        foreach (var key in cube)
            Assert.True(rows.ContainsKey(Released.KeyText(key)),
                $"{indicator} by [{string.Join(",", reply.Dimensions)}]: category combination {Released.KeyText(key)} is missing, which says it is empty");

        // 2. No line says "all (but fewer than T) have X".
        int protectedLines = 0;
        for (int j = 0; j < reply.Dimensions.Count; j++)
        {
            var lines = reply.Rows.GroupBy(r => Released.KeyText(r.KeyOf().Select((k, i) => i == j ? -999 : k)));
            foreach (var line in lines)
            {
                var categories = line.Where(r => r.Keys[j].HasCode).ToList();
                var total = line.SingleOrDefault(r => !r.Keys[j].HasCode);
                if (categories.Count < 2 || total is null) continue;
                if (!total.Cells[0].IsWithheld() && total.Cells[0].Value == 0) continue; // an empty line says nothing
                var cells = categories.Select(r => r.Cells[0]).ToList();
                int shownZero = cells.Count(c => !c.IsWithheld() && c.Value == 0);
                int small = cells.Count(c => c.IsWithheld() && c.Rule == "primary.threshold");
                int rest = cells.Count - shownZero - small;
                bool dominated = cells.Any(c => c.Rule == "primary.dominant-category"); // the label says the line is dominated
                if (dominated) protectedLines++;
                Assert.False(rest == 1 && (small <= 1 || dominated),
                    $"{indicator} by [{string.Join(",", reply.Dimensions)}], line {line.Key} along {reply.Dimensions[j]}: " +
                    $"{shownZero} categories shown as 0 and {small} withheld as small leave one category holding all units " +
                    $"(or all but fewer than T): {string.Join("; ", categories.Select(r => $"{Released.KeyText(r.KeyOf())}={(r.Cells[0].IsWithheld() ? r.Cells[0].Rule : r.Cells[0].Value.ToString())}"))}");
            }
        }
        return protectedLines;
    }

    [Fact]
    public async Task Villages_where_every_family_has_the_same_lighting_or_internet_access_do_not_say_so()
    {
        int protectedLines = 0;
        foreach (var dimension in new[] { "lighting", "internet_access", "urban_rural" })
            protectedLines += await AttackAsync("family_count", RegionLevel.Village, [dimension]);
        foreach (var dimension in new[] { "disability", "sex" })
            protectedLines += await AttackAsync("population", RegionLevel.Village, [dimension]);
        // The attack had targets: lines of villages where everyone (or all but a few) share the category exist.
        Assert.True(protectedLines > 0, "no village line was dominated by one category: the attack tested nothing");
    }

    [Fact]
    public async Task Property_no_district_or_village_count_table_states_an_attribute_of_a_whole_line()
    {
        var dims = Attacker.Catalogue.Dimensions.Where(d => !d.IsRegion && d.MinTier <= Core.Tier.Disaggregated).ToList();
        var gen = from families in Gen.Elements(false, true)
                  let unit = families ? Catalogue.Unit.Families : Catalogue.Unit.Persons
                  let applicable = dims.Where(d => d.AppliesTo(unit)).Select(d => d.Id).ToArray()
                  from village in Gen.Elements(false, true)
                  from count in Gen.Choose(1, village ? 1 : 2)
                  from groupBy in Gen.Shuffle(applicable).Select(a => a.Take(count).ToArray())
                  select (Indicator: families ? "family_count" : "population", Breakdown: village ? RegionLevel.Village : RegionLevel.District, GroupBy: groupBy);
        await AttackProperty.ForAll(gen, c => AttackAsync(c.Indicator, c.Breakdown, c.GroupBy), maxTest: 12);
    }
}
