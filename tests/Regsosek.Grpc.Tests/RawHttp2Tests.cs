using System.Net;
using Google.Protobuf;
using Google.Rpc;
using Regsosek.Grpc.Tests.Infrastructure;
using Regsosek.Testing.V1;
using Xunit;

namespace Regsosek.Grpc.Tests;

/// <summary>
/// Hand-made HTTP/2 requests (HttpClient, prior knowledge) for what a real gRPC client
/// library would never send; after each, the same connection must still serve a good call.
/// </summary>
public sealed class RawHttp2Tests(GrpcTestServer server) : IClassFixture<GrpcTestServer>, IDisposable
{
    private const string EchoPath = "/regsosek.testing.v1.EchoService/Echo";
    private readonly RawGrpcClient _client = new(server.BaseUri);

    public void Dispose() => _client.Dispose();

    private static byte[] EchoBody(string text) => RawGrpcClient.Frame(new EchoRequest { Text = text });

    private async Task AssertServerStillAnswers()
    {
        var text = "still alive " + Guid.NewGuid();
        var response = await _client.CallAsync(EchoPath, EchoBody(text));
        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(text, EchoReply.Parser.ParseFrom(response.Messages.Single()).Text);
    }

    [Fact]
    public async Task A_good_unary_call_has_headers_one_message_and_OK_trailers()
    {
        var response = await _client.CallAsync(EchoPath, EchoBody("halo"), contentType: "application/grpc+proto");

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.False(response.TrailersOnly);
        Assert.Equal("halo", EchoReply.Parser.ParseFrom(response.Messages.Single()).Text);
        Assert.Equal(0, response.GrpcStatus);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/grpc+json")]
    public async Task A_non_grpc_content_type_is_HTTP_415(string contentType)
    {
        var response = await _client.CallAsync(EchoPath, EchoBody("x"), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
        Assert.Null(response.GrpcStatus);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task An_error_after_some_stream_messages_goes_in_trailers_after_them()
    {
        var response = await _client.CallAsync("/regsosek.testing.v1.EchoService/Count", RawGrpcClient.Frame(new CountRequest { N = 10, FailAfter = 4 }));

        Assert.False(response.TrailersOnly);
        Assert.Equal(new[] { 1, 2, 3, 4 }, response.Messages.Select(m => CountReply.Parser.ParseFrom(m).Value));
        Assert.Equal((int)GrpcStatusCode.FailedPrecondition, response.GrpcStatus);
        Assert.Equal("stopped after 4 messages", response.GrpcMessage);
        Assert.Equal("STREAM", response.RichStatus!.Details.Single().Unpack<PreconditionFailure>().Violations.Single().Type);
    }

    [Fact]
    public async Task A_GET_is_HTTP_405()
    {
        var response = await _client.CallAsync(EchoPath, [], method: HttpMethod.Get);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.HttpStatus);
        Assert.Equal("POST", response.Allow);
    }

    [Fact]
    public async Task An_oversize_prefix_is_RESOURCE_EXHAUSTED_before_the_payload_is_buffered()
    {
        // The prefix claims 4 MiB + 1 but only 10 bytes follow: the server must answer from
        // the prefix (else it would report an incomplete message instead).
        var body = RawGrpcClient.Frame(new byte[10], declaredLength: 4 * 1024 * 1024 + 1);
        var response = await _client.CallAsync(EchoPath, body);

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.TrailersOnly);
        Assert.Equal((int)GrpcStatusCode.ResourceExhausted, response.GrpcStatus);
        Assert.Contains("4194304", response.GrpcMessage);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task A_compressed_message_without_grpc_encoding_is_INTERNAL()
    {
        var body = RawGrpcClient.Frame(new EchoRequest { Text = "x" }.ToByteArray(), compressedFlag: 1);
        var response = await _client.CallAsync(EchoPath, body);

        Assert.Equal((int)GrpcStatusCode.Internal, response.GrpcStatus);
        Assert.Contains("compressed", response.GrpcMessage);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task An_unsupported_grpc_encoding_is_UNIMPLEMENTED_with_accept_encoding_identity()
    {
        var response = await _client.CallAsync(EchoPath, EchoBody("x"), headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal((int)GrpcStatusCode.Unimplemented, response.GrpcStatus);
        Assert.Equal("identity", response.Headers.GetValues("grpc-accept-encoding").Single());
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task Identity_grpc_encoding_is_accepted()
    {
        var response = await _client.CallAsync(EchoPath, EchoBody("plain"), headers: new Dictionary<string, string> { ["grpc-encoding"] = "identity" });

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal("plain", EchoReply.Parser.ParseFrom(response.Messages.Single()).Text);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x41 })]          // field 1, length 5, one byte: truncated
    [InlineData(new byte[] { 0x0F, 0x01, 0x02 })]          // wire type 7 does not exist
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })] // malformed varint tag
    public async Task Garbage_protobuf_is_INTERNAL(byte[] garbage)
    {
        var response = await _client.CallAsync(EchoPath, RawGrpcClient.Frame(garbage));

        Assert.Equal((int)GrpcStatusCode.Internal, response.GrpcStatus);
        Assert.Contains("not a valid protobuf", response.GrpcMessage);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task A_unary_request_without_a_message_is_UNIMPLEMENTED()
    {
        var response = await _client.CallAsync(EchoPath, []);

        Assert.Equal((int)GrpcStatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("no message", response.GrpcMessage);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task A_unary_request_with_two_messages_is_UNIMPLEMENTED()
    {
        var response = await _client.CallAsync(EchoPath, [.. EchoBody("one"), .. EchoBody("two")]);

        Assert.Equal((int)GrpcStatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("more than one message", response.GrpcMessage);
        Assert.Empty(response.Messages);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task A_body_ending_inside_a_message_is_INTERNAL()
    {
        var whole = EchoBody("this message is cut short");
        var response = await _client.CallAsync(EchoPath, whole[..^4]);

        Assert.Equal((int)GrpcStatusCode.Internal, response.GrpcStatus);
        Assert.Contains("ended in the middle", response.GrpcMessage);
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task An_unknown_method_is_a_trailers_only_UNIMPLEMENTED()
    {
        var response = await _client.CallAsync("/regsosek.testing.v1.EchoService/Nope", EchoBody("x"));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.True(response.TrailersOnly);
        Assert.Empty(response.Messages);
        Assert.Equal((int)GrpcStatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("'Nope'", response.GrpcMessage);
    }

    [Fact]
    public async Task A_server_side_deadline_ends_the_call_with_DEADLINE_EXCEEDED_and_cancels_the_handler()
    {
        var callId = Guid.NewGuid().ToString("N");
        var response = await _client.CallAsync("/regsosek.testing.v1.EchoService/WaitForCancel",
            RawGrpcClient.Frame(new WaitRequest { CallId = callId }),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "150m" });

        Assert.Equal((int)GrpcStatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.Equal("cancelled", await server.Recorder.WaitForOutcomeAsync(callId));
        await AssertServerStillAnswers();
    }

    [Fact]
    public async Task A_malformed_grpc_timeout_is_refused_with_a_message_saying_the_format()
    {
        var response = await _client.CallAsync(EchoPath, EchoBody("x"), headers: new Dictionary<string, string> { ["grpc-timeout"] = "123456789S" });

        Assert.Equal((int)GrpcStatusCode.Internal, response.GrpcStatus);
        Assert.Contains("grpc-timeout", response.GrpcMessage);
    }

    [Fact]
    public async Task A_GrpcException_in_a_handler_sends_status_message_and_details_trailers_only()
    {
        var response = await _client.CallAsync("/regsosek.testing.v1.EchoService/FailWithDetails", EchoBody("tanggal 31/02 tidak ada; 100% salah"));

        Assert.True(response.TrailersOnly);
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, response.GrpcStatus);
        Assert.Equal("text: tanggal 31/02 tidak ada; 100% salah", response.GrpcMessage);
        var raw = response.Headers.GetValues("grpc-message").Single();
        Assert.All(raw, c => Assert.InRange(c, ' ', '~'));
        Assert.NotNull(response.RichStatus);
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, response.RichStatus!.Code);
        var bad = response.RichStatus.Details.Single().Unpack<BadRequest>();
        Assert.Equal("text", bad.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task Server_streaming_is_bounded_by_transport_back_pressure()
    {
        // 400 messages of 64 KiB (25 MiB) to a client that reads nothing: the handler's
        // awaited writes must stall once the HTTP/2 window and Kestrel's buffer are full.
        var callId = Guid.NewGuid().ToString("N");
        using var http = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUri, "/regsosek.testing.v1.EchoService/Count"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(RawGrpcClient.Frame(new CountRequest { N = 400, PayloadSize = 64 * 1024, CallId = callId })),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Wait until the number of accepted writes stops growing (bounded wait).
        var last = -1;
        for (var i = 0; i < 100 && (server.Recorder.Written(callId) != last || last <= 0); i++)
        {
            last = server.Recorder.Written(callId);
            await Task.Delay(200);
        }
        Assert.InRange(server.Recorder.Written(callId), 1, 20);
        Assert.False(server.Recorder.Outcome(callId).Task.IsCompleted);

        // Reading the whole stream lets the handler finish every message.
        await using var body = await response.Content.ReadAsStreamAsync();
        await body.CopyToAsync(Stream.Null);
        Assert.Equal("completed", await server.Recorder.WaitForOutcomeAsync(callId));
        Assert.Equal(400, server.Recorder.Written(callId));
    }

    [Fact]
    public async Task Response_trailers_set_by_a_handler_are_sent_after_the_message()
    {
        var response = await _client.CallAsync(EchoPath, EchoBody("12345"));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal("5", response.Trailers.GetValues("x-echo-length").Single());
        Assert.False(response.Headers.Contains("x-echo-length"));
        Assert.False(response.Trailers.Contains("x-not-ascii"));
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("'x-not-ascii' dropped"));
    }

    [Fact]
    public async Task Health_check_answers_over_raw_HTTP2()
    {
        var response = await _client.CallAsync("/grpc.health.v1.Health/Check", RawGrpcClient.Frame(new global::Grpc.Health.V1.HealthCheckRequest()));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving,
            global::Grpc.Health.V1.HealthCheckResponse.Parser.ParseFrom(response.Messages.Single()).Status);
    }
}
