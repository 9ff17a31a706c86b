using System.CommandLine;
using Regsosek.Stores;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Reports;

namespace Regsosek.Host;

/// <summary>`regsosek audit verify`, `audit checkpoint` and `regsosek usage-report`: the data owner proves and reports use.</summary>
public static class AuditCommands
{
    public static IEnumerable<Command> Build(Func<ParseResult, ServiceOptions> load, params Option[] shared)
    {
        var audit = new Command("audit", "The tamper-evident audit trail.");
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "A checkpoint printed earlier by `audit checkpoint` (SEQUENCE:HASH): also detects records deleted from the end, or a chain recomputed up to it",
        };
        var verify = new Command("verify", "Walk the hash chain; report the first altered, deleted or reordered record.") { checkpoint };
        GrantCommands.AddShared(verify, shared);
        verify.SetAction(async (parse, ct) =>
        {
            var anchor = parse.GetValue(checkpoint) is { } text ? ParseCheckpoint(text) : null;
            await using var log = StoreFactory.CreateAuditLog(ServiceHost.Stores(load(parse)));
            var result = await log.VerifyAsync(anchor, ct);
            Console.WriteLine(result.ToString());
            return result.IsIntact ? 0 : 1;
        });
        audit.Subcommands.Add(verify);

        var head = new Command("checkpoint",
            "Print the last record's sequence and hash (SEQUENCE:HASH). Keep it outside this machine (e.g. in the data owner's records): " +
            "`audit verify --checkpoint` then proves that nothing up to it was deleted or rewritten.");
        GrantCommands.AddShared(head, shared);
        head.SetAction(async (parse, ct) =>
        {
            await using var log = StoreFactory.CreateAuditLog(ServiceHost.Stores(load(parse)));
            var anchor = await log.GetHeadAsync(ct);
            if (anchor is null)
            {
                Console.Error.WriteLine("the audit trail is empty: there is nothing to checkpoint yet");
                return 1;
            }
            Console.WriteLine($"{anchor.Sequence}:{anchor.Hash}");
            return 0;
        });
        audit.Subcommands.Add(head);

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

    /// <summary>Parses SEQUENCE:HASH (a positive sequence number and 64 hex digits).</summary>
    /// <exception cref="ArgumentException">The text is not a checkpoint; the message says what one looks like.</exception>
    public static AuditAnchor ParseCheckpoint(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length == 2 && long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq)
            && seq >= 1 && parts[1].Length == 64 && parts[1].All(char.IsAsciiHexDigit))
            return new AuditAnchor(seq, parts[1].ToLowerInvariant());
        throw new ArgumentException($"--checkpoint must be SEQUENCE:HASH as `regsosek audit checkpoint` prints it (e.g. 1024:{new string('0', 64)}), got '{text}'");
    }
}
