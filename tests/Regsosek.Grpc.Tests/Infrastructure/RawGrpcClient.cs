using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Regsosek.Grpc.Tests.Infrastructure;

/// <summary>The outcome of a raw HTTP/2 gRPC call: HTTP status, headers, body messages, gRPC status.</summary>
public sealed record RawResponse(
    HttpStatusCode HttpStatus,
    string? ContentType,
    IReadOnlyList<byte[]> Messages,
    int? GrpcStatus,
    string? GrpcMessage,
    Google.Rpc.Status? RichStatus,
    bool TrailersOnly,
    string? Allow,
    HttpResponseHeaders Headers,
    HttpResponseHeaders Trailers);

/// <summary>
/// Sends hand-made gRPC requests with .NET's HttpClient over HTTP/2 with prior knowledge,
/// for what a real client library would never send.
/// </summary>
public sealed class RawGrpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _baseUri;

    public RawGrpcClient(Uri baseUri, HttpMessageHandler? handler = null)
    {
        _baseUri = baseUri;
        _http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>A length-prefixed message: flag, 4-byte big-endian length, bytes.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message, byte compressedFlag = 0, uint? declaredLength = null)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = compressedFlag;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), declaredLength ?? (uint)message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public Task<RawResponse> CallAsync(string path, byte[] body, string contentType = "application/grpc",
        IReadOnlyDictionary<string, string>? headers = null, HttpMethod? method = null) =>
        SendAsync(path, body, contentType, headers, method ?? HttpMethod.Post);

    private async Task<RawResponse> SendAsync(string path, byte[] body, string contentType, IReadOnlyDictionary<string, string>? headers, HttpMethod method)
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseUri, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (headers is not null)
            foreach (var (name, value) in headers)
                request.Headers.TryAddWithoutValidation(name, value);

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var isGrpc = response.Content.Headers.ContentType?.MediaType == "application/grpc";
        var messages = isGrpc ? SplitMessages(bytes) : [];

        var trailersOnly = response.Headers.Contains("grpc-status");
        var source = trailersOnly ? response.Headers : response.TrailingHeaders;
        int? status = source.TryGetValues("grpc-status", out var s) ? int.Parse(s.Single()) : null;
        string? message = source.TryGetValues("grpc-message", out var m) ? Grpc.GrpcStatusMessage.Decode(m.Single()) : null;
        Google.Rpc.Status? rich = null;
        if (source.TryGetValues("grpc-status-details-bin", out var d))
        {
            var b64 = d.Single();
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            rich = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(b64));
        }
        return new RawResponse(response.StatusCode, response.Content.Headers.ContentType?.ToString(), messages,
            status, message, rich, trailersOnly, string.Join(",", response.Content.Headers.Allow), response.Headers, response.TrailingHeaders);
    }

    private static List<byte[]> SplitMessages(byte[] body)
    {
        var list = new List<byte[]>();
        var offset = 0;
        while (offset + 5 <= body.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            list.Add(body.AsSpan(offset + 5, length).ToArray());
            offset += 5 + length;
        }
        if (offset != body.Length)
            throw new InvalidDataException($"response body has {body.Length - offset} stray bytes after its messages");
        return list;
    }

    public void Dispose() => _http.Dispose();
}
