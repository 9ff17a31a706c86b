using System.CommandLine;
using Regsosek.Generator;
using Regsosek.Generator.Cli;
using Regsosek.Host;

// regsosek-generate: the synthetic dataset generator's command line (`./regsosek generate`).
ConsoleOutput.Configure(); // plain text, no ANSI codes, when stdout is not a terminal or NO_COLOR is set
var personsOption = new Option<long>("--persons") { Description = "Number of persons; 251000000 is full scale", Required = true };
var seedOption = new Option<ulong>("--seed") { Description = "Random seed (same seed and persons: byte-identical files)", DefaultValueFactory = _ => 1 };
var outOption = new Option<string>("--out") { Description = "Dataset directory to create (must be new or empty)", Required = true };
var regenciesOption = new Option<string[]>("--regencies") { Description = "Only these regency codes (4 digits), for small samples", AllowMultipleArgumentsPerToken = true };
var threadsOption = new Option<int?>("--threads") { Description = "Parallel workers (default: all cores)" };
var memoryOption = new Option<string?>("--memory-limit") { Description = "DuckDB memory limit per worker, e.g. 4GB" };
var root = new RootCommand("Generate a synthetic national Regsosek dataset as hive-partitioned Parquet with a manifest.")
{
    personsOption, seedOption, outOption, regenciesOption, threadsOption, memoryOption,
};
root.SetAction(async (parse, ct) =>
{
    var regencies = parse.GetValue(regenciesOption);
    await GenerateCommand.RunAsync(new GeneratorOptions
    {
        Persons = parse.GetValue(personsOption),
        Seed = parse.GetValue(seedOption),
        OutputDirectory = Path.GetFullPath(parse.GetValue(outOption)!),
        RegionDataDirectory = Paths.RegionData(),
        Regencies = regencies is { Length: > 0 } ? regencies : null,
        Threads = parse.GetValue(threadsOption),
        MemoryLimit = parse.GetValue(memoryOption),
    }, ct);
    return 0;
});

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e)
{
    return ConsoleOutput.Unexpected(e); // operators get the message; the stack trace only when they ask for it
}
