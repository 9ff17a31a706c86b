using Google.Protobuf;
using Regsosek.Grpc.Health;
using Regsosek.Testing.V1;

namespace Regsosek.Grpc.Tests.Infrastructure;

/// <summary>The test-only regsosek.testing.v1.EchoService (Protos/echo.proto) on our gRPC layer.</summary>
public static class EchoTestService
{
    public const string Name = "regsosek.testing.v1.EchoService";

    public static GrpcServiceBuilder AddEchoService(this GrpcServiceBuilder builder, CallRecorder recorder, HealthStatusRegistry health) => builder
        .Unary<EchoRequest, EchoReply>(Name, "Echo", EchoRequest.Parser, (request, context) =>
        {
            context.ResponseTrailers["x-echo-length"] = request.Text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.ResponseTrailers["x-not-ascii"] = "é"; // must be dropped, not break the call
            return Task.FromResult(new EchoReply
            {
                Text = request.Text,
                Payload = request.Payload,
                Authorization = context.Authorization ?? "",
                TestHeader = context.RequestHeaders["x-test"].ToString(),
            });
        })
        .ServerStreaming<CountRequest, CountReply>(Name, "Count", CountRequest.Parser, async (request, stream, context) =>
        {
            var payload = ByteString.CopyFrom(new byte[request.PayloadSize]);
            try
            {
                for (var i = 1; i <= request.N; i++)
                {
                    if (request.DelayMs > 0)
                        await Task.Delay(request.DelayMs, context.CancellationToken);
                    if (request.FailAfter > 0 && i == request.FailAfter + 1)
                        throw GrpcException.FailedPrecondition("STREAM", "count", $"stopped after {request.FailAfter} messages");
                    await stream.WriteAsync(new CountReply { Value = i, Payload = payload });
                    if (request.CallId.Length > 0)
                        recorder.CountWritten(request.CallId);
                }
                if (request.CallId.Length > 0)
                    recorder.SetOutcome(request.CallId, "completed");
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                if (request.CallId.Length > 0)
                    recorder.SetOutcome(request.CallId, "cancelled");
                throw;
            }
        })
        .Unary<EchoRequest, EchoReply>(Name, "FailWithDetails", EchoRequest.Parser, (request, _) =>
            throw GrpcException.InvalidArgument("text", request.Text))
        .Unary<EchoRequest, EchoReply>(Name, "Crash", EchoRequest.Parser, (request, _) =>
            throw new InvalidOperationException(request.Text))
        .Unary<WaitRequest, EchoReply>(Name, "WaitForCancel", WaitRequest.Parser, async (request, context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                recorder.SetOutcome(request.CallId, "cancelled");
                throw;
            }
            recorder.SetOutcome(request.CallId, "completed");
            return new EchoReply();
        })
        .Unary<SetHealthRequest, EchoReply>(Name, "SetHealth", SetHealthRequest.Parser, (request, _) =>
        {
            health.SetStatus(request.Service, request.Serving
                ? global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving
                : global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing);
            return Task.FromResult(new EchoReply());
        });
}
