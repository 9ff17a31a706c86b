using Google.Rpc;
using Grpc.Core;
using Regsosek.Api;

namespace Regsosek.Api.Tests;

/// <summary>Unit tests of the pipeline's parts: the refusals' rich status (Grpc.StatusProto), which client request ids are taken, the shutdown health check.</summary>
public sealed class PipelineUnitTests
{
    [Fact]
    public void InvalidArgument_names_the_field_in_a_BadRequest_and_in_the_message()
    {
        var e = RpcErrors.InvalidArgument("scope.region", "a code has 2, 4, 6 or 10 digits");

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("scope.region: a code has 2, 4, 6 or 10 digits", e.Status.Detail);
        var status = e.GetRpcStatus()!;
        Assert.Equal((int)Code.InvalidArgument, status.Code);
        Assert.Equal(e.Status.Detail, status.Message);
        var violation = Assert.Single(status.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal(("scope.region", "a code has 2, 4, 6 or 10 digits"), (violation.Field, violation.Description));
    }

    [Fact]
    public void PermissionDenied_and_Unauthenticated_carry_the_rule_in_an_ErrorInfo()
    {
        var denied = RpcErrors.PermissionDenied("scope.outside-grant", "region 3273 is outside the grant's region 3201");
        var unauthenticated = RpcErrors.Unauthenticated("auth.malformed-header", "send authorization: Bearer <token>");

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal("scope.outside-grant", RpcErrors.RuleOf(denied));
        Assert.Equal("regsosek.v1", denied.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Domain);
        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);
        Assert.Equal("auth.malformed-header", RpcErrors.RuleOf(unauthenticated));
    }

    [Fact]
    public void NotFound_names_the_resource_and_a_plain_status_has_no_rule()
    {
        var e = RpcErrors.NotFound("region", "3299", "region 3299 does not exist");
        var info = e.GetRpcStatus()!.GetDetail<ResourceInfo>()!;
        Assert.Equal(("region", "3299"), (info.ResourceType, info.ResourceName));
        Assert.Null(RpcErrors.RuleOf(e));
        Assert.Null(RpcErrors.RuleOf(new RpcException(new Grpc.Core.Status(StatusCode.Internal, "x"))));
    }

    [Theory]
    [InlineData("sepakat-7f3a.01", true)]
    [InlineData("0af7651916cd43dd8448eb211c80319c", true)]
    [InlineData("trace:abc_DEF-1", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("new\nline", false)]
    [InlineData("<script>", false)]
    [InlineData("ünïcode", false)]
    public void A_client_request_id_is_taken_only_when_it_is_a_sane_short_token(string id, bool taken) =>
        Assert.Equal(taken, RequestInfo.IsSane(id));

    [Fact]
    public void A_client_request_id_over_64_characters_is_not_taken()
    {
        Assert.True(RequestInfo.IsSane(new string('a', RequestInfo.MaxClientIdLength)));
        Assert.False(RequestInfo.IsSane(new string('a', RequestInfo.MaxClientIdLength + 1)));
    }

    [Fact]
    public async Task The_shutdown_health_check_fails_once_the_server_begins_to_stop()
    {
        var lifetime = new Lifetime();
        var check = new ShutdownHealthCheck(lifetime);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext();
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await check.CheckHealthAsync(context)).Status);
        lifetime.StopApplication();
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await check.CheckHealthAsync(context)).Status);
    }

    [Fact]
    public async Task With_a_drain_calls_are_still_taken_after_stopping_begins_and_refused_once_it_is_over()
    {
        var lifetime = new Lifetime();
        using var shutdown = new CallShutdown(lifetime, grace: TimeSpan.FromMinutes(5), drain: TimeSpan.FromSeconds(1));
        var health = new ShutdownHealthCheck(lifetime);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext();
        lifetime.StopApplication();

        // Draining: the health says go elsewhere, but a call that still arrives is taken.
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await health.CheckHealthAsync(context)).Status);
        Assert.False(shutdown.IsStopping);
        // Then new calls are refused, and the running ones get their grace (not aborted yet).
        Assert.True(shutdown.Refusing.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the drain never ended");
        Assert.True(shutdown.IsStopping);
        Assert.False(shutdown.Aborted.IsCancellationRequested);
    }

    [Fact]
    public void Without_a_drain_new_calls_are_refused_as_soon_as_stopping_begins()
    {
        var lifetime = new Lifetime();
        using var shutdown = new CallShutdown(lifetime, grace: TimeSpan.FromMinutes(5));
        Assert.False(shutdown.IsStopping);
        lifetime.StopApplication();
        Assert.True(shutdown.IsStopping);
        Assert.False(shutdown.Aborted.IsCancellationRequested);
    }

    private sealed class Lifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => _stopping.Cancel();
    }
}
