using Regsosek.Grpc.Health;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Regsosek.Grpc.Tests;

public sealed class HealthRegistryTests
{
    [Fact]
    public void The_server_as_a_whole_starts_SERVING_and_others_are_unknown()
    {
        var registry = new HealthStatusRegistry();

        Assert.True(registry.TryGetStatus("", out var overall));
        Assert.Equal(ServingStatus.Serving, overall);
        Assert.False(registry.TryGetStatus("regsosek.v1.Aggregates", out _));
    }

    [Fact]
    public void Only_SERVING_and_NOT_SERVING_can_be_set() =>
        Assert.Throws<ArgumentException>(() => new HealthStatusRegistry().SetStatus("x", ServingStatus.ServiceUnknown));

    [Fact]
    public async Task Watch_yields_the_current_status_then_changes_and_SERVICE_UNKNOWN_on_removal()
    {
        var registry = new HealthStatusRegistry();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<ServingStatus>();
        await using var watch = registry.WatchAsync("svc", cts.Token).GetAsyncEnumerator();

        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current);
        registry.SetStatus("svc", ServingStatus.Serving);
        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current);
        registry.SetStatus("svc", ServingStatus.Serving); // no change: not repeated
        registry.SetAllNotServing();
        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current);
        registry.Remove("svc");
        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current);

        Assert.Equal(new[] { ServingStatus.ServiceUnknown, ServingStatus.Serving, ServingStatus.NotServing, ServingStatus.ServiceUnknown }, seen);
    }
}
