using FsCheck.Fluent;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Stores.Grants;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 4, from the attacker's side: a sum withheld by dominance or group size is recovered as "the regency
/// total minus the other districts" — from the same table, or from two requests with different filters (the regency,
/// and the regency filtered to every district but one). The truth comes from a tier-4 grant of the regency, which gets
/// exact figures. The attack must never give a withheld sum back exactly, and the same request must always get the same
/// perturbed values (or averaging repeated answers would remove the noise).
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class MagnitudeDifferencingAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);
    private static IssuedGrant? _tier4;

    private async Task<string> Tier4TokenAsync()
    {
        _tier4 ??= await ServiceFixture.IssueAsync(service.Grants, "Pemerintah Kabupaten Bogor (BNBA)", Core.Tier.Bnba, "3201");
        return _tier4.Token;
    }

    [Theory]
    [InlineData("livestock_cattle:sum", "family_size")]
    [InlineData("total_cattle", "welfare_group")]
    [InlineData("livestock_goats:sum", "family_size")]
    [InlineData("livestock_total:sum", "urban_rural")]
    public async Task A_withheld_sum_is_not_recovered_as_the_total_minus_the_other_cells(string measure, string dimension)
    {
        var (targets, attacks) = await AttackAsync(measure, dimension);
        Assert.True(targets > 0, $"{measure} by district × {dimension}: no sum is withheld by dominance or group size; the attack has no target");
        Assert.True(attacks > 0, $"{measure}: no differencing attack could be mounted (totals withheld)");
    }

    /// <summary>Property: random sums of the catalogue's numerics by district × a random dimension; every withheld sum
    /// is attacked by differencing within the table, across two filtered requests, and as mean × count.</summary>
    [Fact]
    public async Task Property_no_withheld_sum_of_any_numeric_and_breakdown_is_recovered_exactly()
    {
        var numerics = Attacker.Catalogue.Numerics
            .Where(n => n.Visibility.MinTier <= Core.Tier.Disaggregated && n.Visibility.LowestLevel >= Core.RegionLevel.District).ToList();
        var dims = Attacker.Catalogue.Dimensions.Where(d => !d.IsRegion && d.MinTier <= Core.Tier.Disaggregated).ToList();
        var gen = from numeric in Gen.Elements(numerics.ToArray())
                  from dimension in Gen.Elements(dims.Where(d => d.AppliesTo(numeric.Unit)).Select(d => d.Id).ToArray())
                  select (Measure: numeric.Id + ":sum", Dimension: dimension);
        int targets = 0, attacks = 0;
        await AttackProperty.ForAll(gen, async c =>
        {
            var (t, a) = await AttackAsync(c.Measure, c.Dimension);
            Interlocked.Add(ref targets, t);
            Interlocked.Add(ref attacks, a);
        }, maxTest: 10);
        Assert.True(targets > 0 && attacks > 0, $"the random tables gave {targets} withheld sums and {attacks} attacks");
    }

    private async Task<(int Targets, int Attacks)> AttackAsync(string measure, string dimension)
    {
        var token = service.Regency3201.Token;
        var request = Attacker.Request(measure, "3201", RegionLevel.District, [dimension]);
        var table = await _attacker.ReplyAsync(request, token);
        var truthReply = await _attacker.ReplyAsync(request, await Tier4TokenAsync());
        Assert.Contains("exact.tier", truthReply.RuleIds());
        var truth = truthReply.ByKey();
        var rows = table.ByKey();

        var withheld = table.Rows.Where(r => r.Keys[0].HasCode && r.Keys[1].HasCode
            && r.Cells[0].IsWithheld() && r.Cells[0].Rule is "primary.dominance" or "primary.group-size"
            && truth[Released.KeyText(r.KeyOf())].Cells[0].Value != 0).Take(6).ToList();
        if (withheld.Count == 0) return (0, 0);
        var districts = table.Rows.Where(r => r.Keys[0].HasCode).Select(r => r.Keys[0].Code).Distinct().ToList();

        int attacks = 0;
        void Check(string how, Row target, double? total, IEnumerable<string> otherKeys)
        {
            var others = otherKeys.Select(k => rows[k].Cells[0]).ToList();
            if (total is null || others.Any(c => c.IsWithheld())) return;
            attacks++;
            var estimate = total.Value - others.Sum(c => c.Value);
            var exact = truth[Released.KeyText(target.KeyOf())].Cells[0].Value;
            Assert.False(Math.Abs(estimate - exact) < 1e-6,
                $"{measure}: withheld cell {Released.KeyText(target.KeyOf())} = {exact} recovered {how}");
        }
        foreach (var target in withheld)
        {
            long district = target.Keys[0].Code, category = target.Keys[1].Code;
            // 1. Same table, along the regions: the regency's cell for the category minus the other districts'.
            var lineTotal = rows[Released.KeyText([null, category])].Cells[0];
            Check("as the regency total minus the other districts", target, lineTotal.IsWithheld() ? null : lineTotal.Value,
                districts.Where(d => d != district).Select(d => Released.KeyText([d, category])));
            // 2. Same table, along the categories: the district's total minus its other categories.
            var districtTotal = rows[Released.KeyText([district, null])].Cells[0];
            Check("as the district total minus its other categories", target, districtTotal.IsWithheld() ? null : districtTotal.Value,
                table.Rows.Where(r => r.Keys[0].HasCode && r.Keys[0].Code == district && r.Keys[1].HasCode && r.Keys[1].Code != category)
                    .Select(r => Released.KeyText(r.KeyOf())));
            // 3. Two requests with different filters: the regency, and the regency without the target's district.
            var categoryFilter = Attacker.FilterOf(dimension, category);
            var all = await _attacker.AggregateAsync(Attacker.Request(measure, "3201", filters: [categoryFilter]), token);
            var rest = await _attacker.AggregateAsync(Attacker.Request(measure, "3201",
                filters: [categoryFilter, Attacker.FilterOf("region", districts.Where(d => d != district).ToArray())]), token);
            if (all.Ok && rest.Ok && !all.Reply!.Rows.Single().Cells[0].IsWithheld() && !rest.Reply!.Rows.Single().Cells[0].IsWithheld())
            {
                attacks++;
                var (a, b) = (all.Reply.Rows.Single().Cells[0].Value, rest.Reply.Rows.Single().Cells[0].Value);
                var exact = truth[Released.KeyText(target.KeyOf())].Cells[0].Value;
                Assert.False(Math.Abs(a - b - exact) < 1e-6,
                    $"{measure}: withheld cell {Released.KeyText(target.KeyOf())} = {exact} recovered as {a} − {b} from two requests");
            }
        }
        // 4. The same cell's mean times its count (mean·n is the sum), where both are released.
        var variable = measure.Contains(':') ? measure[..measure.IndexOf(':')] : Attacker.Catalogue.Indicators.Single(i => i.Id == measure).Of!.Id;
        var countIndicator = Attacker.Catalogue.TryGetNumeric(variable, out var numeric) && numeric.Unit == Catalogue.Unit.Families ? "family_count" : "population";
        var means = await _attacker.AggregateAsync(Attacker.Request(variable + ":mean", "3201", RegionLevel.District, [dimension]), token);
        var exactCounts = (await _attacker.ReplyAsync(Attacker.Request(countIndicator, "3201", RegionLevel.District, [dimension]), await Tier4TokenAsync())).ByKey();
        if (means.Ok)
            foreach (var target in withheld)
            {
                var key = Released.KeyText(target.KeyOf());
                var mean = means.Reply!.ByKey()[key].Cells[0];
                if (mean.IsWithheld()) continue;
                attacks++;
                var exact = truth[key].Cells[0].Value;
                // The attacker does not know the exact count of the numeric's records; give it the count of the unit.
                Assert.False(Math.Abs(mean.Value * exactCounts[key].Cells[0].Value - exact) < 1e-6,
                    $"{measure}: withheld cell {key} = {exact} recovered as mean × count");
            }
        return (withheld.Count, attacks);
    }

    [Fact]
    public async Task Magnitudes_are_perturbed_deterministically_so_repeating_a_request_averages_nothing_away()
    {
        var request = Attacker.Request("livestock_total:sum", "3201", RegionLevel.District, ["urban_rural"]);
        var first = await _attacker.ReplyAsync(request, service.Regency3201.Token);
        var again = await _attacker.ReplyAsync(request, service.Regency3201.Token);
        Assert.Equal(first.Rows, again.Rows);
        // Asked inside a different table (other filters), the same records still get the same value: the regency total.
        var alone = await _attacker.ReplyAsync(Attacker.Request("livestock_total:sum", "3201"), service.Regency3201.Token);
        var margin = first.Rows.Single(r => !r.Keys[0].HasCode && !r.Keys[1].HasCode);
        Assert.Equal(alone.Rows.Single().Cells[0], margin.Cells[0]);
        Assert.Contains(first.Rows, r => r.Cells[0].Status == CellStatus.Perturbed && r.Cells[0].Rule == "perturbation.magnitude");
        // And the perturbed total is not the exact one.
        var exact = (await _attacker.ReplyAsync(Attacker.Request("livestock_total:sum", "3201"), await Tier4TokenAsync())).Rows.Single().Cells[0].Value;
        Assert.NotEqual(exact, margin.Cells[0].Value);
    }
}
