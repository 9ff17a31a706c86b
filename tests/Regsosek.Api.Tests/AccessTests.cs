using System.Text.Json;
using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// Who is asking, end to end: the public (no token) is tier 1, grants act within their tier and region, and
/// bad, revoked or expired credentials are refused with the status and ErrorInfo reason that name the rule.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class AccessTests(ServiceFixture service)
{
    private static object Population(string region = "", string? breakdown = null, bool wholeScope = false) => new
    {
        indicators = new[] { "population" },
        scope = new { region, breakdown = breakdown ?? "REGION_LEVEL_UNSPECIFIED", whole_scope = wholeScope },
    };

    private static JsonElement Metadata(CallResult r) => r.Reply.GetProperty("metadata");

    private static IEnumerable<string> RegionKeys(JsonElement reply)
    {
        var index = reply.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString()).ToList().IndexOf("region");
        Assert.True(index >= 0, $"the response has a region column: {reply}");
        return reply.GetProperty("rows").EnumerateArray().Select(row => row.GetProperty("keys")[index])
            .Where(k => k.TryGetProperty("code", out _)).Select(k => k.GetProperty("code").GetString()!);
    }

    [Fact]
    public async Task The_public_sees_national_and_province_figures_of_open_indicators_only()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population()),
            ApiCall.Aggregate(Population("", "REGION_LEVEL_PROVINCE")),
            ApiCall.Aggregate(Population("32")),
            ApiCall.Aggregate(Population("3201")),
            ApiCall.Aggregate(Population("32", "REGION_LEVEL_REGENCY")),
            ApiCall.Aggregate(new { indicators = new[] { "population", "pkh_receipt" }, scope = new { region = "32" } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "32" }, filters = new[] { new { dimension = "region", values = new[] { 3201L } } } }));

        Assert.Equal("TIER_PUBLIC", Metadata(r[0]).GetProperty("tier").GetString());
        Assert.Equal("", Metadata(r[0]).GetProperty("effective_region").GetString());
        var provinces = RegionKeys(r[1].Reply).ToList();
        Assert.NotEmpty(provinces);
        Assert.All(provinces, code => Assert.Equal(2, code.Length));
        Assert.Equal("32", Metadata(r[2]).GetProperty("effective_region").GetString());

        Assert.Contains("tier 1", r[3].AssertRefused(GrpcStatusCode.PermissionDenied, "tier1.region-level").Message);
        r[4].AssertRefused(GrpcStatusCode.PermissionDenied, "tier1.region-level");
        Assert.Contains("pkh_receipt", r[5].AssertRefused(GrpcStatusCode.PermissionDenied, "tier1.open-indicators-only").Message);
        r[6].AssertRefused(GrpcStatusCode.PermissionDenied, "tier1.region-level");
    }

    [Fact]
    public async Task A_regency_grant_works_inside_its_regency_and_is_refused_outside_it()
    {
        var token = service.Regency3201.Token;
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population("3201", "REGION_LEVEL_DISTRICT"), token),
            ApiCall.Aggregate(new { indicators = new[] { "pkh_receipt" }, scope = new { region = "3201" } }, token),
            ApiCall.Aggregate(Population("3273"), token),
            ApiCall.Aggregate(Population("32"), token),
            ApiCall.Aggregate(Population(""), token),
            ApiCall.Aggregate(Population("320101"), token),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "3201" }, filters = new[] { new { dimension = "region", values = new[] { 3273L } } } }, token));

        Assert.Equal("TIER_DISAGGREGATED", Metadata(r[0]).GetProperty("tier").GetString());
        var districts = RegionKeys(r[0].Reply).ToList();
        Assert.NotEmpty(districts);
        Assert.All(districts, code => Assert.StartsWith("3201", code));
        Assert.True(r[1].Ok, $"a closed indicator is open to a tier-2 grant in its scope: {r[1]}");

        r[2].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
        r[3].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
        r[4].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
        Assert.True(r[5].Ok, $"a district of 3201 is inside the grant: {r[5]}");
        r[6].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
    }

    [Fact]
    public async Task Whole_scope_answers_for_the_grants_own_region()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population("", "REGION_LEVEL_DISTRICT", wholeScope: true), service.Regency3201.Token),
            ApiCall.Aggregate(Population("", "REGION_LEVEL_REGENCY", wholeScope: true), service.Province32.Token));

        Assert.Equal("3201", Metadata(r[0]).GetProperty("effective_region").GetString());
        Assert.All(RegionKeys(r[0].Reply), code => Assert.StartsWith("3201", code));

        Assert.Equal("32", Metadata(r[1]).GetProperty("effective_region").GetString());
        var regencies = RegionKeys(r[1].Reply).Distinct().Order().ToList();
        // Every regency of province 32 in the official tables (a complete table: those the sample has no one in are
        // zeros, not missing rows); never 3174 (Jakarta).
        Assert.All(regencies, code => Assert.StartsWith("32", code));
        Assert.Contains("3201", regencies);
        Assert.Contains("3273", regencies);
        Assert.Equal(27, regencies.Count);
    }

    [Fact]
    public async Task A_province_grant_reaches_its_regencies_and_not_another_province()
    {
        var token = service.Province32.Token;
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population("3273", "REGION_LEVEL_DISTRICT"), token),
            ApiCall.Aggregate(Population("3174"), token),
            ApiCall.Aggregate(Population("", "REGION_LEVEL_PROVINCE"), token));

        Assert.All(RegionKeys(r[0].Reply), code => Assert.StartsWith("3273", code));
        r[1].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
        r[2].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
    }

    [Theory]
    [InlineData("Bearer rgs_not-a-real-token", "auth.malformed-token")]
    [InlineData("Bearer rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "auth.unknown-token")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJncmFudF9pZCI6IngifQ.c2lnbmF0dXJl", "auth.jwt-not-accepted")]
    [InlineData("Bearer 123456", "auth.malformed-token")]
    [InlineData("Basic dXNlcjpwYXNz", "auth.malformed-header")]
    [InlineData("Bearer", "auth.malformed-header")]
    [InlineData("Bearer two tokens", "auth.malformed-header")]
    [InlineData("rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "auth.malformed-header")]
    public async Task Garbage_tokens_and_malformed_authorization_headers_are_UNAUTHENTICATED(string header, string reason)
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population("32")) with { Authorization = header },
            ApiCall.GoodPublicAggregate());

        Assert.False(string.IsNullOrWhiteSpace(r[0].AssertRefused(GrpcStatusCode.Unauthenticated, reason).Message));
        Assert.True(r[1].Ok, $"the server keeps serving: {r[1]}");
    }

    [Fact]
    public async Task Revoked_and_expired_grants_are_PERMISSION_DENIED()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population("3273"), service.Revoked.Token),
            ApiCall.Aggregate(Population("3273"), service.Expired.Token));

        Assert.Contains(service.Revoked.Grant.Id, r[0].AssertRefused(GrpcStatusCode.PermissionDenied, "auth.grant-revoked").Message);
        Assert.Contains("expired", r[1].AssertRefused(GrpcStatusCode.PermissionDenied, "auth.grant-expired").Message);
    }

    [Fact]
    public async Task A_grant_revoked_through_AdminService_stops_working_on_the_very_next_call()
    {
        var op = service.Operator.Token;
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Admin("IssueGrant", new
            {
                organisation = "Pemerintah Kabupaten Bogor",
                unit = "Dinas Sosial",
                tier = "TIER_DISAGGREGATED",
                region = "3201",
                purpose = "Verifikasi penerima bantuan",
            }, op),
            ApiCall.Aggregate(Population("3201", "REGION_LEVEL_DISTRICT"), "${0.reply.token}"),
            ApiCall.Admin("RevokeGrant", new { grant_id = "${0.reply.grant.id}", reason = "PKS closed by the data owner" }, op),
            ApiCall.Aggregate(Population("3201", "REGION_LEVEL_DISTRICT"), "${0.reply.token}"));

        Assert.True(r[1].Ok, $"the new grant works before revocation: {r[1]}");
        Assert.True(r[2].Ok, r[2].ToString());
        r[3].AssertRefused(GrpcStatusCode.PermissionDenied, "auth.grant-revoked");
    }

    [Fact]
    public async Task AdminService_refuses_callers_that_are_not_operators()
    {
        var request = new { organisation = "X", unit = "Y", tier = "TIER_BNBA", region = "", purpose = "self-service" };
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Admin("IssueGrant", request, service.Microdata.Token),
            ApiCall.Admin("ListGrants", new { }, service.Province32.Token),
            ApiCall.Admin("RevokeGrant", new { grant_id = service.Operator.Grant.Id, reason = "takeover" }, service.Regency3201.Token),
            ApiCall.Admin("ListGrants", new { }, null),
            ApiCall.Admin("ListGrants", new { }, service.Operator.Token));

        for (int i = 0; i < 3; i++)
            Assert.Contains("operator", r[i].AssertRefused(GrpcStatusCode.PermissionDenied, "admin.operator-only").Message);
        // No token at all: the caller is not authenticated, so it is told to send one.
        Assert.Contains("operator token", r[3].AssertRefused(GrpcStatusCode.Unauthenticated, "admin.operator-only").Message);
        var operatorGrant = r[4].Reply.GetProperty("grants").EnumerateArray().Single(g => g.GetProperty("id").GetString() == service.Operator.Grant.Id);
        Assert.False(operatorGrant.TryGetProperty("revoked_at", out var at) && at.ValueKind == JsonValueKind.Object,
            "the operator grant was not revoked by a non-operator");
    }
}
