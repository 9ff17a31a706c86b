using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Grpc.Reflection.V1Alpha;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;

namespace Regsosek.Api.Tests;

/// <summary>
/// The ways in besides gRPC over HTTP/2: HTTP/JSON (transcoded, on the HTTP/1.1 port), gRPC-Web, server
/// reflection; the health service following the dataset; and the request id every response carries and
/// every call logs once.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class TransportTests(ServiceFixture service)
{
    private static readonly JsonParser ProtoJson = new(JsonParser.Settings.Default);

    private HttpClient Http11() => new()
    {
        BaseAddress = new Uri($"http://{service.HttpAddress}"),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private AggregateService.AggregateServiceClient GrpcAggregates() => new(ApiClient.Channel(service.Address));

    private Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    /// <summary>The response without its request id, which differs from call to call.</summary>
    private static AggregateResponse WithoutRequestId(AggregateResponse r)
    {
        var copy = r.Clone();
        copy.Metadata.RequestId = "";
        return copy;
    }

    [Fact]
    public async Task A_JSON_route_over_HTTP_1_1_answers_the_same_numbers_as_gRPC()
    {
        var token = service.Regency3201.Token;
        const string body = """
            {"indicators": ["population", "jkn_coverage"], "scope": {"region": "3201", "breakdown": "REGION_LEVEL_DISTRICT"}, "groupBy": ["sex"]}
            """;
        var head = await service.AuditHeadAsync();
        using var http = Http11();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/aggregate") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var json = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {json}");
        Assert.Equal(HttpVersion.Version11, response.Version);
        var viaJson = ProtoJson.Parse<AggregateResponse>(json);
        var viaGrpc = await GrpcAggregates().AggregateAsync(ProtoJson.Parse<V1.AggregateRequest>(body), Bearer(token));

        Assert.True(viaJson.Rows.Count > 10, $"a district breakdown by sex has many rows: {json}");
        Assert.Equal("TIER_DISAGGREGATED", JsonDocument.Parse(json).RootElement.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.Equal(WithoutRequestId(viaGrpc), WithoutRequestId(viaJson)); // every row, cell, flag and rule
        Assert.Equal(response.Headers.GetValues("x-request-id").Single(), viaJson.Metadata.RequestId);

        var audited = (await service.AuditRecordsAfterAsync(head)).First(); // the JSON call, audited like the gRPC one
        Assert.Equal("/regsosek.v1.AggregateService/Aggregate", audited.Entry.Method);
        Assert.Equal(service.Regency3201.Grant.Id, audited.Entry.GrantId);
        Assert.True(audited.Entry.Cells > 0);
    }

    [Fact]
    public async Task JSON_GET_routes_list_the_catalogue_and_a_refusal_is_403_with_the_rule()
    {
        using var http = Http11();
        using var regions = await http.GetAsync("/v1/regions?parent=32");
        var list = ProtoJson.Parse<ListRegionsResponse>(await regions.Content.ReadAsStringAsync());
        Assert.Equal(27, list.Regions.Count);
        Assert.Contains(list.Regions, r => r.Code == "3201" && r.Name == "Kabupaten Bogor");

        using var indicators = await http.GetAsync("/v1/indicators");
        Assert.Contains(ProtoJson.Parse<ListIndicatorsResponse>(await indicators.Content.ReadAsStringAsync()).Indicators, i => i.Id == "population");

        using var refused = await http.PostAsync("/v1/aggregate",
            new StringContent("""{"indicators": ["population"], "scope": {"region": "3201"}}""", Encoding.UTF8, "application/json"));
        var text = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("tier1.region-level", text); // the ErrorInfo of the google.rpc.Status body
        Assert.DoesNotContain("   at ", text);

        using var bad = await http.PostAsync("/v1/percentiles",
            new StringContent("""{"variable": "tinggi_badan", "percentiles": [50]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("tinggi_badan", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_gRPC_Web_client_over_HTTP_1_1_gets_the_same_answers_errors_and_streams()
    {
        using var channel = GrpcChannel.ForAddress($"http://{service.HttpAddress}", new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new HttpClientHandler()),
            HttpVersion = HttpVersion.Version11,
            MaxReceiveMessageSize = null,
        });
        var question = new { indicators = new[] { "population", "jkn_coverage" }, scope = new { region = "32" }, group_by = new[] { "sex" } };
        var web = await ApiClient.Start(channel.CreateCallInvoker(),
            ApiCall.Aggregate(question),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "3273" } }, service.Regency3201.Token),
            ApiCall.Extract(new { columns = new[] { "regency_code", "r405" }, region = "3201", format = "EXTRACT_FORMAT_CSV" }, service.Microdata.Token))
            .ResultsAsync();
        var grpc = await ApiClient.CallAsync(service.Address, ApiCall.Aggregate(question));

        static JsonElement Rows(CallResult r) => r.Reply.GetProperty("rows");
        Assert.Equal(Rows(grpc).GetRawText(), Rows(web[0]).GetRawText());
        web[1].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant"); // rich details in the gRPC-Web trailers
        Assert.True(web[2].Ok, web[2].ToString());
        var summary = web[2].Json.GetProperty("messages").EnumerateArray().Last().GetProperty("summary");
        Assert.Equal(web[2].Json.GetProperty("dataSha256").GetString(), summary.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Server_reflection_lists_every_service_and_describes_regsosek_v1()
    {
        var reflection = new ServerReflection.ServerReflectionClient(ApiClient.Channel(service.Address));
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "regsosek.v1.AggregateService" });
        await call.RequestStream.CompleteAsync();
        var responses = new List<ServerReflectionResponse>();
        await foreach (var r in call.ResponseStream.ReadAllAsync()) responses.Add(r);

        var services = responses[0].ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Superset(new HashSet<string>(Api.ApiExtensions.ServiceNames.Append("grpc.health.v1.Health")), services.ToHashSet());
        var files = responses[1].FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();
        var aggregate = files.Single(f => f.Name == "regsosek/v1/aggregate.proto");
        Assert.Equal(["Aggregate", "DesilDistribution", "Percentiles"], aggregate.Service.Single().Method.Select(m => m.Name));
    }

    [Fact]
    public async Task Health_is_NOT_SERVING_while_the_dataset_is_gone_and_SERVING_again_when_it_is_back()
    {
        var health = new Health.HealthClient(ApiClient.Channel(service.Address));
        var manifest = Path.Combine(service.Dataset, "manifest.json");
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        File.Move(manifest, manifest + ".away");
        try
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing,
                (await health.CheckAsync(new HealthCheckRequest { Service = "regsosek.v1.AggregateService" })).Status);
        }
        finally
        {
            File.Move(manifest + ".away", manifest);
        }
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_and_each_call_is_logged_once_with_it()
    {
        var client = GrpcAggregates();
        var population = new V1.AggregateRequest { Indicators = { "population" }, Scope = new Scope { Region = "3201" } };

        var sent = client.AggregateAsync(population, new Metadata { { "authorization", "Bearer " + service.Regency3201.Token }, { "x-request-id", "sepakat-7f3a.01" } });
        var reply = await sent;
        Assert.Equal("sepakat-7f3a.01", (await sent.ResponseHeadersAsync).GetValue("x-request-id"));
        Assert.Equal("sepakat-7f3a.01", reply.Metadata.RequestId);

        var odd = client.AggregateAsync(population, new Metadata { { "x-request-id", "no spaces <allowed>" } }); // public: refused
        var refusal = await Assert.ThrowsAsync<RpcException>(() => odd.ResponseAsync);
        Assert.Equal(GrpcStatusCode.PermissionDenied, refusal.StatusCode);
        var generated = (await odd.ResponseHeadersAsync).GetValue("x-request-id") ?? refusal.Trailers.GetValue("x-request-id");
        Assert.Matches("^[0-9a-f]{32}$", generated);

        var lines = service.Logs.Lines.Where(l => l.Category == typeof(Api.RequestLogMiddleware).FullName).ToList();
        var first = Assert.Single(lines, l => l.Message.Contains("sepakat-7f3a.01"));
        Assert.Contains(service.Regency3201.Grant.Id, first.Message);
        Assert.Contains("/regsosek.v1.AggregateService/Aggregate", first.Message);
        Assert.Contains(" OK ", first.Message);
        var second = Assert.Single(lines, l => l.Message.Contains(generated!));
        Assert.Contains("PermissionDenied", second.Message);
    }
}
