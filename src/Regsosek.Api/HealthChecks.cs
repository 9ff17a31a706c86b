using Microsoft.Extensions.Diagnostics.HealthChecks;
using Regsosek.Schema;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;

namespace Regsosek.Api;

/// <summary>Healthy while the grant store and the audit trail answer a read (a service that cannot audit cannot serve data).</summary>
public sealed class StoreHealthCheck(IGrantStore grants, IAuditLog audit) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await grants.GetAsync("health-check", cancellationToken).ConfigureAwait(false);
            await audit.GetHeadAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("the grant store and the audit trail answer");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the grant store or the audit trail does not answer", e);
        }
    }
}

/// <summary>Healthy while the dataset the service was started on is still there (its manifest and partition folders).</summary>
public sealed class DatasetHealthCheck(DatasetInfo dataset) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var manifest = Path.Combine(dataset.Directory, DatasetLayout.ManifestFileName);
        return Task.FromResult(File.Exists(manifest) && Directory.Exists(dataset.Directory)
            ? HealthCheckResult.Healthy($"dataset at {dataset.Directory}")
            : HealthCheckResult.Unhealthy($"the dataset's manifest {manifest} is gone"));
    }
}

/// <summary>Unhealthy from the moment the server begins to stop, so that load balancers drain it while calls in flight finish.</summary>
public sealed class ShutdownHealthCheck(Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("the server is stopping")
            : HealthCheckResult.Healthy());
}
