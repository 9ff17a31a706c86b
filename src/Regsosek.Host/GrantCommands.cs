using System.CommandLine;
using Regsosek.Core;
using Regsosek.Stores;
using Regsosek.Stores.Grants;
using Spectre.Console;

namespace Regsosek.Host;

/// <summary>`regsosek grants ...`: the data owner's operators issue, list, extend and revoke grants.</summary>
public static class GrantCommands
{
    public static Command Build(Func<ParseResult, ServiceOptions> load, params Option[] shared)
    {
        var grants = new Command("grants", "Issue, list, extend and revoke access grants (prints a new token once).");

        var organisation = new Option<string>("--organisation") { Description = "Organisation (ministry, agency, regional government)", Required = true };
        var unit = new Option<string>("--unit") { Description = "Unit inside the organisation", Required = true };
        var tier = new Option<int>("--tier") { Description = "1 public, 2 disaggregated aggregates, 3 microdata, 4 BNBA", Required = true };
        var region = new Option<string>("--region") { Description = "Region code of the scope; empty for national (central government)", DefaultValueFactory = _ => "" };
        var purpose = new Option<string>("--purpose") { Description = "Purpose of use, as in the agreement", Required = true };
        var noForum = new Option<bool>("--without-satu-data-forum") { Description = "Regional government without a Satu Data forum: valid six months" };
        var isOperator = new Option<bool>("--operator") { Description = "An operator of the data owner (may call AdminService)" };
        var issue = new Command("issue", "Issue a grant and print its token (shown only once).")
        {
            organisation, unit, tier, region, purpose, noForum, isOperator,
        };
        AddShared(issue, shared);
        issue.SetAction(async (parse, ct) =>
        {
            if (!TierExtensions.IsDefined(parse.GetValue(tier)))
                throw new ArgumentException("--tier must be 1, 2, 3 or 4");
            var options = load(parse);
            if (!RegionCode.TryParse(parse.GetValue(region), out var code, out var regionError))
            {
                await using (var refused = AdminSession.Open(options, regions: null))
                    await refused.Admin.RecordRefusalAsync(AuditedGrantAdmin.IssueMethod, new Dictionary<string, string?>
                    {
                        ["organisation"] = parse.GetValue(organisation), ["unit"] = parse.GetValue(unit),
                        ["tier"] = parse.GetValue(tier).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["region"] = parse.GetValue(region), ["purpose"] = parse.GetValue(purpose),
                    }, AuditedGrantAdmin.InvalidRequestRule, 3);
                throw new InvalidGrantRequestException(RegionCheckedGrantStore.RegionField, $"--region: {regionError}");
            }
            // The region must exist in the official tables: checked by the store, as for AdminService.
            var regions = RegionDirectoryExistence.Load(options);
            await using var session = AdminSession.Open(options, regions);
            var issued = await session.Admin.IssueAsync(new GrantRequest
            {
                Organisation = parse.GetValue(organisation)!,
                Unit = parse.GetValue(unit)!,
                Tier = (Tier)parse.GetValue(tier),
                Region = code,
                Purpose = parse.GetValue(purpose)!,
                WithoutSatuDataForum = parse.GetValue(noForum),
                IsOperator = parse.GetValue(isOperator),
            }, ct);
            Print(issued.Grant);
            Console.WriteLine($"token: {issued.Token}");
            Console.Error.WriteLine("Store the token safely: it is not kept and cannot be shown again.");
            return 0;
        });

        var initUnit = new Option<string>("--unit") { Description = "The operators' unit at the data owner", DefaultValueFactory = _ => "Direktorat Penanggulangan Kemiskinan dan Pemberdayaan Masyarakat" };
        var force = new Option<bool>("--force") { Description = "Issue another operator grant even if one exists" };
        var init = new Command("init-operator", "Create the first operator grant of the data owner and print its token.") { initUnit, force };
        AddShared(init, shared);
        init.SetAction(async (parse, ct) =>
        {
            await using var session = AdminSession.Open(load(parse), regions: null);
            var issued = await session.Admin.InitOperatorAsync(parse.GetValue(initUnit)!, parse.GetValue(force), ct);
            Print(issued.Grant);
            Console.WriteLine($"token: {issued.Token}");
            return 0;
        });

        var all = new Option<bool>("--all") { Description = "Include revoked and expired grants" };
        var list = new Command("list", "List grants.") { all };
        AddShared(list, shared);
        list.SetAction(async (parse, ct) =>
        {
            await using var store = StoreFactory.CreateGrantStore(ServiceHost.Stores(load(parse)));
            var records = await store.ListAsync(parse.GetValue(all)
                ? GrantFilter.All
                : new GrantFilter { ActiveOnly = true, At = DateTimeOffset.UtcNow }, ct);
            var table = new Table();
            foreach (var c in new[] { "id", "organisation", "unit", "tier", "region", "valid until", "state" }) table.AddColumn(c);
            foreach (var r in records)
            {
                var g = r.Grant;
                var state = g.RevokedAt is not null ? "revoked" : g.IsActiveAt(DateTimeOffset.UtcNow) ? "active" : "inactive";
                table.AddRow(Markup.Escape(g.Id), Markup.Escape(g.Organisation), Markup.Escape(g.Unit), ((int)g.Tier).ToString(),
                    g.Region.ToString(), g.ValidUntil.ToString("yyyy-MM-dd"), state + (g.IsOperator ? ", operator" : ""));
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var id = new Argument<string>("grant-id") { Description = "The grant's id" };
        var reason = new Option<string>("--reason") { Description = "Why the grant is closed (kept with the grant)", Required = true };
        var revoke = new Command("revoke", "Close a grant at once; its token stops working on the next call.") { id, reason };
        AddShared(revoke, shared);
        revoke.SetAction(async (parse, ct) =>
        {
            await using var session = AdminSession.Open(load(parse), regions: null);
            var record = await session.Admin.RevokeAsync(parse.GetValue(id)!, parse.GetValue(reason)!, ct);
            Print(record.Grant);
            return 0;
        });

        var until = new Option<DateTimeOffset>("--until") { Description = "New end of validity (e.g. 2027-06-30)", Required = true };
        var extend = new Command("extend", "Extend a grant's validity (e.g. a six-month regional grant).") { id, until };
        AddShared(extend, shared);
        extend.SetAction(async (parse, ct) =>
        {
            await using var session = AdminSession.Open(load(parse), regions: null);
            var record = await session.Admin.ExtendAsync(parse.GetValue(id)!, parse.GetValue(until), ct);
            Print(record.Grant);
            return 0;
        });

        grants.Subcommands.Add(issue);
        grants.Subcommands.Add(init);
        grants.Subcommands.Add(list);
        grants.Subcommands.Add(revoke);
        grants.Subcommands.Add(extend);
        return grants;
    }

    /// <summary>
    /// The grant store and audit log of one command. Every change is written to the audit trail under
    /// <see cref="AdminActor.CommandLine"/>: grant id and organisation "cli", unit the operator's OS user name;
    /// methods "cli/grants.issue", "cli/grants.revoke", "cli/grants.extend", "cli/grants.init-operator".
    /// </summary>
    private sealed class AdminSession : IAsyncDisposable
    {
        private readonly IGrantStore _store;
        private readonly Regsosek.Stores.Audit.IAuditLog _audit;

        private AdminSession(IGrantStore store, Regsosek.Stores.Audit.IAuditLog audit)
        {
            _store = store;
            _audit = audit;
            Admin = new AuditedGrantAdmin(store, audit, AdminActor.CommandLine());
        }

        public AuditedGrantAdmin Admin { get; }

        /// <param name="options">The service's options (stores).</param>
        /// <param name="regions">The region check for issuing; null for commands that issue no regional grant.</param>
        public static AdminSession Open(ServiceOptions options, IRegionExistence? regions)
        {
            var settings = ServiceHost.Stores(options);
            return new AdminSession(
                regions is null ? StoreFactory.CreateGrantStore(settings) : StoreFactory.CreateGrantStore(settings, regions),
                StoreFactory.CreateAuditLog(settings));
        }

        public async ValueTask DisposeAsync()
        {
            await _audit.DisposeAsync();
            await _store.DisposeAsync();
        }
    }

    internal static void AddShared(Command command, Option[] shared)
    {
        foreach (var o in shared) command.Options.Add(o);
    }

    private static void Print(Grant g) =>
        Console.WriteLine($"grant {g.Id}: {g.Organisation} / {g.Unit}, tier {(int)g.Tier}, region {g.Region}, " +
                          $"valid {g.ValidFrom:yyyy-MM-dd} to {g.ValidUntil:yyyy-MM-dd}" +
                          (g.RevokedAt is { } r ? $", revoked {r:yyyy-MM-dd}" : "") + (g.IsOperator ? ", operator" : ""));
}
