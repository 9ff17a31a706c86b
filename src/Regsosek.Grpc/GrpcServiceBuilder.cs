using Google.Protobuf;

namespace Regsosek.Grpc;

/// <summary>
/// The gRPC methods a server serves, registered by service and method name, and the
/// server's limits. Hook it into ASP.NET Core with
/// <see cref="GrpcEndpointRouteBuilderExtensions.MapGrpc"/>.
/// </summary>
public sealed class GrpcServiceBuilder
{
    private readonly Dictionary<string, GrpcMethodHandler> _methods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);

    /// <summary>Creates an empty builder with the given limits (defaults when null).</summary>
    public GrpcServiceBuilder(GrpcServerOptions? options = null) => Options = options ?? new GrpcServerOptions();

    /// <summary>The server's limits.</summary>
    public GrpcServerOptions Options { get; }

    /// <summary>The full names ("/package.Service/Method") of the registered methods.</summary>
    public IReadOnlyCollection<string> MethodNames => _methods.Keys;

    /// <summary>The names ("package.Service") of the registered services.</summary>
    public IReadOnlyCollection<string> ServiceNames => _services;

    /// <summary>Registers a unary method: one request message, one response message.</summary>
    /// <param name="service">The fully qualified service name, e.g. "regsosek.v1.AggregateService".</param>
    /// <param name="method">The method name, e.g. "Count".</param>
    /// <param name="parser">The request message parser, e.g. CountRequest.Parser.</param>
    /// <param name="handler">Runs the call; throw <see cref="GrpcException"/> to end it with a status.</param>
    public GrpcServiceBuilder Unary<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new UnaryMethodHandler<TRequest, TResponse>(service, method, parser, handler));
    }

    /// <summary>Registers a server-streaming method: one request message, a stream of response messages.</summary>
    /// <param name="service">The fully qualified service name.</param>
    /// <param name="method">The method name.</param>
    /// <param name="parser">The request message parser.</param>
    /// <param name="handler">Runs the call, writing each response through the writer as it is produced.</param>
    public GrpcServiceBuilder ServerStreaming<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new ServerStreamingMethodHandler<TRequest, TResponse>(service, method, parser, handler));
    }

    internal bool TryGetMethod(string path, out GrpcMethodHandler handler) => _methods.TryGetValue(path, out handler!);

    internal bool HasService(string service) => _services.Contains(service);

    internal IEnumerable<GrpcMethodHandler> Methods => _methods.Values;

    private GrpcServiceBuilder Add(GrpcMethodHandler handler)
    {
        ValidateName(handler.Service, "service");
        ValidateName(handler.Method, "method");
        if (!_methods.TryAdd(handler.FullName, handler))
            throw new ArgumentException($"The method {handler.FullName} is already registered.");
        _services.Add(handler.Service);
        return this;
    }

    private static void ValidateName(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Any(char.IsWhiteSpace))
            throw new ArgumentException($"The {what} name '{name}' is invalid: it must be non-empty, without '/' or spaces.", what);
    }
}
