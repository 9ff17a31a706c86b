using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Regsosek.Api;

/// <summary>
/// What is known about one HTTP request while it runs: its request id (sent back as <c>x-request-id</c>),
/// and, once <see cref="CallRunner"/> has seen it, the grant it ran under and the gRPC status it ended with.
/// <see cref="RequestLogMiddleware"/> creates it and writes the one log line of the request from it.
/// </summary>
public sealed class RequestInfo
{
    /// <summary>The header (request and response) carrying the request id.</summary>
    public const string HeaderName = "x-request-id";

    /// <summary>The longest client-sent request id accepted; a longer or odd one is replaced.</summary>
    public const int MaxClientIdLength = 64;

    public RequestInfo(string requestId) => RequestId = requestId;

    /// <summary>The client's <c>x-request-id</c> when it is a sane short token, else one made here.</summary>
    public string RequestId { get; }

    /// <summary>The gRPC method ("/regsosek.v1.AggregateService/Aggregate"), also of an HTTP/JSON call, once the pipeline saw it.</summary>
    public string? Method { get; set; }

    /// <summary>The grant the call ran under, when it named one.</summary>
    public string? GrantId { get; set; }

    /// <summary>The tier of the grant the call ran under; null for the public (no grant recognised).</summary>
    public Regsosek.Core.Tier? Tier { get; set; }

    /// <summary>The gRPC status the call ended with, when the pipeline set it.</summary>
    public StatusCode? Status { get; set; }

    /// <summary>The request info of a call, or null when the call did not come through HTTP.</summary>
    public static RequestInfo? Of(ServerCallContext context) =>
        context.GetHttpContext()?.Features.Get<RequestInfo>();

    /// <summary>
    /// Accepts a client-sent id of 1 to <see cref="MaxClientIdLength"/> characters from [A-Za-z0-9._:-]
    /// (a UUID, a trace id, a short token), so that it is safe to log and echo.
    /// </summary>
    public static bool IsSane(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxClientIdLength) return false;
        foreach (var c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
                return false;
        return true;
    }

    /// <summary>A new request id: 32 hex digits.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");
}
