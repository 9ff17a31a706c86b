using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// The one test through an independent gRPC implementation: @grpc/grpc-js with @grpc/proto-loader loading the
/// repository's .proto files (tests/interop/regsosek-client.js). Unary calls, a refusal whose google.rpc.Status
/// details grpc-js decodes, and a server stream, over cleartext HTTP/2 to the grpc-dotnet server.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class InteropTests(ServiceFixture service)
{
    [Fact]
    public async Task GrpcJs_calls_every_kind_of_RPC_and_decodes_rich_error_details()
    {
        var r = await NodeClient.RunAsync(service.Address,
            ApiCall.Catalog("ListRegions", new { parent = "32" }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "3201" } }, service.Regency3201.Token),
            ApiCall.Aggregate(new { indicators = new[] { "population", "no_such_indicator" } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "3273" } }, service.Regency3201.Token),
            ApiCall.Extract(new { columns = new[] { "regency_code", "r405" }, region = "3201", format = "EXTRACT_FORMAT_CSV" }, service.Microdata.Token));

        Assert.Equal(27, r[0].Reply.GetProperty("regions").GetArrayLength());
        Assert.Equal("3201", r[1].Reply.GetProperty("metadata").GetProperty("effective_region").GetString());
        Assert.True(r[1].Reply.GetProperty("rows").GetArrayLength() > 0, r[1].ToString());
        Assert.Contains("no_such_indicator", r[2].AssertFieldViolation("indicators[1]"));
        r[3].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");

        Assert.True(r[4].Ok, r[4].ToString());
        var messages = r[4].Json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal("summary", messages[^1].GetProperty("payload").GetString());
        Assert.Equal(r[4].Json.GetProperty("dataSha256").GetString(), messages[^1].GetProperty("summary").GetProperty("sha256").GetString());
    }
}
