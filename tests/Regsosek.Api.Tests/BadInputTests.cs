using Regsosek.Api.Tests.Infrastructure;

namespace Regsosek.Api.Tests;

/// <summary>
/// Bad input, end to end: each gets its precise status and a message that says what to fix (with the field
/// named in a google.rpc.BadRequest, or the resource in a ResourceInfo), and the server keeps serving.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class BadInputTests(ServiceFixture service)
{
    private static object Population(string region) => new { indicators = new[] { "population" }, scope = new { region } };

    private static void AssertKeepsServing(CallResult good) =>
        Assert.True(good.Ok && good.Reply.GetProperty("rows").GetArrayLength() > 0, $"the server keeps serving after bad input: {good}");

    [Fact]
    public async Task Unknown_names_are_INVALID_ARGUMENT_naming_the_field_and_where_to_look()
    {
        var token = service.Regency3201.Token;
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(new { indicators = new[] { "kemiskinan_ekstrem" } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, group_by = new[] { "sex", "golongan_darah" } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, filters = new[] { new { dimension = "golongan_darah", values = new[] { 1L } } } }),
            ApiCall.Desil(new { unit = "rumah_tangga" }, token),
            ApiCall.Aggregate(new { indicators = new[] { "population", "safe_drinking_water" } }),
            ApiCall.GoodPublicAggregate());

        Assert.Contains("ListIndicators", r[0].AssertFieldViolation("indicators[0]"));
        Assert.Contains("kemiskinan_ekstrem", r[0].Message);
        Assert.Contains("ListDimensions", r[1].AssertFieldViolation("group_by[1]"));
        Assert.Contains("golongan_darah", r[1].Message);
        var filter = r[2].AssertStatus(GrpcStatusCode.InvalidArgument).FieldViolations.Single();
        Assert.StartsWith("filters[0]", filter.Field);
        Assert.Contains("golongan_darah", filter.Description);
        Assert.Contains("persons", r[3].AssertFieldViolation("unit"));
        Assert.Contains("separate requests", r[4].AssertFieldViolation("indicators[1]"));
        AssertKeepsServing(r[5]);
    }

    /// <summary>
    /// PercentilesRequest.variable is a single string, so a violation must name "variable", not "variable[0]",
    /// for a client to match it to its request field.
    /// </summary>
    [Fact]
    public async Task An_unknown_numeric_variable_is_INVALID_ARGUMENT_on_field_variable()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Percentiles(new { variable = "tinggi_badan", percentiles = new[] { 50.0 } }),
            ApiCall.GoodPublicAggregate());

        Assert.Contains("tinggi_badan", r[0].AssertFieldViolation("variable"));
        AssertKeepsServing(r[1]);
    }

    [Fact]
    public async Task An_unknown_region_is_NOT_FOUND_and_a_code_of_the_wrong_shape_is_INVALID_ARGUMENT_on_scope_region()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(Population("3299")),
            ApiCall.Aggregate(Population("99")),
            ApiCall.Aggregate(Population("321")),
            ApiCall.Aggregate(Population("32011")),
            ApiCall.Aggregate(Population("Jawa Barat")),
            ApiCall.Catalog("ListRegions", new { parent = "3299" }),
            ApiCall.Catalog("ListRegions", new { parent = "3.2" }),
            ApiCall.Aggregate(Population("32.01")) with { Token = service.Regency3201.Token },
            ApiCall.GoodPublicAggregate());

        foreach (var (result, code) in new[] { (r[0], "3299"), (r[1], "99"), (r[5], "3299") })
        {
            result.AssertStatus(GrpcStatusCode.NotFound);
            Assert.Equal(("region", code), result.Resource);
            Assert.Contains($"region {code} does not exist", result.Message);
        }
        Assert.Contains("ListRegions", r[0].Message); // where to find valid codes
        Assert.Contains("empty parent", r[5].Message);
        foreach (var result in new[] { r[2], r[3], r[4] })
            Assert.False(string.IsNullOrWhiteSpace(result.AssertFieldViolation("scope.region")));
        r[6].AssertFieldViolation("parent");
        Assert.True(r[7].Ok, $"a dotted code (32.01) is accepted: {r[7]}");
        Assert.Equal("3201", r[7].Reply.GetProperty("metadata").GetProperty("effective_region").GetString());
        AssertKeepsServing(r[8]);
    }

    [Fact]
    public async Task Empty_and_absurd_requests_are_INVALID_ARGUMENT_saying_what_to_send()
    {
        var hundredsOfGroupBys = Enumerable.Range(0, 300).Select(i => i % 2 == 0 ? "sex" : "education").ToArray();
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(new { }),
            ApiCall.Percentiles(new { }),
            ApiCall.Percentiles(new { variable = "age" }),
            ApiCall.Percentiles(new { variable = "age", percentiles = new[] { 50.0, 150.0 } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, group_by = hundredsOfGroupBys }),
            ApiCall.Aggregate(new { indicators = Enumerable.Repeat("population", 500).ToArray() }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, filters = new[] { new { dimension = "sex", values = Array.Empty<long>() } } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "32", breakdown = "REGION_LEVEL_NATIONAL" } }),
            ApiCall.GoodPublicAggregate());

        Assert.Contains("at least one indicator", r[0].AssertFieldViolation("indicators"));
        Assert.False(string.IsNullOrWhiteSpace(r[1].AssertFieldViolation("variable")));
        Assert.Contains("at least one percentile", r[2].AssertFieldViolation("percentiles"));
        Assert.Contains("150", r[3].AssertFieldViolation("percentiles[1]"));
        Assert.Contains("at most", r[4].AssertFieldViolation("group_by"));
        Assert.Contains("at most", r[5].AssertFieldViolation("indicators"));
        r[6].AssertFieldViolation("filters[0].values");
        r[7].AssertFieldViolation("scope.breakdown");
        AssertKeepsServing(r[8]);
    }

    [Fact]
    public async Task A_message_over_4_MiB_is_RESOURCE_EXHAUSTED_and_malformed_protobuf_is_refused()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(new { indicators = new object[] { new Dictionary<string, object> { ["$repeat"] = new object[] { "x", 5 * 1024 * 1024 } } } }),
            // field 1 (indicators), length 16, but only 2 bytes follow: a truncated message
            new ApiCall { Service = "AggregateService", Method = "Aggregate", RawBase64 = Convert.ToBase64String([0x0A, 0x10, 0x41, 0x42]) },
            // wire type 7 does not exist
            new ApiCall { Service = "AggregateService", Method = "Aggregate", RawBase64 = Convert.ToBase64String([0x0F, 0x01]) },
            new ApiCall { Service = "AggregateService", Method = "NoSuchMethod", RawBase64 = "" },
            ApiCall.GoodPublicAggregate());

        Assert.Contains("maximum", r[0].AssertStatus(GrpcStatusCode.ResourceExhausted).Message);
        foreach (var malformed in new[] { r[1], r[2] })
        {
            // grpc-dotnet parses the request before any handler or interceptor runs and answers a parse failure
            // with UNKNOWN "Exception was thrown by handler." (our own stack said INTERNAL, gRPC's convention): what
            // matters here is that it is refused without internals and the server keeps serving.
            Assert.False(malformed.Ok, malformed.ToString());
            Assert.Contains(malformed.Code, new[] { GrpcStatusCode.Internal, GrpcStatusCode.Unknown });
            Assert.DoesNotContain("Exception:", malformed.Message);
            Assert.DoesNotContain(" at ", malformed.Message);
        }
        r[3].AssertStatus(GrpcStatusCode.Unimplemented);
        AssertKeepsServing(r[4]);
    }
}
