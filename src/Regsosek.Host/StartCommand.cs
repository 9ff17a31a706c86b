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

    /// <summary>
    /// Asks, once serving, the national questions the public dashboard asks first (as web/app.js groups them: a unit's open
    /// counts and percentages together, each open percentile alone, a unit's other open statistics together; the
    /// population pyramid; the first open percentage by province; the default percentiles) when prepared summaries or
    /// distributions answer them: the first visitor then finds the pipeline compiled and the answers in the engine's
    /// result cache. Questions that would scan the records (seconds at full scale) are left for the first caller.
    /// Failures are not the start's concern: a question that fails here fails for its caller with its reason. Returns
    /// how many it asked.
    /// </summary>
    public static async Task<int> WarmUpAsync(IServiceProvider services, CancellationToken ct)
    {
        var dataset = services.GetRequiredService<DatasetInfo>();
        if (dataset.Summaries.All.Count == 0) return 0;
        var catalogue = services.GetRequiredService<IndicatorCatalogue>();
        var planner = services.GetRequiredService<QueryPlanner>();
        var pipeline = services.GetRequiredService<AggregatePipeline>();
        var open = catalogue.Indicators.Where(i => i.Visibility.Open).ToList();
        var asks = new List<(AggregateRequest Question, string Field)>();
        foreach (var tile in open.GroupBy(TileGroup))
            asks.Add((new AggregateRequest(tile.Select(i => i.Id).ToList(), RegionCode.National, null, [], []), "indicators"));
        if (open.FirstOrDefault(i => i.Unit == Unit.Persons && i.Statistic == StatisticKind.Count) is { } persons)
            asks.Add((new AggregateRequest([persons.Id], RegionCode.National, null, ["sex", "age_group_5y"], []), "indicators"));
        if (open.FirstOrDefault(i => i.Statistic == StatisticKind.Percentage) is { } percentage)
            asks.Add((new AggregateRequest([percentage.Id], RegionCode.National, RegionLevel.Province, [], []), "indicators"));
        // The percentile view's first question (web/app.js: DEFAULT_PERCENTILE_VARIABLE, PERCENTILES).
        if (catalogue.TryGetNumeric(DashboardPercentileVariable, out var floor) && floor.Visibility.Open)
            asks.Add((AggregateRequest.Percentiles(floor.Id, DashboardPercentiles.Select(p => p / 100).ToList(), RegionCode.National, null, [], []), "variable"));
        bool FromSummaries(AggregateRequest question)
        {
            try
            {
                return planner.PlanAggregate(question, question.Region, dataset.Partitions, dataset.Summaries).Summary is not null;
            }
            catch (RequestValidationException)
            {
                return false;
            }
        }
        int asked = 0;
        foreach (var (question, field) in asks.Where(a => FromSummaries(a.Question)))
        {
            try
            {
                await pipeline.RunAsync(question, new RequestMapping.ScopeRequest(question.Region, question.Breakdown, false),
                    field, Caller.Public, new CallOutcome(), ct);
                asked++;
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException)
            {
                // Refused for the public (a tier rule: the dashboard will not ask it either), or the service is stopping.
            }
        }
        return asked;
    }

    /// <summary>The numeric and percentiles (in percent) the dashboard's percentile view asks first (web/app.js).</summary>
    internal const string DashboardPercentileVariable = "floor_area_per_capita";

    /// <inheritdoc cref="DashboardPercentileVariable"/>
    internal static readonly double[] DashboardPercentiles = [10, 25, 50, 75, 90];

    /// <summary>Which of the dashboard's tile requests asks <paramref name="indicator"/> (web/app.js, loadTiles).</summary>
    private static string TileGroup(Indicator indicator) => indicator.Unit + "/" + indicator.Statistic switch
    {
        StatisticKind.Count or StatisticKind.Percentage => "counts",
        StatisticKind.Percentile => "percentile/" + indicator.Id,
        _ => "statistics",
    };

    private static string Format(ReleasedValue v) => v.Status switch
    {
        CellStatus.Suppressed => $"[yellow]withheld ({Markup.Escape(v.Rule ?? "")})[/]",
        _ => v.Value is { } x ? x.ToString(x % 1 == 0 ? "N0" : "N1") : "",
    };
}
