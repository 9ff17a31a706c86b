using System.Diagnostics;
using System.Text.Json;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Stores;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;

namespace Regsosek.Api.Tests;

/// <summary>
/// `regsosek grants issue|revoke` audit what they do like AdminService does, and refuse grants for regions that do
/// not exist. Each test runs the host's command line on a home of its own (no server, no dataset: the region check
/// falls back to idn-area-data in .deps/).
/// </summary>
public sealed class GrantCliAuditTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "regsosek-cli-audit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private async Task<List<AuditRecord>> TrailAsync()
    {
        await using var log = StoreFactory.CreateAuditLog(new StoreSettings { SqlitePath = Path.Combine(_home, "regsosek.db") });
        var list = new List<AuditRecord>();
        await foreach (var r in log.ReadAsync(AuditQuery.All)) list.Add(r);
        return list;
    }

    private Task<CliResult> IssueAsync(string region) =>
        RunAsync("grants", "issue", "--home", _home, "--organisation", "Pemerintah Kabupaten Bogor", "--unit", "Bappeda",
            "--tier", "2", "--region", region, "--purpose", "RPJMD 2025-2029");

    [Fact]
    public async Task A_grant_for_a_region_that_does_not_exist_is_refused_with_exit_code_2_and_recorded()
    {
        var result = await IssueAsync("3299"); // province 32 has no regency 99

        Assert.True(result.ExitCode == 2, $"expected exit code 2: {result}");
        Assert.Contains("error: region 3299 (regency) does not exist in the official region tables", result.Stderr);
        Assert.DoesNotContain("token:", result.Stdout);
        var refusal = Assert.Single(await TrailAsync()).Entry;
        Assert.Equal((AuditedGrantAdmin.IssueMethod, AuditDecision.Denied, AuditedGrantAdmin.RegionUnknownRule, 3),
            (refusal.Method, refusal.Decision, refusal.Rule, refusal.StatusCode));
        Assert.Equal(("cli", Environment.UserName), (refusal.GrantId, refusal.Unit));

        await using var grants = StoreFactory.CreateGrantStore(new StoreSettings { SqlitePath = Path.Combine(_home, "regsosek.db") });
        Assert.Empty(await grants.ListAsync(GrantFilter.All));
    }

    [Fact]
    public async Task A_malformed_region_code_is_refused_and_recorded()
    {
        var result = await IssueAsync("32x");

        Assert.True(result.ExitCode == 2, $"expected exit code 2: {result}");
        Assert.Contains("error: --region:", result.Stderr);
        var refusal = Assert.Single(await TrailAsync()).Entry;
        Assert.Equal((AuditDecision.Denied, AuditedGrantAdmin.InvalidRequestRule), (refusal.Decision, refusal.Rule));
        Assert.Equal("32x", JsonDocument.Parse(refusal.Request).RootElement.GetProperty("region").GetString());
    }

    [Fact]
    public async Task Issue_and_revoke_from_the_command_line_are_recorded_with_the_grant_and_the_chain_verifies()
    {
        var issue = await IssueAsync("32.01");
        Assert.True(issue.ExitCode == 0, $"grants issue failed: {issue}");
        var grantId = issue.Stdout.Split(' ', ':')[1];
        var revoke = await RunAsync("grants", "revoke", grantId, "--reason", "agreement ended", "--home", _home);
        Assert.True(revoke.ExitCode == 0, $"grants revoke failed: {revoke}");

        var trail = await TrailAsync();
        Assert.Equal([AuditedGrantAdmin.IssueMethod, AuditedGrantAdmin.RevokeMethod], trail.Select(r => r.Entry.Method));
        Assert.All(trail, r => Assert.Equal((AuditDecision.Allowed, 0, "3201"), (r.Entry.Decision, r.Entry.StatusCode, r.Entry.Scope.Value)));
        Assert.All(trail, r => Assert.Equal(grantId, JsonDocument.Parse(r.Entry.Request).RootElement.GetProperty("grantId").GetString()));
        Assert.DoesNotContain("rgs_", trail[0].Entry.Request); // the token is printed once, never recorded

        var verify = await RunAsync("audit", "verify", "--home", _home);
        Assert.True(verify.ExitCode == 0, $"audit verify failed: {verify}");
        Assert.Contains("intact: 2 records", verify.Stdout);
    }

    private static Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(args);
}
