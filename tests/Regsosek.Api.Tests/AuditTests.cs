using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// The audit trail end to end: one record per data and admin call, allowed or refused, with the decision and
/// the rule; an intact hash chain; and fail-closed behaviour when the audit log cannot be written.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class AuditTests(ServiceFixture service)
{
    private static object Population(string region) => new { indicators = new[] { "population" }, scope = new { region } };

    private sealed record Expected(string Method, AuditDecision Decision, string? Rule, GrpcStatusCode Status, string? GrantId);

    private const string Aggregate = "/regsosek.v1.AggregateService/Aggregate";

    [Fact]
    public async Task Every_call_allowed_or_refused_leaves_one_record_with_its_decision_and_rule_in_an_intact_chain()
    {
        var head = await service.AuditHeadAsync();
        var bogor = service.Regency3201;
        var calls = new (ApiCall Call, Expected Expected)[]
        {
            (ApiCall.Aggregate(Population("32")), new(Aggregate, AuditDecision.Allowed, null, GrpcStatusCode.OK, null)),
            (ApiCall.Aggregate(Population("3201")), new(Aggregate, AuditDecision.Denied, "tier1.region-level", GrpcStatusCode.PermissionDenied, null)),
            (ApiCall.Aggregate(Population("3201"), bogor.Token), new(Aggregate, AuditDecision.Allowed, null, GrpcStatusCode.OK, bogor.Grant.Id)),
            (ApiCall.Aggregate(Population("3273"), bogor.Token), new(Aggregate, AuditDecision.Denied, "scope.outside-grant", GrpcStatusCode.PermissionDenied, bogor.Grant.Id)),
            (ApiCall.Aggregate(Population("32")) with { Authorization = "Bearer rgs_garbage" },
                new(Aggregate, AuditDecision.Denied, "auth.malformed-token", GrpcStatusCode.Unauthenticated, null)),
            (ApiCall.Aggregate(Population("3273"), service.Revoked.Token),
                new(Aggregate, AuditDecision.Denied, "auth.grant-revoked", GrpcStatusCode.PermissionDenied, service.Revoked.Grant.Id)),
            (ApiCall.Aggregate(new { indicators = new[] { "no_such_indicator" } }, bogor.Token),
                new(Aggregate, AuditDecision.Denied, null, GrpcStatusCode.InvalidArgument, bogor.Grant.Id)),
            (ApiCall.Desil(new { scope = new { region = "3201" } }, bogor.Token),
                new("/regsosek.v1.AggregateService/DesilDistribution", AuditDecision.Allowed, null, GrpcStatusCode.OK, bogor.Grant.Id)),
            (ApiCall.Percentiles(new { variable = "age", percentiles = new[] { 50.0 } }),
                new("/regsosek.v1.AggregateService/Percentiles", AuditDecision.Allowed, null, GrpcStatusCode.OK, null)),
            (ApiCall.Admin("ListGrants", new { }, service.Operator.Token),
                new("/regsosek.v1.AdminService/ListGrants", AuditDecision.Allowed, null, GrpcStatusCode.OK, service.Operator.Grant.Id)),
            (ApiCall.Admin("ListGrants", new { }, bogor.Token),
                new("/regsosek.v1.AdminService/ListGrants", AuditDecision.Denied, "admin.operator-only", GrpcStatusCode.PermissionDenied, bogor.Grant.Id)),
            (ApiCall.Admin("ListGrants", new { }, null),
                new("/regsosek.v1.AdminService/ListGrants", AuditDecision.Denied, "admin.operator-only", GrpcStatusCode.Unauthenticated, null)),
            (ApiCall.Catalog("ListRegions", new { parent = "32" }),
                new("/regsosek.v1.CatalogService/ListRegions", AuditDecision.Allowed, null, GrpcStatusCode.OK, null)),
            (ApiCall.Catalog("ListRegions", new { parent = "3299" }),
                new("/regsosek.v1.CatalogService/ListRegions", AuditDecision.Denied, null, GrpcStatusCode.NotFound, null)),
        };

        var results = await ApiClient.RunAsync(service.Address, calls.Select(c => c.Call).ToArray());
        for (int i = 0; i < calls.Length; i++)
            Assert.True(results[i].Code == calls[i].Expected.Status, $"call {i}: expected {calls[i].Expected.Status}, got {results[i]}");

        var records = await service.AuditRecordsAfterAsync(head);
        Assert.Equal(calls.Length, records.Count);
        for (int i = 0; i < calls.Length; i++)
        {
            var (expected, entry) = (calls[i].Expected, records[i].Entry);
            Assert.True(expected.Method == entry.Method, $"record {i}: method {entry.Method}, expected {expected.Method}");
            Assert.True(expected.Decision == entry.Decision, $"record {i} ({entry.Method}): decision {entry.Decision}, expected {expected.Decision}");
            Assert.True((int)expected.Status == entry.StatusCode, $"record {i}: status {entry.StatusCode}, expected {(int)expected.Status}");
            Assert.True(expected.GrantId == entry.GrantId, $"record {i}: grant {entry.GrantId}, expected {expected.GrantId}");
            if (expected.Decision == AuditDecision.Denied)
                Assert.False(string.IsNullOrWhiteSpace(entry.Rule), $"record {i}: a refusal names its rule");
            if (expected.Rule is not null)
                Assert.True(expected.Rule == entry.Rule, $"record {i}: rule {entry.Rule}, expected {expected.Rule}");
            if (expected.Decision == AuditDecision.Allowed)
                Assert.Null(entry.Rule);
        }

        Assert.True(records[2].Entry.Cells > 0, "an allowed aggregate records the cells it released");
        Assert.Equal("3201", records[2].Entry.Scope.Value);
        Assert.Contains("3273", records[3].Entry.Request); // what was asked is kept, also when refused
        Assert.Equal("Pemerintah Kabupaten Bogor", records[2].Entry.Organisation);
        Assert.Equal(0, records[1].Entry.Cells);

        var verification = await service.Audit.VerifyAsync();
        Assert.True(verification.IsIntact, verification.ToString());
        Assert.Equal(records[^1].Sequence, verification.Head!.Sequence);
    }

    [Fact]
    public async Task When_the_audit_log_cannot_be_written_data_calls_fail_UNAVAILABLE_and_refusals_stay_refusals()
    {
        var head = await service.AuditHeadAsync();
        var refusedBefore = service.Audit.RefusedAppends;
        IReadOnlyList<CallResult> r;
        service.Audit.FailAppends = true;
        try
        {
            r = await ApiClient.RunAsync(service.Address,
                ApiCall.Aggregate(Population("3201"), service.Regency3201.Token),
                ApiCall.GoodPublicAggregate(),
                ApiCall.Admin("ListGrants", new { }, service.Operator.Token),
                ApiCall.Aggregate(Population("3201")),
                ApiCall.Aggregate(Population("3273"), service.Regency3201.Token),
                ApiCall.Aggregate(Population("32")) with { Authorization = "Basic x" });
        }
        finally
        {
            service.Audit.FailAppends = false;
        }

        foreach (var failed in r.Take(3))
        {
            Assert.Contains("audit", failed.AssertStatus(GrpcStatusCode.Unavailable).Message);
            Assert.False(failed.Json.TryGetProperty("reply", out _), $"no data leaves without an audit record: {failed}");
        }
        r[3].AssertRefused(GrpcStatusCode.PermissionDenied, "tier1.region-level");
        r[4].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
        r[5].AssertRefused(GrpcStatusCode.Unauthenticated, "auth.malformed-header");
        Assert.Equal(6, service.Audit.RefusedAppends - refusedBefore);
        Assert.Equal(head, await service.AuditHeadAsync());

        var after = await ApiClient.CallAsync(service.Address, ApiCall.Aggregate(Population("3201"), service.Regency3201.Token));
        Assert.True(after.Ok, $"serving resumes once the audit log is back: {after}");
        Assert.True((await service.Audit.VerifyAsync()).IsIntact);
    }
}
