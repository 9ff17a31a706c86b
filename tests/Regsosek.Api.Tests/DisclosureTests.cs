using System.Text.Json;
using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// Disclosure control as a client sees it: thresholds per tier, withheld cells without values naming their
/// rule, the attribution, licence and data version on every response, and consistent (cell-key) perturbation.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class DisclosureTests(ServiceFixture service)
{
    /// <summary>The attribution DESIGN.md and issue 3 require on every response.</summary>
    private const string Attribution = "Sumber: Registrasi Sosial Ekonomi 2022, Kementerian PPN/Bappenas";

    /// <summary>A table with many small cells: persons by province × age group × education × sex (all open to the public).</summary>
    private static object SmallCellsTable(string region = "", string breakdown = "REGION_LEVEL_PROVINCE") => new
    {
        indicators = new[] { "population" },
        scope = new { region, breakdown },
        group_by = new[] { "age_group_5y", "education", "sex" },
    };

    private static List<JsonElement> Cells(JsonElement reply, int measure = 0) =>
        reply.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("cells")[measure]).ToList();

    private static HashSet<string> RuleIds(JsonElement reply) =>
        reply.GetProperty("metadata").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToHashSet();

    /// <summary>Checks every count cell against <paramref name="threshold"/>; returns how many were withheld.</summary>
    private static int AssertCountsProtected(JsonElement reply, int threshold)
    {
        var rules = RuleIds(reply);
        int withheld = 0;
        foreach (var cell in Cells(reply))
        {
            var status = cell.GetProperty("status").GetString();
            if (status == "CELL_STATUS_SUPPRESSED")
            {
                withheld++;
                Assert.False(cell.TryGetProperty("value", out _), $"a withheld cell carries a value: {cell}");
                var rule = cell.GetProperty("rule").GetString()!;
                Assert.Contains(rule, new[] { "primary.threshold", "primary.dominant-category", "secondary.hypercube" });
                Assert.Contains(rule, rules); // the rule is explained in the response's metadata
                continue;
            }
            Assert.True(cell.TryGetProperty("value", out var value), $"a released cell has a value: {cell}");
            var v = value.GetDouble();
            // A true zero may be released as 0 (ReleaseZeroCounts, as tau-ARGUS and ABS TableBuilder do); any
            // other released count is at least the tier's threshold.
            Assert.True(v == 0 || v >= threshold, $"a released count {v} is under the threshold {threshold}: {cell}");
            Assert.Equal(v, Math.Round(v));
        }
        return withheld;
    }

    [Fact]
    public async Task The_public_never_receives_a_count_under_10_and_withheld_cells_name_their_rule()
    {
        var reply = (await ApiClient.CallAsync(service.Address, ApiCall.Aggregate(SmallCellsTable()))).Reply;

        Assert.Equal("TIER_PUBLIC", reply.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.Equal(4, reply.GetProperty("dimensions").GetArrayLength());
        var withheld = AssertCountsProtected(reply, threshold: 10);
        Assert.True(withheld > 0, "the table has small cells, so some must be withheld");
        var threshold = reply.GetProperty("metadata").GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "primary.threshold");
        Assert.Equal("10", threshold.GetProperty("parameters").GetProperty("threshold").GetString());
        Assert.Contains(Cells(reply), c => c.GetProperty("status").GetString() == "CELL_STATUS_PERTURBED" && c.GetProperty("rule").GetString() == "perturbation.cell-key");
    }

    [Fact]
    public async Task A_tier_2_grant_never_receives_a_count_under_5()
    {
        var reply = (await ApiClient.CallAsync(service.Address,
            ApiCall.Aggregate(SmallCellsTable("3201", "REGION_LEVEL_DISTRICT"), service.Regency3201.Token))).Reply;

        Assert.Equal("TIER_DISAGGREGATED", reply.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.True(AssertCountsProtected(reply, threshold: 5) > 0, "a district × age × education × sex table of one regency has small cells");
        var threshold = reply.GetProperty("metadata").GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "primary.threshold");
        Assert.Equal("5", threshold.GetProperty("parameters").GetProperty("threshold").GetString());
    }

    [Fact]
    public async Task A_tier_3_grant_receives_exact_additive_counts()
    {
        var reply = (await ApiClient.CallAsync(service.Address, ApiCall.Aggregate(new
        {
            indicators = new[] { "population" },
            scope = new { region = "", breakdown = "REGION_LEVEL_PROVINCE" },
        }, service.Microdata.Token))).Reply;

        Assert.Contains("exact.tier", RuleIds(reply));
        var rows = reply.GetProperty("rows").EnumerateArray().ToList();
        Assert.All(rows, r => Assert.Equal("CELL_STATUS_SHOWN", r.GetProperty("cells")[0].GetProperty("status").GetString()));
        var total = rows.Single(r => !r.GetProperty("keys")[0].TryGetProperty("code", out _)).GetProperty("cells")[0].GetProperty("value").GetDouble();
        var provinces = rows.Where(r => r.GetProperty("keys")[0].TryGetProperty("code", out _)).Sum(r => r.GetProperty("cells")[0].GetProperty("value").GetDouble());
        Assert.Equal(total, provinces);
        Assert.InRange(total, 0.5 * ServiceFixture.Persons, ServiceFixture.Persons);
    }

    [Fact]
    public async Task Every_data_response_carries_attribution_licence_and_data_version()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(new { indicators = new[] { "jkn_coverage" }, scope = new { region = "32" } }),
            ApiCall.Desil(new { scope = new { region = "3201" } }, service.Regency3201.Token),
            ApiCall.Percentiles(new { variable = "floor_area_per_capita", percentiles = new[] { 50.0 } }, service.Microdata.Token));

        var versions = new HashSet<string>();
        foreach (var result in r)
        {
            var metadata = result.Reply.GetProperty("metadata");
            Assert.Equal(Attribution, metadata.GetProperty("attribution").GetString());
            var licence = metadata.GetProperty("licence").GetString()!;
            Assert.Contains("agregat", licence, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("sumber", licence, StringComparison.OrdinalIgnoreCase); // published figures must name their source
            var version = metadata.GetProperty("data_version").GetString()!;
            Assert.Contains("20221015", version); // the seed the fixture generated the dataset with
            versions.Add(version);
        }
        Assert.Single(versions);
    }

    [Fact]
    public async Task The_same_request_twice_gets_identical_values_and_statuses()
    {
        var first = ApiCall.Aggregate(SmallCellsTable());
        var perGrant = ApiCall.Aggregate(SmallCellsTable("3201", "REGION_LEVEL_DISTRICT"), service.Regency3201.Token);
        var r = await ApiClient.RunAsync(service.Address, first, perGrant, first, perGrant);

        Assert.Equal(r[0].Reply.GetProperty("rows").GetRawText(), r[2].Reply.GetProperty("rows").GetRawText());
        Assert.Equal(r[1].Reply.GetProperty("rows").GetRawText(), r[3].Reply.GetProperty("rows").GetRawText());
        Assert.Contains(Cells(r[0].Reply), c => c.GetProperty("status").GetString() == "CELL_STATUS_PERTURBED");
    }
}
