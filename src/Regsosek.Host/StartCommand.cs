using Regsosek.Api;
using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Regsosek.Host;

/// <summary>
/// Before serving, answers one public (tier-1) question against the dataset through the same
/// pipeline the service uses — policy, one planned query, disclosure control — as a smoke check
/// that the dataset, catalogue and engine agree.
/// </summary>
public static class StartCommand
{
    /// <summary>
    /// Opens the grant store and the audit trail (creating their tables on first use) before serving, so that a
    /// store that cannot be reached fails the start with its reason instead of refusing every call later.
    /// </summary>
    public static async Task CheckStoresAsync(IServiceProvider services, ServiceOptions options, CancellationToken ct)
    {
        var grants = await services.GetRequiredService<IGrantStore>().ListAsync(new GrantFilter { ActiveOnly = true }, ct);
        var head = await services.GetRequiredService<IAuditLog>().GetHeadAsync(ct);
        var where = options.PostgresConnectionString is null ? ServiceHost.Stores(options).SqlitePath : "PostgreSQL";
        AnsiConsole.MarkupLine($"Grants and audit: {Markup.Escape(where)}; {grants.Count} active grant(s); audit trail " +
            (head is null ? "empty" : $"at record {head.Sequence}"));
    }

    /// <summary>Answers the sample question with the server's own catalogue, planner, engine and
    /// disclosure control (so nothing is loaded twice, and the engine's Parquet metadata is warm).</summary>
    public static async Task PrintSampleAnswerAsync(IServiceProvider services, CancellationToken ct)
    {
        var request = new AggregateRequest(["family_count", "safe_drinking_water", "electrification"], RegionCode.National,
            RegionLevel.Province, [], []);
        var answer = await services.GetRequiredService<AggregatePipeline>().RunAsync(request,
            new RequestMapping.ScopeRequest(request.Region, request.Breakdown, false), "indicators", Caller.Public, new CallOutcome(), ct);
        var released = answer.Released;

        var table = new Table().Title("Tier 1 (public): families, safe drinking water and electricity by province");
        table.AddColumn("Province");
        foreach (var m in released.Shape.Measures) table.AddColumn(new TableColumn(m.Id).RightAligned());
        foreach (var row in released.Rows.OrderBy(r => r.Keys[0] ?? -1).Take(12))
        {
            var cells = new List<string> { row.Keys[0] is { } code ? code.ToString() : "[bold]Indonesia[/]" };
            cells.AddRange(row.Values.Select(Format));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{released.Rows.Count} rows (first 12 shown); rules: {Markup.Escape(string.Join(", ", released.Rules.Select(r => r.Id)))}. {Markup.Escape(Licences.Attribution)}[/]");
    }

    private static string Format(ReleasedValue v) => v.Status switch
    {
        CellStatus.Suppressed => $"[yellow]withheld ({Markup.Escape(v.Rule ?? "")})[/]",
        _ => v.Value is { } x ? x.ToString(x % 1 == 0 ? "N0" : "N1") : "",
    };
}
