using System.CommandLine;
using Regsosek.Core;
using Regsosek.Extracts;
using Regsosek.Stores;
using Regsosek.Stores.Grants;

namespace Regsosek.Host;

/// <summary>`regsosek trace-leak FILE`: which tier-3 grant a leaked extract came from, from its pseudonyms.</summary>
public static class TraceLeakCommand
{
    public static Command Build(Func<ParseResult, ServiceOptions> load, params Option[] shared)
    {
        var file = new Argument<string>("file") { Description = "The leaked Parquet or CSV file (a subset of rows is enough)" };
        var command = new Command("trace-leak", "Tell which grant a leaked tier-3 extract came from, by decrypting its pseudonyms under each grant's key.") { file };
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
            if (result.GrantId is { } grant)
            {
                Console.WriteLine($"the file came from grant {grant}: {result.Matches.First(m => m.GrantId == grant).Matched} of {result.Examined} pseudonyms examined decrypt under its key");
                return 0;
            }
            Console.WriteLine($"no tier-3 grant's key opens the file's pseudonyms ({result.Examined} examined, {candidates.Count} grants tried)");
            return 1;
        });
        return command;
    }
}
