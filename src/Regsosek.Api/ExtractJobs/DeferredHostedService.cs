using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// Starts a hosted service that is resolved only when the host starts it. The host resolves its hosted services before
/// it validates the settings (ValidateOnStart); a service whose dependencies read options (the extract runner reads
/// Regsosek:Extracts) would then fail alone with the first bad setting instead of the validation naming every one.
/// </summary>
internal sealed class DeferredHostedService<T>(IServiceProvider services) : IHostedService where T : IHostedService
{
    private T? _service;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _service = services.GetRequiredService<T>();
        return _service.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _service is { } s ? s.StopAsync(cancellationToken) : Task.CompletedTask;
}
