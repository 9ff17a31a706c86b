using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Regsosek.LoadBenchmark;

/// <summary>A gRPC call that did not end with status OK (or broke the protocol).</summary>
public sealed class GrpcCallException(int status, string message)
    : Exception($"gRPC status {status}: {message}")
{
    /// <summary>The grpc-status code (2 UNKNOWN for protocol errors on the client side).</summary>
    public int Status { get; } = status;
}

/// <summary>
/// The smallest gRPC client the benchmark needs: unary calls over cleartext HTTP/2 with prior knowledge
/// (HttpClient with <see cref="HttpVersionPolicy.RequestVersionExact"/>), length-prefixed protobuf messages,
/// grpc-status read from the trailers (or from the headers of a trailers-only response). One HTTP/2
/// connection multiplexes the concurrent calls. Thread-safe.
/// </summary>
public sealed class GrpcUnaryClient : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");
    private readonly HttpClient _http;

    /// <summary>A client of the server at <paramref name="baseAddress"/> (http://host:port).</summary>
    public GrpcUnaryClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>
    /// Calls <paramref name="method"/> ("/package.Service/Method") with <paramref name="request"/>, as the
    /// holder of <paramref name="bearerToken"/> (null: no authorization header, the public).
    /// </summary>
    /// <exception cref="GrpcCallException">The call ended with a status other than OK, or broke the protocol.</exception>
    public async Task<TResponse> CallAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser,
        string? bearerToken, CancellationToken ct = default)
        where TResponse : IMessage<TResponse>
    {
        int size = request.CalculateSize();
        var frame = new byte[5 + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)size);
        request.WriteTo(frame.AsSpan(5));

        using var message = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        message.Content.Headers.ContentType = GrpcContentType;
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (bearerToken is not null) message.Headers.TryAddWithoutValidation("authorization", "Bearer " + bearerToken);

        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new GrpcCallException(2, $"HTTP status {(int)response.StatusCode} from {method}");
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);

        // Trailers-only responses carry the status in the headers; normal ones in the trailers.
        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status")
            ?? throw new GrpcCallException(2, $"{method}: the response has no grpc-status");
        if (status != "0")
        {
            var text = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message") ?? "";
            throw new GrpcCallException(int.TryParse(status, out var code) ? code : 2, Uri.UnescapeDataString(text));
        }
        if (body.Length < 5)
            throw new GrpcCallException(2, $"{method}: status OK but {body.Length} body bytes, no message");
        if (body[0] != 0)
            throw new GrpcCallException(2, $"{method}: the response message is compressed; the benchmark asked for none");
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        if (length != body.Length - 5)
            throw new GrpcCallException(2, $"{method}: a unary response must hold exactly one message ({length} declared, {body.Length - 5} received)");
        return parser.ParseFrom(body, 5, length);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
