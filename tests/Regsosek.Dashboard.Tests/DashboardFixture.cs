using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Regsosek.Core;
using Regsosek.Generator;
using Regsosek.Host;
using Regsosek.Stores;
using Regsosek.Stores.Grants;

namespace Regsosek.Dashboard.Tests;

/// <summary>
/// Made once per run: a small generated dataset — 3201 Kabupaten Bogor and 3273 Kota Bandung (province 32),
/// 3174 Jakarta Selatan (31), and 7571 Kota Gorontalo alone in province 75, so that Gorontalo's tables have
/// small cells that disclosure control withholds — grants issued through the store, the real server
/// (<see cref="ServiceHost.Build"/>) on free loopback ports, and headless Chromium (Debian's package, driven
/// by Playwright; never a downloaded browser).
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const long Persons = 40_000;
    public static readonly string[] Regencies = ["3201", "3273", "3174", "7571"];

    /// <summary>The regency names of the dataset: a tier-1 visitor must never see any of them.</summary>
    public static readonly string[] RegencyNames = ["Kabupaten Bogor", "Kota Bandung", "Jakarta Selatan", "Kota Gorontalo"];

    /// <summary>The browser: $REGSOSEK_CHROMIUM, else Debian's /usr/bin/chromium (scripts/bootstrap --system installs it).</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("REGSOSEK_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private WebApplication? _app;
    private IPlaywright? _playwright;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "regsosek-dashboard-tests-" + Guid.NewGuid().ToString("N")[..10]);
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Tier 2, regency 3201 (Kabupaten Bogor).</summary>
    public IssuedGrant Regency3201 { get; private set; } = null!;
    /// <summary>Tier 2, regency 3273, signed three years ago: expired.</summary>
    public IssuedGrant Expired { get; private set; } = null!;
    /// <summary>Tier 2, province 32: a test revokes it while its page is open.</summary>
    public IssuedGrant ToRevoke { get; private set; } = null!;

    /// <summary>The options the server runs with (its stores).</summary>
    public ServiceOptions Options { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"no browser at {ChromiumPath}: install Debian's chromium (scripts/bootstrap --system) or set REGSOSEK_CHROMIUM");
        var home = Path.Combine(Root, "home");
        var dataset = Path.Combine(Root, "dataset");
        Directory.CreateDirectory(home);
        await new DatasetGenerator().RunAsync(new GeneratorOptions
        {
            Persons = Persons,
            Seed = 20221015,
            OutputDirectory = dataset,
            RegionDataDirectory = Path.Combine(RepoRoot, ".deps", "idn-area-data"),
            Regencies = Regencies,
            Threads = 2,
            MemoryLimit = "1GB",
        });
        var options = new ServiceOptions
        {
            Home = home, Dataset = dataset, Host = "127.0.0.1", Port = 0, HttpPort = 0, EngineThreads = 2, EngineMemoryLimit = "1GB",
        };
        await using (var grants = StoreFactory.CreateGrantStore(ServiceHost.Stores(options)))
        {
            Regency3201 = await IssueAsync(grants, "Pemerintah Kabupaten Bogor", "3201");
            ToRevoke = await IssueAsync(grants, "Pemerintah Provinsi Jawa Barat", "32");
            await using var past = StoreFactory.CreateGrantStore(ServiceHost.Stores(options), new PastTime(DateTimeOffset.UtcNow.AddYears(-3)));
            Expired = await IssueAsync(past, "Pemerintah Kota Bandung", "3273");
        }
        Options = options;
        _app = ServiceHost.Build(options, services => services.AddLogging(l => l.ClearProviders()));
        await _app.StartAsync();
        var endpoints = _app.Services.GetRequiredService<Endpoints>();
        BaseUrl = $"http://127.0.0.1:{endpoints.Http!.Port}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Running as root in CI containers needs no-sandbox; nothing but our loopback page is opened.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>Revokes a grant through the store, as an operator would.</summary>
    public async Task RevokeAsync(IssuedGrant grant)
    {
        await using var grants = StoreFactory.CreateGrantStore(ServiceHost.Stores(Options));
        await grants.RevokeAsync(grant.Grant.Id, "PKS ended early (test)", DateTimeOffset.UtcNow);
    }

    private static Task<IssuedGrant> IssueAsync(IGrantStore store, string organisation, string region) =>
        store.IssueAsync(new GrantRequest
        {
            Organisation = organisation,
            Unit = "Bappeda",
            Tier = Tier.Disaggregated,
            Region = RegionCode.Parse(region),
            Purpose = "Dasbor (test)",
        });

    /// <summary>A new page (its own context: own sessionStorage) at the dashboard, loaded.</summary>
    public async Task<DashboardPage> OpenAsync(int width = 1280, int height = 900, string? locale = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = locale ?? "id-ID",
            AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(page, this);
        await page.GotoAsync(BaseUrl + "/");
        await dashboard.WaitReadyAsync();
        return dashboard;
    }

    /// <summary>Calls a JSON route as the page does, with an optional bearer token.</summary>
    public async Task<JsonElement> PostAsync(string path, object body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        var text = await Http.GetStringAsync(path);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "web")))
                return dir.FullName;
        throw new InvalidOperationException($"Cannot find the repository root above {AppContext.BaseDirectory}.");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    private sealed class PastTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
