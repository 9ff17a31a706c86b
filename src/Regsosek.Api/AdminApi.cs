using Google.Protobuf.WellKnownTypes;
using Regsosek.Api.V1;
using Regsosek.Core;
using Grpc.Core;
using Regsosek.Stores.Grants;
using Tier = Regsosek.Core.Tier;

namespace Regsosek.Api;

/// <summary>regsosek.v1.AdminService: the data owner's operators issue, revoke and list grants. Every call is audited.</summary>
public sealed class AdminApi(CallRunner runner, IGrantStore grants, TimeProvider time)
    : V1.AdminService.AdminServiceBase
{

    public override Task<IssueGrantResponse> IssueGrant(IssueGrantRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, _, ct) =>
    {
        RequireOperator(caller);
        if (request.Tier is V1.Tier.Unspecified || !TierExtensions.IsDefined((int)request.Tier))
            throw RpcErrors.InvalidArgument("tier", "choose a tier: TIER_PUBLIC, TIER_DISAGGREGATED, TIER_MICRODATA or TIER_BNBA");
        if (!RegionCode.TryParse(request.Region, out var region, out var error))
            throw RpcErrors.InvalidArgument("region", error);
        IssuedGrant issued;
        try
        {
            issued = await grants.IssueAsync(new GrantRequest
            {
                Organisation = request.Organisation,
                Unit = request.Unit,
                Tier = (Tier)(int)request.Tier,
                Region = region,
                Purpose = request.Purpose,
                SignedAt = request.ValidFrom?.ToDateTimeOffset(),
                WithoutSatuDataForum = request.RegionalWithoutSatuDataForum,
                IsOperator = request.Operator,
            }, ct);
        }
        catch (InvalidGrantRequestException e)
        {
            throw e.Field is { } field ? RpcErrors.InvalidArgument(field, e.Message) : RpcErrors.InvalidArgument(e.Message);
        }
        return new IssueGrantResponse { Grant = ToWire(issued.Grant), Token = issued.Token };
    });

    public override Task<RevokeGrantResponse> RevokeGrant(RevokeGrantRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, _, ct) =>
    {
        RequireOperator(caller);
        if (string.IsNullOrWhiteSpace(request.GrantId))
            throw RpcErrors.InvalidArgument("grant_id", "name the grant to revoke");
        if (string.IsNullOrWhiteSpace(request.Reason))
            throw RpcErrors.InvalidArgument("reason", "say why the grant is closed; the reason is kept with the grant");
        GrantRecord record;
        try
        {
            record = await grants.RevokeAsync(request.GrantId, request.Reason, time.GetUtcNow(), ct);
        }
        catch (GrantNotFoundException e)
        {
            throw RpcErrors.NotFound("grant", e.GrantId, e.Message);
        }
        catch (GrantStateException e)
        {
            throw RpcErrors.FailedPrecondition("grant.state", request.GrantId, e.Message);
        }
        return new RevokeGrantResponse { Grant = ToWire(record.Grant) };
    });

    public override Task<ListGrantsResponse> ListGrants(ListGrantsRequest request, ServerCallContext context) =>
        runner.RunAsync(context, request, async (caller, outcome, ct) =>
    {
        RequireOperator(caller);
        var records = await grants.ListAsync(request.IncludeInactive
            ? GrantFilter.All
            : new GrantFilter { ActiveOnly = true, At = time.GetUtcNow() }, ct);
        var response = new ListGrantsResponse();
        response.Grants.Add(records.Select(r => ToWire(r.Grant)));
        outcome.Rows = response.Grants.Count;
        return response;
    });

    private static void RequireOperator(Regsosek.Core.Policy.Caller caller)
    {
        if (caller.Grant is null)
            throw RpcErrors.Unauthenticated("admin.operator-only",
                "AdminService needs an operator token: send authorization: Bearer <token>");
        if (caller.Grant is not { IsOperator: true })
            throw RpcErrors.PermissionDenied("admin.operator-only",
                "only operators of the data owner may call AdminService; use an operator token");
    }

    public static GrantInfo ToWire(Grant g)
    {
        var info = new GrantInfo
        {
            Id = g.Id,
            Organisation = g.Organisation,
            Unit = g.Unit,
            Tier = (V1.Tier)(int)g.Tier,
            Region = g.Region.Value,
            Purpose = g.Purpose,
            ValidFrom = Timestamp.FromDateTimeOffset(g.ValidFrom),
            ValidUntil = Timestamp.FromDateTimeOffset(g.ValidUntil),
            Operator = g.IsOperator,
        };
        if (g.RevokedAt is { } revoked) info.RevokedAt = Timestamp.FromDateTimeOffset(revoked);
        return info;
    }
}
