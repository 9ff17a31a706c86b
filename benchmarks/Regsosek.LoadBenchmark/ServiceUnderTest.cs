using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AggregateService = Regsosek.Api.V1.AggregateService;
using Regsosek.Core;
using Regsosek.Core.Disclosure;
using Regsosek.Host;
using Regsosek.Stores.Grants;

namespace Regsosek.LoadBenchmark;

/// <summary>
/// The real service (<see cref="ServiceHost.Build"/>) started in this process on a loopback port chosen by
/// the OS, with its own temporary home (SQLite grants and audit), a tier-2 national grant issued directly
/// through its grant store, and grpc-dotnet typed clients. Optionally with disclosure control replaced by
/// <see cref="PassThroughDisclosure"/>; everything else is the production pipeline.
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _home;

    private ServiceUnderTest(string name, WebApplication app, string home, Uri address, string token)
    {
        Name = name;
        _app = app;
        _home = home;
        Address = address;
        Token = token;
        // One HTTP/2 connection multiplexes the concurrent calls, as a service's single client would.
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = null,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                AutomaticDecompression = DecompressionMethods.None,
                UseProxy = false,
            },
        });
        Aggregates = new AggregateService.AggregateServiceClient(Channel);
        Health = new Health.HealthClient(Channel);
    }

    /// <summary>"service" or "service without DC".</summary>
    public string Name { get; }

    /// <summary>Where the server listens (http://127.0.0.1:port).</summary>
    public Uri Address { get; }

    /// <summary>Bearer token of the tier-2 national grant.</summary>
    public string Token { get; }

    /// <summary>The channel to this server (grpc-dotnet, one HTTP/2 connection).</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The typed client of the aggregate service.</summary>
    public AggregateService.AggregateServiceClient Aggregates { get; }

    /// <summary>The typed client of the standard health service.</summary>
    public Health.HealthClient Health { get; }

    /// <summary>The server's services (the pipeline's components, for the stage profile).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds and starts the service over <paramref name="dataset"/>.</summary>
    /// <param name="resultCache">False: the engine's result cache is off (every request runs its query).</param>
    public static async Task<ServiceUnderTest> StartAsync(string name, string dataset, bool passThroughDisclosure, bool resultCache = true)
    {
        var home = Path.Combine(Path.GetTempPath(), $"regsosek-loadbench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(home);
        var options = new ServiceOptions { Home = home, Dataset = dataset, Host = "127.0.0.1", Port = 0, HttpPort = -1 };
        if (!resultCache) options.EngineResultCacheCells = 0;
        var app = ServiceHost.Build(options, services =>
        {
            // The host's appsettings.json levels: no per-request hosting logs.
            services.AddLogging(b => b.AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
                .AddFilter("Microsoft.Hosting", LogLevel.Warning));
            if (passThroughDisclosure) services.AddSingleton<IDisclosureControl>(new PassThroughDisclosure());
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the server started but reports no address");

        var issued = await app.Services.GetRequiredService<IGrantStore>().IssueAsync(new GrantRequest
        {
            Organisation = "Kementerian PPN/Bappenas",
            Unit = "Sepakat (load benchmark)",
            Tier = Tier.Disaggregated,
            Region = RegionCode.National,
            Purpose = "end-to-end load benchmark of the aggregate service",
        }).ConfigureAwait(false);
        return new ServiceUnderTest(name, app, home, new Uri(address), issued.Token);
    }

    /// <summary>Stops the server and deletes its home.</summary>
    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        try { Directory.Delete(_home, recursive: true); }
        catch (IOException) { /* a temp folder left behind is harmless */ }
    }
}
