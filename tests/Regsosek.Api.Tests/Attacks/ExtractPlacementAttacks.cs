using Grpc.Core;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 5, from the attacker's side: a tier-3 grantee pulls a de-identified extract of regency 3201 (geography
/// stops at the regency), finds persons whose combination of marital status, relationship to the head and five-year age
/// group is unique in the regency, and looks them up in the same grant's district table of those dimensions. A district table that shows
/// every other district's cell as 0 places the person in one district — below the extract's geography. Tier-3 aggregates
/// below the regency must get the tier-2 rules, so no such person can be placed.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ExtractPlacementAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);
    private static readonly string[] Keys = ["marital_status", "relationship_to_head", "age_group_5y"];

    private static long AgeBand(int age) => Math.Min(age / 5, 15) + 1; // age_group_5y: [0,4] → 1 … [75,∞) → 16

    [Fact]
    public async Task Tier_3_aggregates_below_the_regency_are_not_exact()
    {
        var token = service.Microdata.Token;
        var district = await _attacker.ReplyAsync(Attacker.Request("population", "3201", RegionLevel.District, Keys), token);
        var village = await _attacker.ReplyAsync(Attacker.Request("population", "3201", RegionLevel.Village, ["sex"]), token);
        var filtered = await _attacker.ReplyAsync(Attacker.Request("population", "3201", groupBy: ["sex"],
            filters: [Attacker.FilterOf("region", (await _attacker.ChildrenAsync("3201"))[0])]), token);
        foreach (var reply in new[] { district, village, filtered })
        {
            var rules = reply.RuleIds();
            Assert.DoesNotContain("exact.tier", rules);
            Assert.Contains("primary.threshold", rules);
            Assert.Contains("perturbation.cell-key", rules);
            Assert.DoesNotContain(reply.Rows, r => !r.Cells[0].IsWithheld() && r.Cells[0].Value is > 0 and < 5);
            Assert.Contains(reply.Rows, r => r.Cells[0].Status == CellStatus.Perturbed);
        }
        Assert.Contains(district.Rows, r => r.Cells[0].IsWithheld());
        // At regency level the same grant gets exact figures (the extract holds them anyway).
        var regency = await _attacker.ReplyAsync(Attacker.Request("population", "3201", groupBy: Keys), token);
        Assert.Contains("exact.tier", regency.RuleIds());
    }

    [Fact]
    public async Task A_person_unique_in_the_regency_extract_cannot_be_placed_in_a_district()
    {
        var token = service.Microdata.Token;
        // 1. The extract: age, marital status, relationship (and 404, who lives in the family: the population's universe).
        var records = new List<(long Marital, long Relationship, long Age)>();
        using (var call = _attacker.Extracts.Extract(new ExtractRequest
               {
                   Table = ExtractTable.Individu, Region = "3201", Format = ExtractFormat.Csv, Columns = { "r404", "r405", "r407", "r408", "r409" } /* r405 (sex) only to check the file */,
               }, Attacker.Options(token)))
        {
            using var bytes = new MemoryStream();
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
                if (chunk.PayloadCase == ExtractChunk.PayloadOneofCase.Data) chunk.Data.WriteTo(bytes);
            var lines = System.Text.Encoding.UTF8.GetString(bytes.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // Tier 3 puts each person row's key (family pseudonym, member number) in front of the columns asked for.
            Assert.Equal("family_id,r401,r404,r405,r407,r408,r409", lines[0].Trim());
            foreach (var line in lines.Skip(1))
            {
                var f = line.Trim().Split(',')[2..];
                if (f[0] is not ("1" or "5") || f[2] == "") continue;
                records.Add((f[3] == "" ? -1 : long.Parse(f[3]), f[4] == "" ? -1 : long.Parse(f[4]), AgeBand(int.Parse(f[2]))));
            }
        }
        Assert.True(records.Count > 1000, $"the extract of 3201 holds thousands of persons ({records.Count})");

        // 2. Persons unique in the regency on the keys — confirmed by the grant's exact regency table.
        var regency = (await _attacker.ReplyAsync(Attacker.Request("population", "3201", groupBy: Keys), token)).ByKey();
        var unique = records.GroupBy(r => r).Where(g => g.Count() == 1).Select(g => g.Key)
            .Where(k => regency.TryGetValue(Released.KeyText([k.Marital, k.Relationship, k.Age]), out var row) && row.Cells[0].Value == 1)
            .ToList();
        Assert.True(unique.Count >= 3, $"the attack needs persons unique in the regency (found {unique.Count})");

        // 3. The same grant's district table: in how many districts could each unique person live?
        var table = await _attacker.ReplyAsync(Attacker.Request("population", "3201", RegionLevel.District, Keys), token);
        var rows = table.ByKey();
        var districts = await _attacker.ChildrenAsync("3201");
        var placed = new List<string>();
        foreach (var (marital, relationship, age) in unique)
        {
            var possible = districts.Where(d => !rows.TryGetValue(Released.KeyText([d, marital, relationship, age]), out var row)
                                                 || row.Cells[0].IsWithheld() || row.Cells[0].Value != 0).ToList();
            Assert.NotEmpty(possible);
            if (possible.Count == 1) placed.Add($"marital {marital}, relationship {relationship}, age band {age} → district {possible[0]}");
        }
        Assert.True(placed.Count == 0, $"{placed.Count} of {unique.Count} persons unique in the extract placed in one district: {string.Join("; ", placed)}");
    }
}
