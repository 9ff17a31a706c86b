using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Regsosek.Api;

/// <summary>
/// Gives every request a request id — the client's <c>x-request-id</c> when it is a sane short token, else a
/// new one — returns it in the response's <c>x-request-id</c> header, puts it in the logging scope, and logs
/// each request once when it ends: request id, grant, tier, method, status, latency and the trace id (of the request's
/// span, which also gets the request id as <c>regsosek.request_id</c>). gRPC, gRPC-Web and
/// HTTP/JSON calls alike.
/// </summary>
public sealed partial class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var clock = Stopwatch.StartNew();
        var sent = http.Request.Headers[RequestInfo.HeaderName].ToString();
        var info = new RequestInfo(RequestInfo.IsSane(sent) ? sent : RequestInfo.NewId());
        http.Features.Set(info);
        http.TraceIdentifier = info.RequestId;
        http.Response.Headers[RequestInfo.HeaderName] = info.RequestId;
        Telemetry.TagRequest(info.RequestId);
        using var scope = logger.BeginScope(new KeyValuePair<string, object>[] { new("RequestId", info.RequestId) });
        try
        {
            await next(http);
        }
        finally
        {
            LogCall(logger, info.RequestId, info.GrantId ?? "-", TierOf(info), info.Method ?? http.Request.Path.Value ?? "", StatusOf(http, info),
                clock.Elapsed.TotalMilliseconds, Activity.Current?.TraceId.ToHexString() ?? "-");
        }
    }

    /// <summary>
    /// The gRPC status the pipeline recorded; else the grpc-status the response carries (health, reflection,
    /// a call refused before it reached a handler); else the HTTP status.
    /// </summary>
    private static string StatusOf(HttpContext http, RequestInfo info)
    {
        if (info.Status is { } status) return status.ToString();
        var grpc = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] is { Count: > 0 } trailer
            ? trailer.ToString()
            : http.Response.Headers["grpc-status"].ToString();
        if (int.TryParse(grpc, out var code)) return ((Grpc.Core.StatusCode)code).ToString();
        return $"HTTP {http.Response.StatusCode}";
    }

    /// <summary>The caller's tier ("1" for the public) once the pipeline saw the call; "-" for calls it never saw (health, reflection).</summary>
    private static string TierOf(RequestInfo info) => info.Method is null ? "-" : Telemetry.TierText(info.Tier);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "{RequestId} grant {GrantId} tier {Tier} {Method} {Status} in {LatencyMs:0.0} ms trace {TraceId}")]
    private static partial void LogCall(ILogger logger, string requestId, string grantId, string tier, string method, string status,
        double latencyMs, string traceId);
}
