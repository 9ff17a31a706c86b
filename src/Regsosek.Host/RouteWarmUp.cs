using System.Net;
using System.Net.Http.Json;
using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;

namespace Regsosek.Host;

/// <summary>
/// Calls, once serving, what a browser opening the dashboard calls first on the HTTP port — the page's files, the
/// catalogue routes, one call of each aggregate route — so that the first visitor does not pay those routes' first
/// calls (0.2–0.4 s each on a quiet 2-core machine, measured: routing, the JSON converters of each message type, JIT;
/// the handlers themselves were warm). They are ordinary public calls over loopback and are audited like any other:
/// catalogue lists and tier-1 national answers, nothing a visitor could not ask. Each carries a request id starting
/// with <see cref="RequestIdPrefix"/> (the x-request-id the audit records), so that whoever reads the audit trail can tell them from visitors.
/// </summary>
public static class RouteWarmUp
{
    /// <summary>The start of the request id of every warm-up call (followed by the process id and the call's number).</summary>
    public const string RequestIdPrefix = "regsosek-start-warm-up";

    /// <summary>Makes the calls; returns how many succeeded (0 when there is no cleartext HTTP port or no dashboard).</summary>
    public static async Task<int> RunAsync(Endpoints endpoints, ServiceOptions options, IndicatorCatalogue catalogue, CancellationToken ct)
    {
        if (endpoints.Http is not { } http || options.CertificatePath is not null || !Directory.Exists(Dashboard.Folder)) return 0;
        var address = http.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : http.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : http.Address;
        using var client = new HttpClient { BaseAddress = new Uri($"http://{new IPEndPoint(address, http.Port)}/"), Timeout = TimeSpan.FromSeconds(30) };
        var calls = new List<Func<HttpRequestMessage>> { () => new(HttpMethod.Get, "") };
        foreach (var file in Directory.EnumerateFiles(Dashboard.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            calls.Add(() => new(HttpMethod.Get, Uri.EscapeDataString(file!)));
        foreach (var route in new[] { "v1/indicators", "v1/dimensions", "v1/numerics", "v1/regions" })
            calls.Add(() => new(HttpMethod.Get, route));
        if (catalogue.Indicators.FirstOrDefault(i => i.Visibility.Open && i.Statistic == StatisticKind.Count) is { } count)
            calls.Add(() => new(HttpMethod.Post, "v1/aggregate") { Content = JsonContent.Create(new { indicators = new[] { count.Id }, scope = new { } }) });
        if (catalogue.TryGetNumeric(StartCommand.DashboardPercentileVariable, out var numeric) && numeric.Visibility.Open)
            calls.Add(() => new(HttpMethod.Post, "v1/percentiles")
            {
                Content = JsonContent.Create(new { variable = numeric.Id, percentiles = StartCommand.DashboardPercentiles, scope = new { } }),
            });
        int succeeded = 0;
        for (int i = 0; i < calls.Count; i++)
        {
            try
            {
                using var request = calls[i]();
                request.Headers.Add(Regsosek.Api.RequestInfo.HeaderName,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RequestIdPrefix}-{Environment.ProcessId}-{i}"));
                using var response = await client.SendAsync(request, ct);
                if (response.IsSuccessStatusCode) succeeded++;
            }
            catch (HttpRequestException)
            {
                // Not the start's concern: the route answers its first visitor (more slowly) or fails with its reason.
            }
        }
        return succeeded;
    }
}
