using System.Diagnostics;
using System.Text.RegularExpressions;
using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// The `regsosek grants` command line (the host's Program, run as `dotnet regsosek.dll`) on the server's own
/// home: the token it prints works against the running server, and a revocation from the CLI takes effect on
/// the next call.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed partial class CliTests(ServiceFixture service)
{
    [GeneratedRegex(@"^token: (rgs_\S+)$", RegexOptions.Multiline)]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"^grant (\S+): ", RegexOptions.Multiline)]
    private static partial Regex GrantLine();

    [Fact]
    public async Task A_token_printed_by_grants_issue_works_against_the_server_until_grants_revoke()
    {
        var issue = await RunCliAsync("grants", "issue", "--home", service.Home,
            "--organisation", "Pemerintah Kota Bandung", "--unit", "Bappelitbang", "--tier", "2", "--region", "32.73",
            "--purpose", "Perencanaan pembangunan daerah");
        Assert.True(issue.ExitCode == 0, $"grants issue failed: {issue}");
        var token = TokenLine().Match(issue.Stdout) is { Success: true } t ? t.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no token line: {issue}");
        var grantId = GrantLine().Match(issue.Stdout) is { Success: true } g ? g.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no grant line: {issue}");
        Assert.Contains("tier 2, region 3273", issue.Stdout);

        var population = new { indicators = new[] { "population" }, scope = new { region = "3273", breakdown = "REGION_LEVEL_DISTRICT" } };
        var before = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(population, token),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "3201" } }, token));
        Assert.True(before[0].Ok, $"the CLI's token works against the server: {before[0]}");
        Assert.Equal("3273", before[0].Reply.GetProperty("metadata").GetProperty("effective_region").GetString());
        before[1].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");

        var revoke = await RunCliAsync("grants", "revoke", grantId, "--reason", "agreement ended", "--home", service.Home);
        Assert.True(revoke.ExitCode == 0, $"grants revoke failed: {revoke}");
        Assert.Contains("revoked", revoke.Stdout);

        var after = await ApiClient.CallAsync(service.Address, ApiCall.Aggregate(population, token));
        after.AssertRefused(GrpcStatusCode.PermissionDenied, "auth.grant-revoked");
    }

    /// <summary>
    /// Bad input to the CLI gets "error: ..." and exit code 2, not System.CommandLine's default handler
    /// ("Unhandled exception" with a stack trace, exit code 1) — a regression test for Program.cs.
    /// </summary>
    [Fact]
    public async Task Grants_issue_with_a_bad_tier_fails_with_exit_code_2_and_says_what_to_fix()
    {
        var result = await RunCliAsync("grants", "issue", "--home", service.Home,
            "--organisation", "X", "--unit", "Y", "--tier", "7", "--purpose", "Z");

        Assert.True(result.ExitCode == 2, $"expected exit code 2: {result}");
        Assert.Contains("error: --tier must be 1, 2, 3 or 4", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
        Assert.DoesNotContain("token:", result.Stdout);
    }

    [Fact]
    public async Task An_audit_checkpoint_kept_elsewhere_exposes_records_cut_from_the_end()
    {
        var home = Path.Combine(Path.GetTempPath(), "regsosek-checkpoint-" + Guid.NewGuid().ToString("N"));
        try
        {
            var empty = await RunCliAsync("audit", "checkpoint", "--home", home);
            Assert.True(empty.ExitCode == 1 && empty.Stderr.Contains("empty"), empty.ToString());

            var db = Path.Combine(home, "regsosek.db");
            await using (var log = Regsosek.Stores.StoreFactory.CreateAuditLog(new Regsosek.Stores.StoreSettings { SqlitePath = db }))
            {
                for (int i = 0; i < 3; i++)
                    await log.AppendAsync(new Regsosek.Stores.Audit.AuditEntry
                    {
                        Method = "/regsosek.v1.CatalogService/ListIndicators", Request = "{}", Scope = Regsosek.Core.RegionCode.National,
                        Decision = Regsosek.Stores.Audit.AuditDecision.Allowed, Rows = i,
                    });
            }
            var checkpoint = await RunCliAsync("audit", "checkpoint", "--home", home);
            Assert.True(checkpoint.ExitCode == 0, checkpoint.ToString());
            var text = checkpoint.Stdout.Trim();
            Assert.Matches("^3:[0-9a-f]{64}$", text);
            Assert.Equal(0, (await RunCliAsync("audit", "verify", "--home", home, "--checkpoint", text)).ExitCode);

            // Someone with the file drops the append-only trigger and deletes the newest record.
            await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=false"))
            {
                await c.OpenAsync();
                await using var cmd = c.CreateCommand();
                cmd.CommandText = "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;";
                await cmd.ExecuteNonQueryAsync();
            }
            // The chain alone still links up: a cut tail is invisible without a checkpoint...
            Assert.Equal(0, (await RunCliAsync("audit", "verify", "--home", home)).ExitCode);
            // ...and the checkpoint catches it.
            var caught = await RunCliAsync("audit", "verify", "--home", home, "--checkpoint", text);
            Assert.True(caught.ExitCode == 1 && caught.Stdout.Contains("deleted from the end"), caught.ToString());

            var bad = await RunCliAsync("audit", "verify", "--home", home, "--checkpoint", "3-abc");
            Assert.True(bad.ExitCode == 2 && bad.Stderr.Contains("SEQUENCE:HASH"), bad.ToString());
            Assert.DoesNotContain("Unhandled exception", bad.Stderr);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        }
    }

    private static Task<CliResult> RunCliAsync(params string[] args) => CliRunner.RunAsync(args);
}
