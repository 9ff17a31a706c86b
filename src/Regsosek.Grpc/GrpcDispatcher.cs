using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Regsosek.Grpc;

/// <summary>
/// Serves one HTTP/2 request as a gRPC call: validates the call definition, runs the
/// method, and ends the response with the status in trailers (or trailers-only).
/// </summary>
internal sealed partial class GrpcDispatcher(GrpcServiceBuilder services, ILogger logger)
{
    private const string InternalErrorMessage = "Internal server error. The failure was logged; retry later or report it with the time of the call.";

    /// <summary>Serves a request to a registered method, or to an unknown one when <paramref name="method"/> is null.</summary>
    public Task HandleAsync(HttpContext http, GrpcMethodHandler? method)
    {
        var request = http.Request;
        var response = http.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return Task.CompletedTask;
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return response.WriteAsync($"Content-Type '{request.ContentType}' is not supported: gRPC requests must send 'application/grpc' or 'application/grpc+proto'.");
        }
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return response.WriteAsync($"gRPC needs HTTP/2; this request used {request.Protocol}.");
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;

        if (method is null)
            return RejectAsync(http, request.Path.Value ?? "", GrpcStatusCode.Unimplemented, UnknownMethodMessage(request.Path.Value ?? ""));

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && !encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
            return RejectAsync(http, method.FullName, GrpcStatusCode.Unimplemented,
                $"Message encoding '{encoding}' is not supported; this server accepts only 'identity' (uncompressed messages).");
        }

        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var t))
                return RejectAsync(http, method.FullName, GrpcStatusCode.Internal,
                    $"The grpc-timeout header '{timeoutHeader}' is malformed: it must be 1 to 8 digits followed by one of H, M, S, m, u, n.");
            timeout = t;
        }

        // Message sizes are limited per message (GrpcServerOptions), not per request body.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = null;

        return RunAsync(http, method, timeout);
    }

    private async Task RunAsync(HttpContext http, GrpcMethodHandler method, TimeSpan? timeout)
    {
        using var call = new GrpcServerCall(http, method, services.Options, timeout);
        GrpcStatusCode status;
        string message;
        Google.Rpc.Status? rich = null;
        try
        {
            await method.RunAsync(call).ConfigureAwait(false);
            status = GrpcStatusCode.OK;
            message = "";
        }
        catch (Exception e) when (call.ClientAborted)
        {
            // Nothing can reach the client any more (RST_STREAM or connection lost).
            LogCancelled(logger, method.FullName, call.Context.Peer, e.GetType().Name);
            return;
        }
        catch (Exception e) when (call.DeadlineExceeded && e is not GrpcException)
        {
            status = GrpcStatusCode.DeadlineExceeded;
            message = "The deadline of the call (grpc-timeout) passed before the server finished; allow more time or ask for less.";
            LogFailed(logger, method.FullName, status, message, call.Context.Peer);
        }
        catch (GrpcException e)
        {
            status = e.Status;
            message = e.Detail;
            rich = e.RichStatus;
            LogFailed(logger, method.FullName, status, message, call.Context.Peer);
        }
        catch (Exception e)
        {
            status = GrpcStatusCode.Internal;
            message = InternalErrorMessage;
            LogUnhandled(logger, e, method.FullName, call.Context.Peer);
        }

        try
        {
            SetStatus(http.Response, call.MessagesWritten, status, message, rich, ValidTrailers(call));
        }
        catch (Exception e) when (call.ClientAborted || e is InvalidOperationException)
        {
            LogStatusNotSent(logger, e, method.FullName, status);
        }
    }

    /// <summary>The handler's custom trailers that HTTP/2 can carry; others are dropped with a warning, so the status still goes out.</summary>
    private IReadOnlyDictionary<string, string>? ValidTrailers(GrpcServerCall call)
    {
        var trailers = call.Context.ResponseTrailersOrNull;
        if (trailers is null || trailers.All(t => IsValidTrailer(t.Key, t.Value)))
            return trailers;
        foreach (var (name, _) in trailers.Where(t => !IsValidTrailer(t.Key, t.Value)))
            LogTrailerDropped(logger, call.Method.FullName, name);
        return trailers.Where(t => IsValidTrailer(t.Key, t.Value)).ToDictionary(t => t.Key, t => t.Value);
    }

    private static bool IsValidTrailer(string name, string value) =>
        name.Length > 0
        && !name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        && name.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.')
        && value.All(c => c is >= ' ' and <= '~');

    private Task RejectAsync(HttpContext http, string method, GrpcStatusCode status, string message)
    {
        LogFailed(logger, method, status, message, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        SetStatus(http.Response, messagesWritten: false, status, message, null, null);
        return Task.CompletedTask;
    }

    private string UnknownMethodMessage(string path)
    {
        var slash = path.IndexOf('/', 1);
        if (path.Length < 2 || path[0] != '/' || slash < 0)
            return $"'{path}' is not a gRPC method path; use /package.Service/Method.";
        var service = path[1..slash];
        return services.HasService(service)
            ? $"Method '{path[(slash + 1)..]}' of service '{service}' is not implemented by this server."
            : $"Service '{service}' is not implemented by this server.";
    }

    /// <summary>
    /// Puts the status in the trailers, or, when no message was written, in the headers
    /// of a trailers-only response (one HEADERS frame with END_STREAM).
    /// </summary>
    internal static void SetStatus(HttpResponse response, bool messagesWritten, GrpcStatusCode status, string message,
        Google.Rpc.Status? rich, IReadOnlyDictionary<string, string>? customTrailers)
    {
        var trailersOnly = !messagesWritten && !response.HasStarted;
        void Set(string name, string value)
        {
            if (trailersOnly)
                response.Headers[name] = value;
            else
                response.AppendTrailer(name, value);
        }

        if (customTrailers is not null)
            foreach (var (name, value) in customTrailers)
                Set(name.ToLowerInvariant(), value);

        Set(GrpcProtocol.StatusHeader, StatusText((int)status));
        if (message.Length > 0)
            Set(GrpcProtocol.MessageHeader, GrpcStatusMessage.Encode(message));
        if (rich is not null)
        {
            if (rich.Code != (int)status || rich.Message.Length == 0)
            {
                // The details must agree with grpc-status and grpc-message.
                rich = rich.Clone();
                rich.Code = (int)status;
                if (rich.Message.Length == 0)
                    rich.Message = message;
            }
            Set(GrpcProtocol.StatusDetailsHeader, Convert.ToBase64String(rich.ToByteArray()).TrimEnd('='));
        }
    }

    private static readonly string[] StatusTexts = Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string StatusText(int code) => (uint)code < StatusTexts.Length ? StatusTexts[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "gRPC call {Method} from {Peer} ended with {Status}: {Detail}")]
    private static partial void LogFailed(ILogger logger, string method, GrpcStatusCode status, string detail, string peer);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "gRPC call {Method} from {Peer} failed with an unhandled exception; the client got INTERNAL")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string peer);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "gRPC call {Method} from {Peer} was cancelled by the client ({ExceptionType})")]
    private static partial void LogCancelled(ILogger logger, string method, string peer, string exceptionType);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "gRPC call {Method}: response trailer '{Name}' dropped: names must be [a-z0-9-_.] and not start with grpc-, values printable ASCII")]
    private static partial void LogTrailerDropped(ILogger logger, string method, string name);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "gRPC call {Method}: the status {Status} could not be sent")]
    private static partial void LogStatusNotSent(ILogger logger, Exception exception, string method, GrpcStatusCode status);
}
