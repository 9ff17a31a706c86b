using Microsoft.Playwright;

namespace Regsosek.Dashboard.Tests;

/// <summary>
/// The screenshots of docs/dashboard.md. Every run takes them (into a temporary folder); with
/// REGSOSEK_SCREENSHOTS=&lt;folder&gt; (scripts/dashboard-screenshots sets docs/screenshots) they replace the committed ones.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ScreenshotTests(DashboardFixture service)
{
    private string Folder
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("REGSOSEK_SCREENSHOTS") is { Length: > 0 } f
                ? Path.GetFullPath(f, DashboardFixture.RepoRoot)
                : Path.Combine(service.Root, "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    private async Task<string> ShootAsync(DashboardPage page, string name, bool fullPage = true)
    {
        var path = Path.Combine(Folder, name);
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        Assert.True(new FileInfo(path).Length > 10_000, $"{name} is nearly empty");
        return path;
    }

    [Fact]
    public async Task The_main_views_at_desktop_and_phone_width()
    {
        await using (var desktop = await service.OpenAsync(1280, 900))
        {
            await ShootAsync(desktop, "dashboard-national-desktop.png");
            await desktop.PickAsync(1, "75");
            // The table behind the pyramid open, and a withheld cell focused: its rule shows in plain words.
            await desktop.Page.ClickAsync("#view-pyramid details summary");
            await desktop.Page.FocusAsync("#view-pyramid table td.num[data-status='withheld'] .withheld");
            await ShootAsync(desktop, "dashboard-province-withheld-desktop.png");
            await desktop.PasteTokenAsync(service.Regency3201.Token);
            await ShootAsync(desktop, "dashboard-tier2-regency-desktop.png");
        }
        await using (var phone = await service.OpenAsync(390, 844))
        {
            await phone.PickAsync(1, "32");
            await ShootAsync(phone, "dashboard-province-phone.png");
        }
    }
}
