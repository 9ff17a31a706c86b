using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace Regsosek.Dashboard.Tests;

/// <summary>One browser page on the dashboard: what it requested and received, and what it shows.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly DashboardFixture _fixture;

    /// <summary>Every URL the page requested.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Every JSON body the API answered the page with (successful or not), with its path.</summary>
    public ConcurrentQueue<(string Path, int Status, string Body)> ApiResponses { get; } = new();

    /// <summary>Console errors and uncaught exceptions of the page.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public IPage Page { get; }

    public DashboardPage(IPage page, DashboardFixture fixture)
    {
        Page = page;
        _fixture = fixture;
        page.Request += (_, r) => Requests.Enqueue(r.Url);
        page.Console += (_, m) => { if (m.Type == "error") Errors.Enqueue(m.Text); };
        page.PageError += (_, e) => Errors.Enqueue(e);
        page.Response += async (_, r) =>
        {
            var path = new Uri(r.Url).AbsolutePath;
            if (!path.StartsWith("/v1/", StringComparison.Ordinal)) return;
            try { ApiResponses.Enqueue((path, r.Status, await r.TextAsync())); }
            catch (PlaywrightException) { /* page closed */ }
        };
    }

    /// <summary>Waits until every view has loaded (body[data-ready=true]).</summary>
    public Task WaitReadyAsync() =>
        Page.WaitForSelectorAsync("body[data-ready='true']", new PageWaitForSelectorOptions { Timeout = 20_000 });

    /// <summary>Picks a region in the select of its level, as a user would, and waits for the views.</summary>
    public async Task PickAsync(int level, string code)
    {
        await Page.EvaluateAsync("() => { document.body.dataset.ready = 'false'; }");
        await Page.SelectOptionAsync($"#region-level-{level}", code);
        await WaitReadyAsync();
    }

    /// <summary>The data-* attributes of every element matching <paramref name="selector"/>.</summary>
    public async Task<List<Dictionary<string, string>>> DataOfAsync(string selector)
    {
        var json = await Page.EvaluateAsync<JsonElement>(
            "sel => Array.from(document.querySelectorAll(sel)).map(e => Object.assign({ text: e.textContent }, e.dataset))", selector);
        return json.EnumerateArray()
            .Select(e => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))
            .ToList();
    }

    /// <summary>The state of a view: ok, denied, na, error, loading.</summary>
    public Task<string?> ViewStateAsync(string view) => Page.GetAttributeAsync($"#view-{view}", "data-state");

    /// <summary>Clicks a view's CSV button and returns the downloaded text.</summary>
    public async Task<string> DownloadCsvAsync(string view)
    {
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.ClickAsync($"#view-{view} button[data-csv]"));
        var path = await download.PathAsync();
        return (await File.ReadAllTextAsync(path!)).TrimStart('\uFEFF');
    }

    public async Task PasteTokenAsync(string token)
    {
        await Page.EvaluateAsync("() => { document.body.dataset.ready = 'false'; }");
        await Page.FillAsync("#token-input", token);
        await Page.ClickAsync("#token-apply");
        await WaitReadyAsync();
    }

    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();
}
