using Grpc.Core;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// Issue 11, class 8 (AdminService side; the CLI side is GrantCliAuditTests): an operator — or someone holding an
/// operator token — issues grants for region codes that do not exist, hoping for a grant whose scope no check
/// understands. Each is INVALID_ARGUMENT on field "region", nothing is issued, and the refusal is audited.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class GrantHygieneAttacks(ServiceFixture service)
{
    private readonly Attacker _attacker = new(service);

    [Theory]
    [InlineData("3299", Api.V1.Tier.Disaggregated)]      // a regency code no regency has (Jawa Barat ends at 3279)
    [InlineData("99", Api.V1.Tier.Disaggregated)]        // a province code no province has
    [InlineData("32.99", Api.V1.Tier.Microdata)]         // dotted form of a missing regency
    [InlineData("3201999999", Api.V1.Tier.Bnba)]         // a village of Kabupaten Bogor that does not exist
    [InlineData("00", Api.V1.Tier.Disaggregated)]
    public async Task A_grant_for_a_region_that_does_not_exist_is_refused_and_nothing_is_issued(string region, Api.V1.Tier tier)
    {
        var op = Attacker.Options(service.Operator.Token);
        var before = (await _attacker.Admin.ListGrantsAsync(new ListGrantsRequest { IncludeInactive = true }, op)).Grants.Select(g => g.Id).ToHashSet();
        var head = await service.AuditHeadAsync();

        var e = await Assert.ThrowsAsync<RpcException>(async () => await _attacker.Admin.IssueGrantAsync(new IssueGrantRequest
        {
            Organisation = "Pemerintah Kabupaten Fiktif",
            Unit = "Bappeda",
            Tier = tier,
            Region = region,
            Purpose = "attack: a grant for a region that does not exist",
            RegionalWithoutSatuDataForum = true,
        }, op));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var violations = e.GetRpcStatus()!.Details.Where(d => d.Is(Google.Rpc.BadRequest.Descriptor))
            .SelectMany(d => d.Unpack<Google.Rpc.BadRequest>().FieldViolations).ToList();
        Assert.Contains(violations, v => v.Field == "region" && v.Description.Length > 0);
        var after = (await _attacker.Admin.ListGrantsAsync(new ListGrantsRequest { IncludeInactive = true }, op)).Grants;
        Assert.All(after, g => Assert.True(before.Contains(g.Id), $"a grant was issued for {region}: {g}"));
        var record = (await service.AuditRecordsAfterAsync(head)).First(r => r.Entry.Method == "/regsosek.v1.AdminService/IssueGrant");
        Assert.Equal(AuditDecision.Denied, record.Entry.Decision);
        Assert.Equal((int)StatusCode.InvalidArgument, record.Entry.StatusCode);

        // Control: the same request for a region that exists is issued (then revoked again).
        var issued = await _attacker.Admin.IssueGrantAsync(new IssueGrantRequest
        {
            Organisation = "Pemerintah Kabupaten Bogor", Unit = "Bappeda", Tier = Api.V1.Tier.Disaggregated, Region = "3201",
            Purpose = "control", RegionalWithoutSatuDataForum = true,
        }, op);
        await _attacker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = issued.Grant.Id, Reason = "test control" }, op);
    }
}
