using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Regsosek.Grpc.Health;
using Xunit;

namespace Regsosek.Grpc.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) serving the echo test service and the
/// health service through our gRPC layer; shared by the tests of a class.
/// </summary>
public class GrpcTestServer : IAsyncLifetime
{
    private WebApplication? _app;

    public CallRecorder Recorder { get; } = new();
    public HealthStatusRegistry Health { get; } = new();
    public CapturingLoggerProvider Logs { get; } = new();

    public GrpcTestServer() { }

    /// <summary>A server that speaks TLS with this PKCS#12 file.</summary>
    protected GrpcTestServer(string certificatePath, string certificatePassword)
    {
        CertificatePath = certificatePath;
        CertificatePassword = certificatePassword;
    }

    public string? CertificatePath { get; }
    public string? CertificatePassword { get; }

    /// <summary>"127.0.0.1:port".</summary>
    public string Address { get; private set; } = "";

    /// <summary>"http://127.0.0.1:port" or "https://...".</summary>
    public Uri BaseUri { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(k => k.ListenGrpc(new GrpcListenSettings
        {
            Host = "127.0.0.1",
            Port = 0,
            CertificatePath = CertificatePath,
            CertificatePassword = CertificatePassword,
        }));
        _app = builder.Build();

        Health.SetStatus(EchoTestService.Name, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        var services = new GrpcServiceBuilder()
            .AddEchoService(Recorder, Health)
            .AddHealthService(Health);
        _app.MapGrpc(services);

        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUri = new Uri(address);
        Address = $"{BaseUri.Host}:{BaseUri.Port}";
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
