using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Regsosek.Api;

/// <summary>Which web origins may call the service from a browser (gRPC-Web and HTTP/JSON). Default: none.</summary>
public sealed class CorsSettings
{
    /// <summary>The CORS policy's name.</summary>
    public const string PolicyName = "regsosek";

    /// <summary>Origins such as "https://sepakat.example.go.id"; "*" allows any origin. Empty: no cross-origin calls.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>Registers and maps the regsosek.v1 API on grpc-dotnet.</summary>
public static class ApiExtensions
{
    /// <summary>The names of the regsosek.v1 services, each reported by the health service.</summary>
    public static readonly string[] ServiceNames =
    [
        "regsosek.v1.CatalogService", "regsosek.v1.AggregateService", "regsosek.v1.AdminService", "regsosek.v1.ExtractService",
        "regsosek.v1.MatchingService", "regsosek.v1.ExtractJobService",
    ];

    /// <summary>
    /// Adds gRPC (receive limit from <see cref="LimitOptions"/>, no exception details to clients), HTTP/JSON
    /// transcoding, server reflection, the health service backed by the dataset and store health checks, the CORS
    /// policy, the call pipeline and the services. The services' own dependencies (catalogue, engine, stores, ...)
    /// and the <see cref="LimitOptions"/> (bound from configuration) are registered by the host.
    /// </summary>
    public static IServiceCollection AddRegsosekApi(this IServiceCollection services, CorsSettings cors)
    {
        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.MaxSendMessageSize = null;
        }).AddJsonTranscoding(o =>
            // a refusal's JSON body is its google.rpc.Status, whose details (ErrorInfo, BadRequest, ...) are Any
            o.TypeRegistry = TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor));
        services.AddGrpcReflection();
        services.AddHealthChecks()
            .AddCheck<DatasetHealthCheck>("dataset")
            .AddCheck<StoreHealthCheck>("stores")
            .AddCheck<ShutdownHealthCheck>("shutdown");
        services.AddGrpcHealthChecks(o =>
        {
            // Every service, and the server as a whole (""), is SERVING exactly while every check passes.
            o.Services.Map("", _ => true);
            foreach (var name in ServiceNames) o.Services.Map(name, _ => true);
        });
        services.AddCors(o => o.AddPolicy(CorsSettings.PolicyName, policy =>
        {
            if (cors.AllowedOrigins.Contains("*")) policy.AllowAnyOrigin();
            else policy.WithOrigins(cors.AllowedOrigins);
            policy.AllowAnyHeader().WithMethods("GET", "POST")
                .WithExposedHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding",
                    "grpc-accept-encoding", RequestInfo.HeaderName);
        }));
        services.AddOptions<GrpcServiceOptions>()
            .Configure<IOptions<LimitOptions>>((o, limits) => o.MaxReceiveMessageSize = Usable(limits).MaxReceiveMessageBytes);
        // ShutdownDrain (a hosted service) needs CallShutdown before the start-up validation reports bad limits: build it
        // from usable values; the validation then stops the start naming every bad setting.
        services.AddSingleton(sp =>
        {
            var limits = Usable(sp.GetRequiredService<IOptions<LimitOptions>>());
            return new CallShutdown(sp.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(), limits.ShutdownGrace, limits.ShutdownDrain);
        });
        services.AddHostedService<ShutdownDrain>();
        services.AddOptions<Microsoft.Extensions.Hosting.HostOptions>()
            .Configure<IOptions<LimitOptions>>((o, limits) => o.ShutdownTimeout = CallShutdown.HostShutdownTimeout(Usable(limits).ShutdownGrace, Usable(limits).ShutdownDrain));
        services.AddSingleton<CallRunner>();
        services.AddSingleton<CatalogApi>();
        services.AddSingleton<AggregatePipeline>();
        services.AddSingleton<AggregateApi>();
        services.AddSingleton<AdminApi>();
        services.AddSingleton<ExtractApi>();
        // Matching by NIK (docs/matching.md) over the extracts' dataset and partitions.
        services.AddSingleton(sp => new Regsosek.Extracts.Matching.MatchingEngine(
            sp.GetRequiredService<Regsosek.Extracts.ExtractService>().Dataset, null, null, sp.GetRequiredService<TimeProvider>()));
        // The summary's disclosure control takes the configured parameters (Regsosek:Disclosure), like aggregates.
        services.AddSingleton(sp => new Regsosek.Extracts.Matching.MatchSummaryRelease(
            sp.GetService<IOptions<Regsosek.Core.Disclosure.DisclosureOptions>>()?.Value));
        services.AddSingleton<MatchingQuota>();
        services.AddSingleton<MatchingApi>();
        // Extract jobs (docs/extract-jobs.md): the store and the ExtractJobOptions (with their Directory) come from the host.
        services.AddSingleton(sp => new ExtractJobs.ExtractJobFiles(() => sp.GetRequiredService<IOptions<ExtractJobs.ExtractJobOptions>>().Value.Directory
            ?? throw new InvalidOperationException("Regsosek:Extracts:Jobs:Directory is not set (the host sets it to the home's extract-jobs/)")));
        services.AddSingleton<ExtractJobs.ExtractJobHooks>();
        services.AddSingleton<ExtractJobs.ExtractJobWorker>();
        services.AddHostedService<ExtractJobs.DeferredHostedService<ExtractJobs.ExtractJobWorker>>();
        services.AddSingleton<ExtractJobs.ExtractJobSweeper>();
        services.AddHostedService<ExtractJobs.DeferredHostedService<ExtractJobs.ExtractJobSweeper>>();
        services.AddSingleton<ExtractJobsApi>();
        return services;
    }

    /// <summary>
    /// The request pipeline: request id and call log, CORS, gRPC-Web (for every service), then the regsosek.v1
    /// services (gRPC and their HTTP/JSON routes), the health service and server reflection.
    /// </summary>
    public static WebApplication MapRegsosekApi(this WebApplication app)
    {
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseRouting();
        app.UseCors();
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        Map(app.MapGrpcService<CatalogApi>());
        Map(app.MapGrpcService<AggregateApi>());
        Map(app.MapGrpcService<AdminApi>());
        Map(app.MapGrpcService<ExtractApi>());
        Map(app.MapGrpcService<MatchingApi>());
        Map(app.MapGrpcService<ExtractJobsApi>());
        Map(app.MapGrpcHealthChecksService());
        Map(app.MapGrpcReflectionService());
        return app;
    }

    /// <summary>
    /// The limits, or the defaults while they are invalid: grpc-dotnet and the host read their options while the app
    /// is built, before the start validates the settings (ValidateOnStart) and stops with every bad one named, so
    /// nothing is ever served under these defaults.
    /// </summary>
    private static LimitOptions Usable(IOptions<LimitOptions> limits)
    {
        try
        {
            return limits.Value;
        }
        catch (OptionsValidationException)
        {
            return new LimitOptions();
        }
    }

    private static void Map(IEndpointConventionBuilder endpoints) => endpoints.RequireCors(CorsSettings.PolicyName);
}
