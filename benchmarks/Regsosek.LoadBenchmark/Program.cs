using System.CommandLine;
using Regsosek.Generator;
using Regsosek.Host;
using Regsosek.Schema;

namespace Regsosek.LoadBenchmark;

/// <summary>
/// regsosek-loadbench: the end-to-end load benchmark of the aggregate service (see ../SERVICE.md).
/// Exit codes: 0 done, 1 a call failed or a result was wrong, 2 bad command line or missing dataset.
/// </summary>
public static class LoadBenchmarkProgram
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset directory (generated Parquet with manifest.json)", Required = true };
        var requests = new Option<int>("--requests") { Description = "Timed service requests per request kind at concurrency 1, and again per kind in the mixed phase of each concurrency level", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<string>("--concurrency") { Description = "Concurrency levels of the mixed phases, comma-separated", DefaultValueFactory = _ => "1,8,32" };
        var baselineRequests = new Option<int>("--baseline-requests") { Description = "Timed runs per request kind of each baseline (scan SQL and plain SQL on DuckDB, PostgreSQL)", DefaultValueFactory = _ => 10 };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string of a PostgreSQL database loaded with the dataset (benchmarks/postgres-baseline load DATASET): adds the PostgreSQL baseline" };
        var noResultCache = new Option<bool>("--no-result-cache") { Description = "Run the service with its result cache off: every request is answered from the summaries or the records" };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up requests per kind and variant", DefaultValueFactory = _ => 20 };
        var output = new Option<string?>("--out") { Description = "Write the Markdown report to this file (appended to when it exists)" };
        var profile = new Option<bool>("--profile") { Description = "Also time each pipeline stage in-process (diagnostic)" };
        var maxSeconds = new Option<int>("--max-seconds") { Description = "Stop measuring after this many seconds", DefaultValueFactory = _ => 1200 };
        var generate = new Option<long?>("--generate") { Description = "Generate a national dataset of this many persons into --dataset when it does not exist" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of a generated dataset", DefaultValueFactory = _ => 20220101 };

        var root = new RootCommand("End-to-end load benchmark of the Regsosek aggregate service: the service over gRPC, " +
            "the same SQL on DuckDB directly, and the service without disclosure control, interleaved.")
        {
            dataset, requests, concurrency, baselineRequests, postgres, noResultCache, warmup, output, profile, maxSeconds, generate, seed,
        };
        root.SetAction(async (parse, ct) =>
        {
            var options = new BenchmarkOptions
            {
                Dataset = parse.GetValue(dataset)!,
                Requests = parse.GetValue(requests),
                Concurrency = ParseLevels(parse.GetValue(concurrency)!),
                BaselineRequests = parse.GetValue(baselineRequests),
                Postgres = parse.GetValue(postgres),
                ResultCache = !parse.GetValue(noResultCache),
                Warmup = parse.GetValue(warmup),
                Out = parse.GetValue(output),
                Profile = parse.GetValue(profile),
                MaxDuration = TimeSpan.FromSeconds(parse.GetValue(maxSeconds)),
                GeneratePersons = parse.GetValue(generate),
                Seed = parse.GetValue(seed),
            };
            return await RunAsync(options, ct);
        });

        var loadDataset = new Option<string>("--dataset") { Description = "Dataset directory to load", Required = true };
        var loadPostgres = new Option<string>("--postgres") { Description = "Npgsql connection string of the database to load into", Required = true };
        var scratch = new Option<string>("--scratch") { Description = "Directory for the per-province CSV files (deleted as loaded)", DefaultValueFactory = _ => Path.GetTempPath() };
        var load = new Command("load-postgres", "Load a dataset's individu and keluarga into PostgreSQL for the --postgres baseline " +
            "(replaces the two tables; indexes on the region codes; VACUUM ANALYZE)") { loadDataset, loadPostgres, scratch };
        load.SetAction(async (parse, ct) =>
        {
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await PostgresLoader.LoadAsync(parse.GetValue(loadDataset)!, parse.GetValue(loadPostgres)!, parse.GetValue(scratch)!, Console.Error, ct);
                Console.Error.WriteLine($"loaded in {clock.Elapsed.TotalSeconds:N0} s");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or Npgsql.NpgsqlException or BenchmarkFailureException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        root.Subcommands.Add(load);
        return await root.Parse(args).InvokeAsync();
    }

    private static int[] ParseLevels(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : 0).ToArray();

    private static async Task<int> RunAsync(BenchmarkOptions options, CancellationToken ct)
    {
        try
        {
            options.Validate();
            await EnsureDatasetAsync(options, ct);
            var run = await new LoadRun(options, Console.Error).RunAsync();
            var markdown = Report.Markdown(run);
            Console.WriteLine(markdown);
            if (options.Out is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.AppendAllTextAsync(path, markdown + Environment.NewLine, ct);
                Console.Error.WriteLine($"report written to {path}");
            }
            if (run.Phases.Sum(p => p.Errors + p.WrongAnswers) is > 0 and var failed)
            {
                Console.Error.WriteLine($"FAILED: {failed} calls of the mixed phases ended in an error or a wrong answer (see the report)");
                return 1;
            }
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Npgsql.NpgsqlException e)
        {
            Console.Error.WriteLine($"error: PostgreSQL baseline: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or BenchmarkFailureException)
        {
            Console.Error.WriteLine($"FAILED: {e.Message}");
            return 1;
        }
    }

    private static async Task EnsureDatasetAsync(BenchmarkOptions options, CancellationToken ct)
    {
        var manifest = Path.Combine(options.Dataset, DatasetLayout.ManifestFileName);
        if (File.Exists(manifest)) return;
        if (options.GeneratePersons is not { } persons)
            throw new FileNotFoundException($"no dataset at {options.Dataset} (no {DatasetLayout.ManifestFileName}); " +
                $"generate one with --generate 500000, or './regsosek generate --persons 500000 --seed 20220101 --out {options.Dataset}'");
        Console.Error.WriteLine($"generating {persons:N0} persons (seed {options.Seed}) into {options.Dataset}");
        var result = await new DatasetGenerator().RunAsync(new GeneratorOptions
        {
            Persons = persons,
            Seed = options.Seed,
            OutputDirectory = options.Dataset,
            RegionDataDirectory = Paths.RegionData(),
        }, null, ct);
        Console.Error.WriteLine($"wrote {result.Families:N0} families and {result.Persons:N0} persons in {result.Elapsed.TotalSeconds:N0} s");
    }
}
