using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Regsosek.Grpc;

/// <summary>Hooks a <see cref="GrpcServiceBuilder"/> into ASP.NET Core endpoint routing.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>Route order of the catch-all that answers unknown methods: after every other endpoint.</summary>
    private const int UnknownMethodOrder = int.MaxValue - 1000;

    /// <summary>
    /// Maps every registered method at "/package.Service/Method", and any other two-segment
    /// path that carries a gRPC request to UNIMPLEMENTED. Returns a convention builder for
    /// the registered methods (e.g. to add metadata or authorization policies).
    /// </summary>
    public static IEndpointConventionBuilder MapGrpc(this IEndpointRouteBuilder endpoints, GrpcServiceBuilder services)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(services);
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("Regsosek.Grpc") ?? NullLogger.Instance;
        var dispatcher = new GrpcDispatcher(services, logger);

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in services.Methods)
        {
            var m = method;
            builders.Add(endpoints.Map(m.FullName, http => dispatcher.HandleAsync(http, m))
                .WithDisplayName($"gRPC {m.FullName}"));
        }

        endpoints.Map("/{service}/{method}", http =>
                GrpcProtocol.IsGrpcContentType(http.Request.ContentType)
                    ? dispatcher.HandleAsync(http, null)
                    : NotFound(http))
            .WithDisplayName("gRPC unknown method")
            .Add(b => ((RouteEndpointBuilder)b).Order = UnknownMethodOrder);

        return new CompositeConventionBuilder(builders);
    }

    private static Task NotFound(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var b in builders)
                b.Add(convention);
        }
    }
}
