using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Regsosek.Dashboard.Tests;

/// <summary>
/// The dashboard as a visitor uses it, in headless Chromium against the real service: it loads from the service
/// alone, shows the numbers the API returns, shows withheld cells as withheld (never a number), keeps a tier-1
/// visitor at national and province level, and with a pasted tier-2 token opens that grant's region only.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(DashboardFixture service)
{
    private const string Attribution = "Sumber: Registrasi Sosial Ekonomi 2022, Kementerian PPN/Bappenas";

    // ------------------------------------------------------------------ helpers

    private static string Status(JsonElement cell) => cell.GetProperty("status").GetString() switch
    {
        "CELL_STATUS_SUPPRESSED" => "withheld",
        "CELL_STATUS_PERTURBED" => "perturbed",
        _ => "shown",
    };

    /// <summary>The page shows the API's cell: the same status, the same value, and a withheld cell without any number.</summary>
    private static void AssertShows(JsonElement apiCell, Dictionary<string, string>? shown, string what)
    {
        Assert.True(shown is not null, $"{what}: not on the page");
        var status = Status(apiCell);
        Assert.Equal(status, shown!.GetValueOrDefault("status"));
        if (status == "withheld")
        {
            Assert.False(shown.ContainsKey("value"), $"{what}: a withheld cell carries a value on the page");
            Assert.DoesNotMatch(new Regex(@"\d"), shown.GetValueOrDefault("valueText") ?? "");
            return;
        }
        var expected = apiCell.GetProperty("value").GetDouble();
        var actual = double.Parse(shown["value"], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(expected - actual) < 1e-9, $"{what}: page shows {actual}, the API returned {expected}");
    }

    /// <summary>Rows of a response, without margins, keyed by their codes joined with "/".</summary>
    private static Dictionary<string, JsonElement> CellsByKey(JsonElement reply, int measure = 0) =>
        reply.GetProperty("rows").EnumerateArray()
            .Where(r => r.GetProperty("keys").EnumerateArray().All(k => k.TryGetProperty("code", out _)))
            .ToDictionary(
                r => string.Join("/", r.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("code").GetInt64())),
                r => r.GetProperty("cells")[measure]);

    private static async Task<Dictionary<string, Dictionary<string, string>>> ShownAsync(DashboardPage page, string selector, Func<Dictionary<string, string>, string> key) =>
        (await page.DataOfAsync(selector)).ToDictionary(key);

    /// <summary>Tiles as shown: indicator → status, value, and the text of the value.</summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> TilesAsync(DashboardPage page)
    {
        var json = await page.Page.EvaluateAsync<JsonElement>(
            "() => Array.from(document.querySelectorAll('#view-tiles li.tile')).map(e => Object.assign({ valueText: e.querySelector('.tile-value')?.textContent ?? '' }, e.dataset))");
        return json.EnumerateArray()
            .Select(e => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))
            .ToDictionary(d => d["indicator"]);
    }

    /// <summary>The tiles the API gives for a region: every indicator the caller's tier may see there, requested as the page does.</summary>
    private async Task<Dictionary<string, JsonElement>> ApiTilesAsync(string region, int tier, string? token = null)
    {
        var catalogue = await service.GetAsync("/v1/indicators");
        var level = region.Length switch { 0 => 1, 2 => 2, 4 => 3, 6 => 4, _ => 5 };
        var allowed = catalogue.GetProperty("indicators").EnumerateArray()
            .Where(i => tier >= TierOf(i.GetProperty("minTier").GetString()))
            .Where(i => tier > 1 || (i.GetProperty("open").GetBoolean() && level <= 2))
            .Where(i => level <= LevelOf(i.GetProperty("lowestLevel").GetString()))
            .ToList();
        var cells = new Dictionary<string, JsonElement>();
        // As the page asks: per unit, its counts and percentages in one request, each percentile alone, its other statistics in another.
        foreach (var unit in allowed.GroupBy(i => i.GetProperty("unit").GetString() + "/" + i.GetProperty("statistic").GetString() switch
                 {
                     "count" or "percentage" => "counts",
                     "percentile" => "percentile/" + i.GetProperty("id").GetString(),
                     _ => "statistics",
                 }))
        {
            var reply = await service.PostAsync("/v1/aggregate",
                new { indicators = unit.Select(i => i.GetProperty("id").GetString()).ToArray(), scope = new { region } }, token);
            var row = reply.GetProperty("rows")[0];
            var k = 0;
            foreach (var m in reply.GetProperty("measures").EnumerateArray())
                cells[m.GetProperty("id").GetString()!] = row.GetProperty("cells")[k++];
        }
        return cells;
    }

    private static int TierOf(string? name) => name switch
    {
        "TIER_PUBLIC" => 1, "TIER_DISAGGREGATED" => 2, "TIER_MICRODATA" => 3, "TIER_BNBA" => 4, _ => 2,
    };

    private static int LevelOf(string? name) => name switch
    {
        "REGION_LEVEL_NATIONAL" => 1, "REGION_LEVEL_PROVINCE" => 2, "REGION_LEVEL_REGENCY" => 3, "REGION_LEVEL_DISTRICT" => 4, _ => 5,
    };

    private async Task AssertTilesAsync(DashboardPage page, string region, int tier, string? token = null)
    {
        var expected = await ApiTilesAsync(region, tier, token);
        var shown = await TilesAsync(page);
        Assert.Equal(expected.Keys.OrderBy(k => k), shown.Keys.OrderBy(k => k));
        foreach (var (id, cell) in expected) AssertShows(cell, shown[id], $"tile {id} of {region}");
    }

    private async Task AssertPyramidAsync(DashboardPage page, string region, string? token = null)
    {
        var reply = await service.PostAsync("/v1/aggregate",
            new { indicators = new[] { "population" }, scope = new { region }, groupBy = new[] { "sex", "age_group_5y" } }, token);
        var shown = await ShownAsync(page, "#view-pyramid svg g[data-age]", d => $"{d["sex"]}/{d["age"]}");
        var expected = CellsByKey(reply);
        Assert.Equal(32, expected.Count);
        foreach (var (key, cell) in expected) AssertShows(cell, shown.GetValueOrDefault(key), $"pyramid {key} of {region}");
    }

    // ------------------------------------------------------------------ tests

    [Fact]
    public async Task The_page_is_served_by_the_service_loads_everything_from_it_and_shows_the_open_indicators_with_source_and_licence()
    {
        using var root = await service.Http.GetAsync("/");
        Assert.True(root.IsSuccessStatusCode);
        Assert.Contains("default-src 'self'", root.Headers.GetValues("Content-Security-Policy").Single());

        await using var page = await service.OpenAsync();
        Assert.Empty(page.Errors);
        Assert.All(page.Requests, url => Assert.StartsWith(service.BaseUrl + "/", url));
        Assert.Contains(page.Requests, url => url.EndsWith("/v1/indicators"));

        // The tiles are the catalogue's open indicators (discovered, not hard-coded), with the API's numbers.
        var open = (await service.GetAsync("/v1/indicators")).GetProperty("indicators").EnumerateArray()
            .Where(i => i.GetProperty("open").GetBoolean()).Select(i => i.GetProperty("id").GetString()!).ToHashSet();
        Assert.Equal(open.Order(), (await TilesAsync(page)).Keys.Order());
        await AssertTilesAsync(page, "", tier: 1);

        // Desil is a closed topic (tier 2): the public sees "needs a grant", never numbers.
        Assert.Equal("denied", await page.ViewStateAsync("desil"));
        Assert.Empty(await page.DataOfAsync("#view-desil svg g.bar"));
        foreach (var view in new[] { "tiles", "pyramid", "breakdown", "percentiles" })
        {
            Assert.Equal("ok", await page.ViewStateAsync(view));
            Assert.Equal(Attribution, await page.Page.TextContentAsync($"#view-{view} .view-meta .source"));
            Assert.Contains("Lisensi Data Agregat Regsosek", await page.Page.TextContentAsync($"#view-{view} .view-meta .licence"));
        }
    }

    [Fact]
    public async Task The_national_charts_show_the_numbers_the_api_returns()
    {
        await using var page = await service.OpenAsync();

        // Breakdown by province, sorted from the highest value down.
        var indicator = await page.Page.InputValueAsync("#breakdown-indicator");
        var byProvince = await service.PostAsync("/v1/aggregate",
            new { indicators = new[] { indicator }, scope = new { region = "", breakdown = "REGION_LEVEL_PROVINCE" } });
        var bars = await page.DataOfAsync("#view-breakdown svg g.bar");
        var expected = CellsByKey(byProvince);
        Assert.Equal(expected.Count, bars.Count);
        foreach (var bar in bars) AssertShows(expected[bar["key"]], bar, $"{indicator} of province {bar["key"]}");
        var values = bars.Where(b => b.ContainsKey("value")).Select(b => double.Parse(b["value"], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(values.OrderByDescending(v => v), values);

        Assert.Equal("denied", await page.ViewStateAsync("desil")); // tier 2: compared for a granted caller elsewhere

        var percentiles = await service.PostAsync("/v1/percentiles",
            new { variable = "floor_area_per_capita", percentiles = new[] { 10, 25, 50, 75, 90 }, scope = new { region = "" } });
        var points = await ShownAsync(page, "#view-percentiles svg g.bar", d => d["key"]);
        var k = 0;
        foreach (var m in percentiles.GetProperty("measures").EnumerateArray())
            AssertShows(percentiles.GetProperty("rows")[0].GetProperty("cells")[k++], points.GetValueOrDefault(m.GetProperty("id").GetString()!), m.ToString());

        await AssertPyramidAsync(page, "");
    }

    [Fact]
    public async Task Picking_a_province_shows_its_tiles_and_pyramid_with_the_numbers_the_api_returns()
    {
        await using var page = await service.OpenAsync();
        await page.PickAsync(1, "32");

        Assert.Contains("Jawa Barat", await page.Page.TextContentAsync("#view-tiles .hint"));
        await AssertTilesAsync(page, "32", tier: 1);
        await AssertPyramidAsync(page, "32");
        // The table behind the pyramid holds the same numbers as the chart.
        var table = await page.DataOfAsync("#view-pyramid table td.num");
        var chart = await page.DataOfAsync("#view-pyramid svg g[data-age]");
        Assert.Equal(chart.Where(c => c.ContainsKey("value")).Select(c => c["value"]).Order(),
            table.Where(c => c.ContainsKey("value")).Select(c => c["value"]).Order());
    }

    [Fact]
    public async Task A_withheld_cell_is_shown_as_withheld_with_its_rule_and_never_as_a_number_also_in_the_csv()
    {
        await using var page = await service.OpenAsync();
        await page.PickAsync(1, "75"); // Gorontalo: only Kota Gorontalo in the sample, small groups

        var reply = await service.PostAsync("/v1/aggregate",
            new { indicators = new[] { "population" }, scope = new { region = "75" }, groupBy = new[] { "sex", "age_group_5y" } });
        var withheld = CellsByKey(reply).Where(c => Status(c.Value) == "withheld").ToList();
        Assert.NotEmpty(withheld); // the sample is made so that some are
        await AssertPyramidAsync(page, "75");

        foreach (var (key, cell) in withheld)
        {
            var (sex, age) = (key.Split('/')[0], key.Split('/')[1]);
            var g = page.Page.Locator($"#view-pyramid svg g[data-sex='{sex}'][data-age='{age}']");
            Assert.Equal("withheld", await g.GetAttributeAsync("data-status"));
            Assert.Null(await g.GetAttributeAsync("data-value"));
            // The rule in plain words on hover (title) and for keyboard and screen-reader users (aria-label).
            var tip = await g.Locator("title").TextContentAsync() ?? "";
            if (cell.GetProperty("rule").GetString() == "primary.threshold")
                Assert.Contains("di bawah 10", tip);
            Assert.Contains(tip, await g.GetAttributeAsync("aria-label") ?? "");
        }

        // The table: the withheld marker, never a digit.
        var cells = await page.DataOfAsync("#view-pyramid table td.num[data-status='withheld']");
        Assert.Equal(withheld.Count, cells.Count);
        Assert.All(cells, c => Assert.Equal("ditahan", c["text"].Trim()));
        var tips = await page.DataOfAsync("#view-pyramid table td.num[data-status='withheld'] .withheld");
        Assert.All(tips, t => Assert.False(string.IsNullOrWhiteSpace(t["tip"])));

        // The CSV: the same marker in the value column, the rule beside it, source and licence at the end.
        var csv = (await page.DownloadCsvAsync("pyramid")).Split("\r\n");
        var sexCodes = new[] { "1", "2" };
        var ageLabels = (await service.GetAsync("/v1/dimensions")).GetProperty("dimensions").EnumerateArray()
            .Single(d => d.GetProperty("id").GetString() == "age_group_5y").GetProperty("values").EnumerateArray()
            .ToDictionary(v => v.GetProperty("code").GetInt64().ToString(CultureInfo.InvariantCulture), v => v.GetProperty("labelId").GetString()!);
        foreach (var (key, cell) in withheld)
        {
            var (sex, age) = (key.Split('/')[0], key.Split('/')[1]);
            var fields = csv.Single(l => l.StartsWith(ageLabels[age] + ",", StringComparison.Ordinal)).Split(',');
            var column = 1 + 2 * Array.IndexOf(sexCodes, sex);
            Assert.Equal("ditahan", fields[column]);
            Assert.Equal($"ditahan: {cell.GetProperty("rule").GetString()}", fields[column + 1]);
        }
        Assert.Contains(csv, l => l.Trim('"') == Attribution); // quoted: it holds a comma
        Assert.Contains(csv, l => l.Contains("Lisensi Data Agregat Regsosek", StringComparison.Ordinal));

        // Withheld tiles (e.g. a percentage whose complement is small) show the marker, not a number.
        var tiles = await ApiTilesAsync("75", tier: 1);
        var shownTiles = await TilesAsync(page);
        foreach (var (id, cell) in tiles.Where(t => Status(t.Value) == "withheld"))
            Assert.Equal("ditahan", shownTiles[id]["valueText"].Trim());
    }

    [Fact]
    public async Task A_tier_1_visitor_never_sees_a_regency_figure()
    {
        await using var page = await service.OpenAsync();
        foreach (var province in new[] { "31", "32", "75" })
        {
            await page.PickAsync(1, province);
            Assert.Equal(0, await page.Page.Locator("#region-level-2").CountAsync()); // no regency picker
            Assert.Equal("denied", await page.ViewStateAsync("breakdown"));
            Assert.Contains("Perlu izin akses", await page.Page.TextContentAsync("#view-breakdown") ?? "");
            Assert.Equal(0, await page.Page.Locator("#view-breakdown svg").CountAsync());
        }

        var text = await page.Page.InnerTextAsync("body");
        foreach (var name in DashboardFixture.RegencyNames) Assert.DoesNotContain(name, text);
        // Nothing the API gave the page is below province level.
        foreach (var (path, status, body) in page.ApiResponses.Where(r => r.Status == 200 && r.Path != "/v1/regions" && r.Path.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("metadata", out var meta)) continue;
            Assert.True((meta.GetProperty("effectiveRegion").GetString() ?? "").Length <= 2, $"{path}: {body}");
            Assert.Equal("TIER_PUBLIC", meta.GetProperty("tier").GetString());
            var dims = doc.RootElement.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString()).ToList();
            var regionColumn = dims.IndexOf("region");
            if (regionColumn < 0) continue;
            foreach (var row in doc.RootElement.GetProperty("rows").EnumerateArray())
                if (row.GetProperty("keys")[regionColumn].TryGetProperty("code", out var code))
                    Assert.True(code.GetInt64() < 100, $"{path} gave the page region {code}");
        }
    }

    [Fact]
    public async Task A_pasted_tier_2_token_unlocks_its_region_and_nothing_outside_it()
    {
        await using var page = await service.OpenAsync();
        var token = service.Regency3201.Token;
        await page.PasteTokenAsync(token);

        // Kept for the session only, never in the address.
        Assert.DoesNotContain(token, page.Page.Url);
        Assert.All(page.Requests, url => Assert.DoesNotContain(token, url));
        Assert.Equal(token, await page.Page.EvaluateAsync<string>("() => sessionStorage.getItem('regsosek.token')"));
        Assert.Equal(0, await page.Page.EvaluateAsync<int>("() => Object.values(localStorage).filter(v => v.includes('rgs_')).length"));

        // The grant as far as the API tells it.
        Assert.Equal("2", await page.Page.GetAttributeAsync("#grant", "data-tier"));
        Assert.Equal("3201", await page.Page.GetAttributeAsync("#grant", "data-region"));
        Assert.Contains("Kabupaten Bogor", await page.Page.TextContentAsync("#grant [data-field='region']"));
        Assert.Contains("2", await page.Page.TextContentAsync("#grant [data-field='tier']"));

        // The picker starts at the grant's region: no province or regency choice, only its districts.
        Assert.Equal(0, await page.Page.Locator("#region-level-1, #region-level-2").CountAsync());
        var districts = await page.Page.EvalOnSelectorAllAsync<string[]>("#region-picker option", "o => o.map(x => x.value)");
        Assert.NotEmpty(districts);
        Assert.All(districts, code => Assert.StartsWith("3201", code));

        // Its region's figures, the same the API gives the token, down to districts.
        await AssertTilesAsync(page, "3201", tier: 2, token);
        await AssertPyramidAsync(page, "3201", token);
        Assert.Equal("ok", await page.ViewStateAsync("breakdown"));
        var indicator = await page.Page.InputValueAsync("#breakdown-indicator");
        var byDistrict = CellsByKey(await service.PostAsync("/v1/aggregate",
            new { indicators = new[] { indicator }, scope = new { region = "3201", breakdown = "REGION_LEVEL_DISTRICT" } }, token));
        var bars = await page.DataOfAsync("#view-breakdown table td.num");
        var keys = await page.Page.EvalOnSelectorAllAsync<string[]>("#view-breakdown table tbody tr", "r => r.map(x => x.dataset.key)");
        Assert.Equal(byDistrict.Count, keys.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.StartsWith("3201", keys[i]);
            AssertShows(byDistrict[keys[i]], bars[i], $"district {keys[i]}");
        }

        // Down to a district, still inside.
        await page.PickAsync(3, districts.First(d => d.Length == 6));
        foreach (var (path, _, body) in page.ApiResponses.Where(r => r.Status == 200 && r.Path.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("metadata", out var meta) && meta.GetProperty("tier").GetString() == "TIER_DISAGGREGATED")
                Assert.StartsWith("3201", meta.GetProperty("effectiveRegion").GetString());
        }

        // Removing the token returns to the public view.
        await page.Page.EvaluateAsync("() => { document.body.dataset.ready = 'false'; }");
        await page.Page.ClickAsync("#token-clear");
        await page.WaitReadyAsync();
        Assert.Equal("1", await page.Page.GetAttributeAsync("#grant", "data-tier"));
        Assert.Null(await page.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('regsosek.token')"));
        Assert.Equal(1, await page.Page.Locator("#region-level-1").CountAsync());
    }

    [Fact]
    public async Task An_expired_token_is_refused_and_the_page_stays_public()
    {
        await using var page = await service.OpenAsync();
        await page.PasteTokenAsync(service.Expired.Token);
        Assert.Contains("Token tidak diterima", await page.Page.TextContentAsync("#grant"));
        Assert.Contains("expired", await page.Page.TextContentAsync("#grant"));
        Assert.Equal("1", await page.Page.GetAttributeAsync("#grant", "data-tier"));
        Assert.Null(await page.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('regsosek.token')"));
        Assert.Equal("ok", await page.ViewStateAsync("tiles"));
    }

    [Fact]
    public async Task A_refusal_by_the_service_shows_needs_a_grant_in_each_view_and_breaks_nothing()
    {
        await using var page = await service.OpenAsync();
        await page.PasteTokenAsync(service.ToRevoke.Token);
        Assert.Equal("2", await page.Page.GetAttributeAsync("#grant", "data-tier"));
        Assert.Equal("ok", await page.ViewStateAsync("breakdown")); // regencies of Jawa Barat

        // The data owner closes the grant while the page is open: the next answers are PERMISSION_DENIED.
        await service.RevokeAsync(service.ToRevoke);
        await page.PickAsync(2, "3273");
        foreach (var view in new[] { "pyramid", "breakdown", "desil", "percentiles" })
        {
            Assert.Equal("denied", await page.ViewStateAsync(view));
            Assert.Contains("Perlu izin akses", await page.Page.TextContentAsync($"#view-{view}") ?? "");
            Assert.Contains("closed by the data owner", await page.Page.TextContentAsync($"#view-{view} .needs-grant") ?? "");
            Assert.Equal(0, await page.Page.Locator($"#view-{view} svg").CountAsync());
        }
        Assert.All(await page.DataOfAsync("#view-tiles li.tile"), t => Assert.Equal("denied", t["status"]));
        // No script error: the only console errors are the browser's own lines for the refused fetches.
        Assert.All(page.Errors, e => Assert.StartsWith("Failed to load resource: the server responded with a status of 40", e));
        Assert.Contains(page.ApiResponses, r => r.Status is 401 or 403 && r.Body.Contains("closed by the data owner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dimension_the_catalogue_marks_above_tier_1_is_not_asked_for_by_the_public()
    {
        // As the disclosure-control change will do: desil with min_tier 2 in ListDimensions. The page must
        // discover it from the catalogue, show "needs a grant" and not send the request.
        var context = await service.Browser.NewContextAsync();
        await context.RouteAsync("**/v1/dimensions", async route =>
        {
            var response = await route.FetchAsync();
            var body = System.Text.Json.Nodes.JsonNode.Parse(await response.TextAsync())!;
            foreach (var d in body["dimensions"]!.AsArray())
                if ((string?)d!["id"] == "desil") d["minTier"] = "TIER_DISAGGREGATED";
            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });
        var page = new DashboardPage(await context.NewPageAsync(), service);
        await using var _ = page;
        await page.Page.GotoAsync(service.BaseUrl + "/");
        await page.WaitReadyAsync();

        Assert.Equal("denied", await page.ViewStateAsync("desil"));
        Assert.Contains("tier 2", await page.Page.TextContentAsync("#view-desil .needs-grant") ?? "");
        Assert.DoesNotContain(page.Requests, url => url.Contains("/v1/desil-distribution", StringComparison.Ordinal));
        Assert.Equal("ok", await page.ViewStateAsync("pyramid"));
    }

    [Fact]
    public async Task Labels_switch_to_English()
    {
        await using var page = await service.OpenAsync();
        await page.Page.ClickAsync("button[data-lang='en']");
        Assert.Equal("en", await page.Page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Indicators", await page.Page.TextContentAsync("#view-tiles h2"));
        Assert.Equal("Population", await page.Page.TextContentAsync("#view-tiles li[data-indicator='population'] .tile-name"));
        Assert.Equal("Male", await page.Page.TextContentAsync("#view-pyramid table thead th:nth-child(2)"));
        // The source line stays as the data owner words it; the licence shows its English half.
        Assert.Equal(Attribution, await page.Page.TextContentAsync("#view-tiles .view-meta .source"));
        Assert.Contains("Aggregate licence", await page.Page.TextContentAsync("#view-tiles .view-meta .licence"));
    }

    [Fact]
    public async Task On_a_phone_nothing_scrolls_sideways_and_the_controls_are_reachable_by_keyboard()
    {
        await using var page = await service.OpenAsync(width: 390, height: 844);
        Assert.True(await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 390);

        // Tab through the page: the token field, the region picker, the chart controls and CSV buttons are reached.
        var reached = new HashSet<string>();
        for (int i = 0; i < 80; i++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
            reached.Add(await page.Page.EvaluateAsync<string>("() => { const e = document.activeElement; return e.id || e.dataset.csv || e.getAttribute('class') || e.tagName; }"));
        }
        Assert.Contains("token-input", reached);
        Assert.Contains("region-level-1", reached);
        Assert.Contains("breakdown-indicator", reached);
        Assert.Contains("pyramid", reached); // its CSV button

        // Choosing a province with the keyboard alone.
        await page.Page.FocusAsync("#region-level-1");
        await page.Page.EvaluateAsync("() => { document.body.dataset.ready = 'false'; }");
        await page.Page.Keyboard.PressAsync("ArrowDown");
        await page.WaitReadyAsync();
        Assert.NotEqual("", await page.Page.InputValueAsync("#region-level-1"));
    }
}
