using Grpc.Health.V1;

namespace Regsosek.Grpc.Health;

/// <summary>Registers the standard health service grpc.health.v1.Health (grpc/grpc doc/health-checking.md).</summary>
public static class HealthService
{
    /// <summary>The service name clients call.</summary>
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary>
    /// Adds Check (the current status; NOT_FOUND for an unregistered service) and Watch
    /// (the current status, then every change, until the client cancels) backed by
    /// <paramref name="registry"/>.
    /// </summary>
    public static GrpcServiceBuilder AddHealthService(this GrpcServiceBuilder builder, HealthStatusRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return builder
            .Unary<HealthCheckRequest, HealthCheckResponse>(ServiceName, "Check", HealthCheckRequest.Parser, (request, _) =>
                registry.TryGetStatus(request.Service, out var status)
                    ? Task.FromResult(new HealthCheckResponse { Status = status })
                    : throw GrpcException.NotFound("service", request.Service,
                        $"Service '{request.Service}' is not registered for health checking."))
            .ServerStreaming<HealthCheckRequest, HealthCheckResponse>(ServiceName, "Watch", HealthCheckRequest.Parser, async (request, stream, context) =>
            {
                await foreach (var status in registry.WatchAsync(request.Service, context.CancellationToken).ConfigureAwait(false))
                    await stream.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
            });
    }

}
