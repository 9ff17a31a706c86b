using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Regsosek.Api.V1;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>
/// Runs plans of <see cref="ApiCall"/>s in process through Grpc.Net.Client and the typed clients generated from
/// proto/regsosek/v1 (and grpc.health.v1's). Each result is the JSON <see cref="CallResult"/> reads: the reply
/// as protobuf JSON with the .proto field names (int64 as strings, enums as names, defaults written), or the
/// status with its google.rpc.Status details decoded (Grpc.StatusProto).
/// </summary>
public static class ApiClient
{
    private static readonly ConcurrentDictionary<string, GrpcChannel> Channels = new();

    private static readonly JsonSerializerOptions PlanJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Replies as the .proto names them, with default values written (as grpc-js' loader with defaults: true).</summary>
    public static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithPreserveProtoFieldNames(true));

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    /// <summary>The channel to "host:port" (cleartext HTTP/2), one per address for the whole run.</summary>
    public static GrpcChannel Channel(string address) => Channels.GetOrAdd(address, a => GrpcChannel.ForAddress("http://" + a,
        new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null }));

    /// <summary>Runs the calls one after the other and returns one result per call.</summary>
    public static async Task<IReadOnlyList<CallResult>> RunAsync(string address, params ApiCall[] calls)
    {
        var plan = Start(address, calls);
        return await plan.ResultsAsync();
    }

    /// <summary>Runs one call.</summary>
    public static async Task<CallResult> CallAsync(string address, ApiCall call) => (await RunAsync(address, call)).Single();

    /// <summary>Starts the calls without waiting, for tests that cancel a call (see <see cref="ApiPlan.CancelAsync"/>).</summary>
    public static ApiPlan Start(string address, params ApiCall[] calls) => Start(Channel(address).CreateCallInvoker(), calls);

    /// <summary>Starts the calls on any call invoker (e.g. a gRPC-Web channel).</summary>
    public static ApiPlan Start(CallInvoker invoker, params ApiCall[] calls) => new(invoker, calls);

    internal static async Task<JsonObject> RunOneAsync(CallInvoker invoker, ApiCall call, IReadOnlyList<JsonNode?> results,
        CancellationToken cancel)
    {
        var headers = new Metadata();
        if (call.Authorization is { } authorization) headers.Add("authorization", Expand(authorization, results));
        else if (call.Token is { } token) headers.Add("authorization", "Bearer " + Expand(token, results));
        var options = new CallOptions(headers, DateTime.UtcNow.AddMilliseconds(call.DeadlineMs ?? 60_000), cancel);
        try
        {
            if (call.RawBase64 is { } raw)
                return await RawAsync(invoker, call, Convert.FromBase64String(raw), options);
            var method = Methods.Find(call.Service, call.Method);
            var request = ParseRequest(method.Input, call.Request, results);
            if (method.Streaming is { } streaming)
                return await StreamAsync(streaming(invoker, request, options), call.SaveTo);
            var reply = await method.Unary!(invoker, request, options);
            return new JsonObject { ["ok"] = true, ["reply"] = JsonNode.Parse(Formatter.Format(reply)) };
        }
        catch (RpcException e)
        {
            return new JsonObject { ["ok"] = false, ["error"] = ErrorOf(e) };
        }
    }

    private static async Task<JsonObject> RawAsync(CallInvoker invoker, ApiCall call, byte[] bytes, CallOptions options)
    {
        var marshaller = Marshallers.Create(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, Methods.ServiceName(call.Service), call.Method, marshaller, marshaller);
        var reply = await invoker.AsyncUnaryCall(method, null, options, bytes);
        return new JsonObject { ["ok"] = true, ["reply"] = new JsonObject { ["rawLength"] = reply.Length } };
    }

    /// <summary>A server stream: each message (a data chunk's bytes replaced by its length), their SHA-256, the status.</summary>
    private static async Task<JsonObject> StreamAsync(AsyncServerStreamingCall<IMessage> call, string? saveTo)
    {
        using var _ = call;
        await using var file = saveTo is null ? null : File.Create(saveTo);
        var messages = new JsonArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long dataBytes = 0;
        RpcException? error = null;
        try
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                var json = JsonNode.Parse(Formatter.Format(message))!.AsObject();
                if (message is ExtractChunk chunk)
                {
                    json["payload"] = chunk.PayloadCase.ToString().ToLowerInvariant();
                    if (chunk.PayloadCase == ExtractChunk.PayloadOneofCase.Data)
                    {
                        hash.AppendData(chunk.Data.Span);
                        if (file is not null) await file.WriteAsync(chunk.Data.Memory);
                        dataBytes += chunk.Data.Length;
                        json.Remove("data");
                        json["dataLength"] = chunk.Data.Length;
                    }
                }
                messages.Add(json);
            }
        }
        catch (RpcException e)
        {
            error = e;
        }
        var result = new JsonObject
        {
            ["ok"] = error is null,
            ["messages"] = messages,
            ["dataBytes"] = dataBytes,
            ["dataSha256"] = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
        if (error is not null) result["error"] = ErrorOf(error);
        return result;
    }

    private static JsonObject ErrorOf(RpcException e)
    {
        var error = new JsonObject
        {
            ["code"] = (int)e.StatusCode,
            ["codeName"] = e.StatusCode.ToString(),
            ["details"] = e.Status.Detail,
        };
        if (e.GetRpcStatus() is { } rich)
        {
            var details = new JsonArray();
            foreach (var any in rich.Details)
            {
                var type = Google.Protobuf.WellKnownTypes.Any.GetTypeName(any.TypeUrl);
                var descriptor = RichDetailTypes.Find(type);
                details.Add(new JsonObject
                {
                    ["typeUrl"] = any.TypeUrl,
                    ["type"] = type,
                    ["value"] = descriptor is null
                        ? new JsonObject { ["undecodable"] = type }
                        : JsonNode.Parse(Formatter.Format(descriptor.Parser.ParseFrom(any.Value))),
                });
            }
            error["richStatus"] = new JsonObject { ["code"] = rich.Code, ["message"] = rich.Message, ["details"] = details };
        }
        return error;
    }

    private static readonly TypeRegistry RichDetailTypes = TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor);

    private static IMessage ParseRequest(MessageDescriptor type, object? request, IReadOnlyList<JsonNode?> results)
    {
        var json = ExpandNode(JsonSerializer.SerializeToNode(request ?? new { }, PlanJson), results);
        return Parser.Parse(json?.ToJsonString() ?? "{}", type);
    }

    /// <summary>"${2.reply.grant.id}" becomes that value of an earlier result.</summary>
    private static string Expand(string value, IReadOnlyList<JsonNode?> results)
    {
        if (!value.StartsWith("${", StringComparison.Ordinal) || !value.EndsWith('}')) return value;
        var parts = value[2..^1].Split('.');
        var node = results[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)];
        foreach (var p in parts.Skip(1)) node = node?[p];
        return node?.GetValue<string>() ?? throw new InvalidOperationException($"{value} does not resolve in the earlier results");
    }

    /// <summary>Placeholders inside a request: "${i.path}" and {"$repeat": [s, n]} (s repeated n times).</summary>
    private static JsonNode? ExpandNode(JsonNode? node, IReadOnlyList<JsonNode?> results) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Expand(s, results)),
        JsonObject o when o["$repeat"] is JsonArray repeat =>
            JsonValue.Create(string.Concat(Enumerable.Repeat(repeat[0]!.GetValue<string>(), repeat[1]!.GetValue<int>()))),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, ExpandNode(p.Value?.DeepClone(), results)))),
        JsonArray a => new JsonArray(a.Select(e => ExpandNode(e?.DeepClone(), results)).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>The RPCs a plan can name, each called through its generated typed client.</summary>
    private static class Methods
    {
        public sealed record Entry(
            MessageDescriptor Input,
            Func<CallInvoker, IMessage, CallOptions, Task<IMessage>>? Unary,
            Func<CallInvoker, IMessage, CallOptions, AsyncServerStreamingCall<IMessage>>? Streaming = null);

        private static Entry U<TRequest, TResponse>(Func<CallInvoker, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call)
            where TRequest : IMessage<TRequest>, new() where TResponse : IMessage =>
            new(new TRequest().Descriptor, async (invoker, request, options) => await call(invoker, (TRequest)request, options));

        private static readonly Dictionary<(string, string), Entry> All = new()
        {
            [("CatalogService", "ListIndicators")] = U<ListIndicatorsRequest, ListIndicatorsResponse>((i, r, o) => new CatalogService.CatalogServiceClient(i).ListIndicatorsAsync(r, o)),
            [("CatalogService", "ListDimensions")] = U<ListDimensionsRequest, ListDimensionsResponse>((i, r, o) => new CatalogService.CatalogServiceClient(i).ListDimensionsAsync(r, o)),
            [("CatalogService", "ListRegions")] = U<ListRegionsRequest, ListRegionsResponse>((i, r, o) => new CatalogService.CatalogServiceClient(i).ListRegionsAsync(r, o)),
            [("AggregateService", "Aggregate")] = U<V1.AggregateRequest, AggregateResponse>((i, r, o) => new AggregateService.AggregateServiceClient(i).AggregateAsync(r, o)),
            [("AggregateService", "DesilDistribution")] = U<DesilDistributionRequest, AggregateResponse>((i, r, o) => new AggregateService.AggregateServiceClient(i).DesilDistributionAsync(r, o)),
            [("AggregateService", "Percentiles")] = U<PercentilesRequest, AggregateResponse>((i, r, o) => new AggregateService.AggregateServiceClient(i).PercentilesAsync(r, o)),
            [("AdminService", "IssueGrant")] = U<IssueGrantRequest, IssueGrantResponse>((i, r, o) => new AdminService.AdminServiceClient(i).IssueGrantAsync(r, o)),
            [("AdminService", "RevokeGrant")] = U<RevokeGrantRequest, RevokeGrantResponse>((i, r, o) => new AdminService.AdminServiceClient(i).RevokeGrantAsync(r, o)),
            [("AdminService", "ListGrants")] = U<ListGrantsRequest, ListGrantsResponse>((i, r, o) => new AdminService.AdminServiceClient(i).ListGrantsAsync(r, o)),
            [("Health", "Check")] = U<HealthCheckRequest, HealthCheckResponse>((i, r, o) => new Health.HealthClient(i).CheckAsync(r, o)),
            [("ExtractService", "Extract")] = new(V1.ExtractRequest.Descriptor, null, (i, r, o) =>
            {
                var call = new ExtractService.ExtractServiceClient(i).Extract((V1.ExtractRequest)r, o);
                return new AsyncServerStreamingCall<IMessage>(new UpcastReader<ExtractChunk>(call.ResponseStream),
                    call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
            }),
        };

        public static Entry Find(string service, string method) =>
            All.TryGetValue((service, method), out var entry) ? entry
                : throw new ArgumentException($"the test client has no {service}.{method}");

        public static string ServiceName(string service) => service == "Health" ? "grpc.health.v1.Health" : "regsosek.v1." + service;
    }

    private sealed class UpcastReader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<IMessage> where T : IMessage
    {
        public IMessage Current => inner.Current;
        public Task<bool> MoveNext(CancellationToken cancellationToken) => inner.MoveNext(cancellationToken);
    }
}

/// <summary>A running plan of <see cref="ApiClient"/>.</summary>
public sealed class ApiPlan : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly Task<IReadOnlyList<CallResult>> _results;

    internal ApiPlan(CallInvoker invoker, ApiCall[] calls) => _results = Task.Run(() => RunAsync(invoker, calls));

    private async Task<IReadOnlyList<CallResult>> RunAsync(CallInvoker invoker, ApiCall[] calls)
    {
        var results = new List<JsonNode?>();
        foreach (var call in calls)
            results.Add(await ApiClient.RunOneAsync(invoker, call, results, call.Cancellable == true ? _cancel.Token : CancellationToken.None));
        return results.Select(r => new CallResult(JsonDocument.Parse(r!.ToJsonString()).RootElement.Clone())).ToList();
    }

    /// <summary>Cancels the plan's cancellable call (<see cref="ApiCall.Cancellable"/>).</summary>
    public Task CancelAsync()
    {
        _cancel.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Waits for every call and returns one result per call.</summary>
    public Task<IReadOnlyList<CallResult>> ResultsAsync() => _results;

    public async ValueTask DisposeAsync()
    {
        _cancel.Cancel();
        try
        {
            await _results;
        }
        catch (Exception)
        {
            // the test has failed already, or did not look at the results
        }
        _cancel.Dispose();
    }
}
