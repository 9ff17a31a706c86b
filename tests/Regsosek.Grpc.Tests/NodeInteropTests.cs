using System.Text.Json;
using Microsoft.Extensions.Logging;
using Regsosek.Grpc.Tests.Infrastructure;
using Xunit;

namespace Regsosek.Grpc.Tests;

/// <summary>
/// Proves the wire with an independent gRPC client: Node's @grpc/grpc-js
/// (tests/interop/grpc-client.js) against our layer on a real Kestrel server.
/// </summary>
public sealed class NodeInteropTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>
{
    private static int Code(JsonElement error) => error.GetProperty("code").GetInt32();

    [Fact]
    public async Task Unary_call_round_trips_text_payload_and_metadata()
    {
        const string text = "Kabupaten Aceh Selatan — desil 1 (100%)";
        var result = await NodeClient.RunAsync(server.Address, "unary", new { text, payloadSize = 1000, authorization = "Bearer abc.def" });

        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        var reply = result.GetProperty("reply");
        Assert.Equal(text, reply.GetProperty("text").GetString());
        Assert.Equal(1000, reply.GetProperty("payloadSize").GetInt32());
        Assert.True(reply.GetProperty("payloadIntact").GetBoolean());
        Assert.Equal("Bearer abc.def", reply.GetProperty("authorization").GetString());
        Assert.Equal("interop", reply.GetProperty("testHeader").GetString());
    }

    [Fact]
    public async Task A_3_MiB_request_larger_than_the_HTTP2_stream_window_is_received()
    {
        var result = await NodeClient.RunAsync(server.Address, "unary", new { text = "big", payloadSize = 3 * 1024 * 1024 });

        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal(3 * 1024 * 1024, result.GetProperty("reply").GetProperty("payloadSize").GetInt32());
        Assert.True(result.GetProperty("reply").GetProperty("payloadIntact").GetBoolean());
    }

    [Fact]
    public async Task A_request_over_the_4_MiB_default_limit_is_RESOURCE_EXHAUSTED()
    {
        var result = await NodeClient.RunAsync(server.Address, "unary", new { text = "too big", payloadSize = 5 * 1024 * 1024 });

        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal((int)GrpcStatusCode.ResourceExhausted, Code(result.GetProperty("error")));
        Assert.Contains("4194304", result.GetProperty("error").GetProperty("details").GetString());
    }

    [Fact]
    public async Task Server_streaming_delivers_all_messages_in_order()
    {
        var result = await NodeClient.RunAsync(server.Address, "stream", new { n = 200, payloadSize = 100 });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var values = result.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal(Enumerable.Range(1, 200), values);
        Assert.Equal(200 * 100, result.GetProperty("payloadBytes").GetInt32());
    }

    [Fact]
    public async Task A_stream_that_fails_midway_delivers_its_messages_then_the_error()
    {
        var result = await NodeClient.RunAsync(server.Address, "stream", new { n = 10, failAfter = 3 });

        Assert.Equal(new[] { 1, 2, 3 }, result.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal((int)GrpcStatusCode.FailedPrecondition, Code(result.GetProperty("error")));
        Assert.Equal("stopped after 3 messages", result.GetProperty("error").GetProperty("details").GetString());
    }

    [Fact]
    public async Task A_stream_of_zero_messages_ends_OK()
    {
        var result = await NodeClient.RunAsync(server.Address, "stream", new { n = 0 });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Empty(result.GetProperty("values").EnumerateArray());
    }

    [Fact]
    public async Task An_expired_deadline_is_DEADLINE_EXCEEDED_and_the_handler_sees_its_token_fire()
    {
        var callId = Guid.NewGuid().ToString("N");
        var result = await NodeClient.RunAsync(server.Address, "deadline", new { callId, deadlineMs = 300 });

        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal((int)GrpcStatusCode.DeadlineExceeded, Code(result.GetProperty("error")));
        Assert.Equal("cancelled", await server.Recorder.WaitForOutcomeAsync(callId));
    }

    [Fact]
    public async Task Client_cancellation_mid_stream_cancels_the_handler()
    {
        var callId = Guid.NewGuid().ToString("N");
        var result = await NodeClient.RunAsync(server.Address, "cancel", new { callId, cancelAfter = 3 });

        Assert.Equal((int)GrpcStatusCode.Cancelled, Code(result.GetProperty("error")));
        Assert.Equal(new[] { 1, 2, 3 }, result.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).Take(3));
        Assert.Equal("cancelled", await server.Recorder.WaitForOutcomeAsync(callId));
    }

    [Fact]
    public async Task An_error_carries_a_BadRequest_in_grpc_status_details_bin()
    {
        const string description = "kode wilayah '99.99' tidak dikenal: gunakan kode Kemendagri, mis. 11.01 — 100% wajib";
        var result = await NodeClient.RunAsync(server.Address, "details", new { text = description });

        var error = result.GetProperty("error");
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, Code(error));
        Assert.Equal($"text: {description}", error.GetProperty("details").GetString());
        var rich = error.GetProperty("richStatus");
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, rich.GetProperty("code").GetInt32());
        Assert.Equal($"text: {description}", rich.GetProperty("message").GetString());
        var detail = rich.GetProperty("details").EnumerateArray().Single();
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("typeUrl").GetString());
        var violation = detail.GetProperty("value").GetProperty("field_violations").EnumerateArray().Single();
        Assert.Equal("text", violation.GetProperty("field").GetString());
        Assert.Equal(description, violation.GetProperty("description").GetString());
    }

    [Fact]
    public async Task An_unexpected_exception_is_INTERNAL_with_a_generic_message_and_is_logged()
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var result = await NodeClient.RunAsync(server.Address, "crash", new { text = secret });

        var error = result.GetProperty("error");
        Assert.Equal((int)GrpcStatusCode.Internal, Code(error));
        Assert.DoesNotContain(secret, error.GetRawText());
        Assert.DoesNotContain("InvalidOperationException", error.GetRawText());
        Assert.Contains(server.Logs.Entries, e => e.Level == LogLevel.Error
            && e.Message.Contains("/regsosek.testing.v1.EchoService/Crash") && e.Exception?.Message == secret);
    }

    [Fact]
    public async Task Unknown_method_and_unknown_service_are_UNIMPLEMENTED()
    {
        var result = await NodeClient.RunAsync(server.Address, "unimplemented");

        var method = result.GetProperty("method").GetProperty("error");
        Assert.Equal((int)GrpcStatusCode.Unimplemented, Code(method));
        Assert.Contains("NotImplementedOnServer", method.GetProperty("details").GetString());
        var service = result.GetProperty("service").GetProperty("error");
        Assert.Equal((int)GrpcStatusCode.Unimplemented, Code(service));
        Assert.Contains("regsosek.testing.v1.MissingService", service.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Health_check_answers_registered_services_and_NOT_FOUND_for_others()
    {
        var result = await NodeClient.RunAsync(server.Address, "healthCheck", new { services = new[] { "", EchoTestService.Name, "no.such.Service" } });

        Assert.Equal("SERVING", result.GetProperty("").GetProperty("reply").GetProperty("status").GetString());
        Assert.Equal("SERVING", result.GetProperty(EchoTestService.Name).GetProperty("reply").GetProperty("status").GetString());
        Assert.Equal((int)GrpcStatusCode.NotFound, Code(result.GetProperty("no.such.Service").GetProperty("error")));
    }

    [Fact]
    public async Task Health_watch_streams_the_current_status_then_the_change()
    {
        var service = "watched." + Guid.NewGuid().ToString("N");
        server.Health.SetStatus(service, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);

        var result = await NodeClient.RunAsync(server.Address, "healthWatch", new { service });

        Assert.Equal(new[] { "SERVING", "NOT_SERVING" }, result.GetProperty("seen").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal((int)GrpcStatusCode.Cancelled, Code(result.GetProperty("error")));
    }
}
