using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Regsosek.Core;
using Regsosek.Host;
using Regsosek.Schema;
using Regsosek.Stores;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Reports;
using Spectre.Console;

// regsosek: the Regsosek Data Service's host and command line.
ConsoleOutput.Configure(); // plain text, no ANSI codes, when stdout is not a terminal or NO_COLOR is set
var root = new RootCommand("Regsosek Data Service: disclosure-controlled access to the Regsosek registry over gRPC.");

// Options shared by the commands that use the service's configuration.
var homeOption = new Option<string?>("--home") { Description = "Working directory of the embedded set-up (dataset, SQLite stores); default: the repo's .data/ or $REGSOSEK_HOME" };
var datasetOption = new Option<string?>("--dataset") { Description = "Dataset directory (default: <home>/dataset)" };
var postgresOption = new Option<string?>("--postgres") { Description = "PostgreSQL connection string for grants and audit (default: SQLite under <home>)" };

// appsettings.json beside the executable, then REGSOSEK__ environment variables.
var configuration = new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
    .AddEnvironmentVariables("REGSOSEK__")
    .Build();

ServiceOptions LoadOptions(ParseResult parse)
{
    var options = new ServiceOptions();
    configuration.GetSection("Regsosek").Bind(options);
    configuration.Bind(options); // REGSOSEK__Port=... style variables
    if (parse.GetValue(homeOption) is { } home) options.Home = home;
    if (parse.GetValue(datasetOption) is { } dataset) options.Dataset = dataset;
    if (parse.GetValue(postgresOption) is { } pg) options.PostgresConnectionString = pg;
    return options;
}

// start
var portOption = new Option<int?>("--port") { Description = "Port for gRPC (default 50051)" };
var httpPortOption = new Option<int?>("--http-port") { Description = "Port for HTTP/1.1: HTTP/JSON and gRPC-Web (default 50052; -1: none)" };
var hostOption = new Option<string?>("--listen") { Description = "Address to listen on (default 127.0.0.1)" };
var start = new Command("start", "Start the service (gRPC, gRPC-Web, HTTP/JSON) over an existing dataset (./regsosek start generates the sample first if there is none).")
{
    homeOption, datasetOption, postgresOption, portOption, httpPortOption, hostOption,
};
start.SetAction(async (parse, ct) =>
{
    var options = LoadOptions(parse);
    if (parse.GetValue(portOption) is { } port) options.Port = port;
    if (parse.GetValue(httpPortOption) is { } httpPort) options.HttpPort = httpPort;
    if (parse.GetValue(hostOption) is { } listen) options.Host = listen;
    if (options.Logging.IsJson) ConsoleOutput.ToStandardError(); // stdout: the JSON log alone
    var app = ServiceHost.Build(options, configuration: configuration);
    if (app.Services.GetRequiredService<Regsosek.Api.DatasetInfo>().SummariesProblem is { } summariesProblem)
        AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(summariesProblem)}[/]");
    await StartCommand.CheckStoresAsync(app.Services, options, ct);
    await app.StartAsync(ct);
    var endpoints = app.Services.GetRequiredService<Endpoints>();
    // Serving first; the dashboard's first questions are asked meanwhile (single flight: a caller asking one joins it),
    // then its HTTP routes are called once over loopback.
    _ = Task.Run(async () =>
    {
        var warmed = await StartCommand.WarmUpAsync(app.Services, ct);
        if (warmed > 0) AnsiConsole.MarkupLine($"[grey]Answered {warmed} national questions of the dashboard from the summaries (now in the result cache).[/]");
        var routes = await RouteWarmUp.RunAsync(endpoints, options, app.Services.GetRequiredService<Regsosek.Catalogue.IndicatorCatalogue>(), ct);
        if (routes > 0) AnsiConsole.MarkupLine($"[grey]Called the dashboard's files and HTTP routes once ({routes} calls, audited as public calls), so its first visitor finds them warm.[/]");
    }, ct);
    AnsiConsole.MarkupLine(options.CertificatePath is null
        ? $"Serving gRPC (HTTP/2, cleartext) on [bold]{options.Host}:{endpoints.Grpc?.Port}[/]"
        : $"Serving gRPC and HTTP/JSON (TLS, HTTP/2 or HTTP/1.1) on [bold]{options.Host}:{endpoints.Grpc?.Port}[/]");
    if (endpoints.Http is { } http)
        AnsiConsole.MarkupLine($"Serving HTTP/JSON and gRPC-Web (HTTP/1.1) on [bold]{options.Host}:{http.Port}[/]");
    if (endpoints.Metrics is { } metrics) AnsiConsole.MarkupLine($"Serving Prometheus metrics on [bold]http://{options.Host}:{metrics.Port}{ObservabilityExtensions.MetricsPath}[/]");
    // Already serving: the sample answer shows the service works (and opens the summaries' files for the first caller).
    await StartCommand.PrintSampleAnswerAsync(app.Services, ct);
    AnsiConsole.MarkupLine("Ctrl+C stops.");
    await app.WaitForShutdownAsync(ct);
    return 0;
});
root.Subcommands.Add(start);

// dataset verify
var dataset = new Command("dataset", "Dataset tools.");
var verifyDataset = new Command("verify", "Check every file of a dataset, and its prepared summaries, against their manifests' SHA-256 checksums.") { homeOption, datasetOption };
verifyDataset.SetAction((parse, ct) =>
{
    var options = LoadOptions(parse);
    var manifest = DatasetManifest.Load(Path.Combine(options.DatasetPath, DatasetLayout.ManifestFileName));
    var problems = manifest.Verify(options.DatasetPath).Concat(Regsosek.Engine.Summaries.SummaryManifest.Verify(options.DatasetPath)).ToList();
    foreach (var p in problems) Console.Error.WriteLine(p);
    var summaries = File.Exists(Regsosek.Engine.Summaries.SummaryManifest.PathIn(options.DatasetPath))
        ? Regsosek.Engine.Summaries.SummaryManifest.Load(Regsosek.Engine.Summaries.SummaryManifest.PathIn(options.DatasetPath)).FileCount
        : 0;
    Console.WriteLine(problems.Count == 0
        ? $"{manifest.Files.Count} files and {summaries} summary files verified"
        : $"{problems.Count} problems in {manifest.Files.Count} files and {summaries} summary files: see above");
    return Task.FromResult(problems.Count == 0 ? 0 : 1);
});
dataset.Subcommands.Add(verifyDataset);
var prepareThreadsOption = new Option<int?>("--threads") { Description = "DuckDB threads (default: all cores)" };
var prepareMemoryOption = new Option<string?>("--memory-limit") { Description = "DuckDB memory limit, e.g. 8GB (default: 80 % of RAM)" };
var prepareDataset = new Command("prepare", "Build the summary tables (schema/summaries.yaml) the service answers most aggregates from; run once per dataset version.")
{
    homeOption, datasetOption, prepareThreadsOption, prepareMemoryOption,
};
prepareDataset.SetAction(async (parse, ct) =>
{
    var options = LoadOptions(parse);
    await PrepareCommand.RunAsync(options.DatasetPath, parse.GetValue(prepareThreadsOption), parse.GetValue(prepareMemoryOption), ct);
    return 0;
});
dataset.Subcommands.Add(prepareDataset);
// For ./regsosek start: the generator's arguments for the start-up sample when the configured dataset does not exist
// yet (one per line), nothing when it does. The service itself does not carry the generator (regsosek-generate).
var sampleArgs = new Command("sample-args", "Print the generator arguments of the start-up sample if the configured dataset does not exist yet (./regsosek start uses it).")
{
    homeOption, datasetOption,
};
sampleArgs.TreatUnmatchedTokensAsErrors = false; // ./regsosek start passes all of start's options along
sampleArgs.SetAction((parse, ct) =>
{
    var options = LoadOptions(parse);
    var path = options.DatasetPath;
    if (File.Exists(Path.Combine(path, DatasetLayout.ManifestFileName)))
        return Task.FromResult(0);
    if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        throw new ArgumentException($"{path} exists but holds no dataset manifest; delete it to regenerate the sample");
    foreach (var line in new[] { "--persons", options.SamplePersons.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 "--seed", options.SampleSeed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", path })
        Console.WriteLine(line);
    return Task.FromResult(0);
});
dataset.Subcommands.Add(sampleArgs);
root.Subcommands.Add(dataset);

root.Subcommands.Add(GrantCommands.Build(LoadOptions, homeOption, postgresOption));
root.Subcommands.Add(TraceLeakCommand.Build(LoadOptions, homeOption, postgresOption));
foreach (var command in AuditCommands.Build(LoadOptions, homeOption, postgresOption)) root.Subcommands.Add(command);

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                              or InvalidGrantRequestException or GrantNotFoundException or GrantStateException
                              or FormatException or Regsosek.Stores.Storage.StoreUnavailableException
                              or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e)
{
    return ConsoleOutput.Unexpected(e); // operators get the message; the stack trace only when they ask for it
}
