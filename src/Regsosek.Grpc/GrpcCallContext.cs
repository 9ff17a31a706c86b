using Microsoft.AspNetCore.Http;

namespace Regsosek.Grpc;

/// <summary>What a handler knows about the call it serves.</summary>
public sealed class GrpcCallContext
{
    private Dictionary<string, string>? _responseTrailers;

    internal GrpcCallContext(HttpContext httpContext, string method, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The full method name, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>All request headers (custom metadata included; "-bin" values are base64).</summary>
    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;

    /// <summary>The raw authorization header, e.g. "Bearer eyJ...", or null when absent.</summary>
    public string? Authorization
    {
        get
        {
            var value = HttpContext.Request.Headers.Authorization;
            return value.Count == 0 ? null : value.ToString();
        }
    }

    /// <summary>The absolute deadline from grpc-timeout, or null when the client set none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Fires when the client cancels, the connection is lost, or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The client's address, "ip:port" or "[ipv6]:port" (or "unknown").</summary>
    public string Peer
    {
        get
        {
            var c = HttpContext.Connection;
            if (c.RemoteIpAddress is null)
                return "unknown";
            return c.RemoteIpAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"[{c.RemoteIpAddress}]:{c.RemotePort}"
                : $"{c.RemoteIpAddress}:{c.RemotePort}";
        }
    }

    /// <summary>Custom metadata sent to the client in the trailers (names lower-case, not "grpc-").</summary>
    public IDictionary<string, string> ResponseTrailers => _responseTrailers ??= new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The underlying ASP.NET Core context (connection, TLS client certificate, services).</summary>
    public HttpContext HttpContext { get; }

    internal IReadOnlyDictionary<string, string>? ResponseTrailersOrNull => _responseTrailers;
}
