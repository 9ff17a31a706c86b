using System.CommandLine;
using Regsosek.Stores;
using Regsosek.Stores.Reports;

namespace Regsosek.Host;

/// <summary>`regsosek audit verify` and `regsosek usage-report`: the data owner proves and reports use.</summary>
public static class AuditCommands
{
    public static IEnumerable<Command> Build(Func<ParseResult, ServiceOptions> load, params Option[] shared)
    {
        var audit = new Command("audit", "The tamper-evident audit trail.");
        var verify = new Command("verify", "Walk the hash chain; report the first altered, deleted or reordered record.");
        GrantCommands.AddShared(verify, shared);
        verify.SetAction(async (parse, ct) =>
        {
            await using var log = StoreFactory.CreateAuditLog(ServiceHost.Stores(load(parse)));
            var result = await log.VerifyAsync(null, ct);
            Console.WriteLine(result.ToString());
            return result.IsIntact ? 0 : 1;
        });
        audit.Subcommands.Add(verify);

        var grant = new Option<string>("--grant") { Description = "Grant id", Required = true };
        var semester = new Option<string>("--semester") { Description = "2026-1 (January-June) or 2026-2 (July-December)", Required = true };
        var format = new Option<string>("--format") { Description = "md or csv", DefaultValueFactory = _ => "md" };
        var output = new Option<string?>("--out") { Description = "Write to this file instead of standard output" };
        var report = new Command("usage-report", "The semester usage report of PKS article 10, from the audit trail.") { grant, semester, format, output };
        GrantCommands.AddShared(report, shared);
        report.SetAction(async (parse, ct) =>
        {
            var fmt = parse.GetValue(format);
            if (fmt is not ("md" or "csv")) throw new ArgumentException("--format must be md or csv");
            await using var log = StoreFactory.CreateAuditLog(ServiceHost.Stores(load(parse)));
            var usage = await UsageReport.BuildAsync(log, parse.GetValue(grant)!, parse.GetValue(semester)!, ct);
            var text = fmt == "csv" ? usage.ToCsv() : usage.ToMarkdown();
            if (parse.GetValue(output) is { } path) await File.WriteAllTextAsync(path, text, ct);
            else Console.Write(text);
            return 0;
        });
        return [audit, report];
    }
}
