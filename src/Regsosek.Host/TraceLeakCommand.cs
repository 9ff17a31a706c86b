using System.CommandLine;
using Regsosek.Core;
using Regsosek.Extracts;
using Regsosek.Stores;
using Regsosek.Stores.Grants;

namespace Regsosek.Host;

/// <summary>`regsosek trace-leak FILE`: which tier-3 grants a leaked extract came from (each with its share of the rows), from its pseudonyms.</summary>
public static class TraceLeakCommand
{
    public static Command Build(Func<ParseResult, ServiceOptions> load, params Option[] shared)
    {
        var file = new Argument<string>("file") { Description = "The leaked Parquet, Arrow IPC or CSV file (a subset of rows is enough)" };
        var command = new Command("trace-leak", "Tell which grants a leaked tier-3 extract came from, with each one's share of the rows, by decrypting its pseudonyms under each grant's key.") { file };
        GrantCommands.AddShared(command, shared);
        command.SetAction(async (parse, ct) =>
        {
            var options = load(parse);
            var path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"no file {path}", path);
            await using var store = StoreFactory.CreateGrantStore(ServiceHost.Stores(options));
            var candidates = (await store.ListAsync(GrantFilter.All, ct))
                .Where(r => r.Grant.Tier == Tier.Microdata)
                .Select(r => r.Grant.Id)
                .ToList();
            var result = LeakTracer.Trace(path, candidates, PseudonymMasterKey.Bytes(options));
            // Every grant found, with its share of the rows: a file may mix several grants' extracts.
            foreach (var line in result.Describe(candidates.Count)) Console.WriteLine(line);
            return result.Matches.Count > 0 ? 0 : 1;
        });
        return command;
    }
}
