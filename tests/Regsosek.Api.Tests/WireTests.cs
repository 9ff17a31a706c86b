using System.Text.Json;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// The wire, proven by an independent client (@grpc/grpc-js with @grpc/proto-loader loading the repository's
/// .proto files) against the real server: every RPC of every service, the health service, a deadline, a
/// cancellation and errors whose google.rpc.Status details decode.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class WireTests(ServiceFixture service)
{
    private static IEnumerable<JsonElement> Items(JsonElement reply, string field) => reply.GetProperty(field).EnumerateArray();

    [Fact]
    public async Task CatalogService_lists_indicators_dimensions_provinces_and_the_regencies_of_a_province()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Catalog("ListIndicators"),
            ApiCall.Catalog("ListDimensions"),
            ApiCall.Catalog("ListRegions"),
            ApiCall.Catalog("ListRegions", new { parent = "32" }),
            ApiCall.Catalog("ListRegions", new { parent = "32.01" }));

        var indicators = Items(r[0].Reply, "indicators").ToList();
        Assert.True(indicators.Count >= 25, $"expected at least 25 indicators, got {indicators.Count}");
        var population = indicators.Single(i => i.GetProperty("id").GetString() == "population");
        Assert.True(population.GetProperty("open").GetBoolean());
        Assert.Equal("TIER_PUBLIC", population.GetProperty("min_tier").GetString());
        Assert.Equal("persons", population.GetProperty("unit").GetString());
        Assert.Contains(indicators, i => !i.GetProperty("open").GetBoolean() && i.GetProperty("min_tier").GetString() != "TIER_PUBLIC");
        Assert.All(indicators, i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("name_id").GetString())));

        var dimensions = Items(r[1].Reply, "dimensions").ToList();
        var sex = dimensions.Single(d => d.GetProperty("id").GetString() == "sex");
        Assert.Equal(new[] { "1", "2" }, Items(sex, "values").Select(v => v.GetProperty("code").GetString()).Order());
        Assert.Contains(dimensions, d => d.GetProperty("id").GetString() == "desil");

        var provinces = Items(r[2].Reply, "regions").ToList();
        Assert.Equal(38, provinces.Count);
        Assert.All(provinces, p => Assert.Equal("REGION_LEVEL_PROVINCE", p.GetProperty("level").GetString()));
        Assert.Contains(provinces, p => p.GetProperty("code").GetString() == "32" && p.GetProperty("name").GetString() == "Jawa Barat");

        var regencies = Items(r[3].Reply, "regions").ToList();
        Assert.Equal(27, regencies.Count); // Jawa Barat: 18 kabupaten and 9 kota (idn-area-data)
        Assert.All(regencies, g =>
        {
            Assert.Equal("REGION_LEVEL_REGENCY", g.GetProperty("level").GetString());
            Assert.StartsWith("32", g.GetProperty("code").GetString());
            Assert.Equal(4, g.GetProperty("code").GetString()!.Length);
        });
        Assert.Contains(regencies, g => g.GetProperty("code").GetString() == "3201" && g.GetProperty("name").GetString() == "Kabupaten Bogor");

        var districts = Items(r[4].Reply, "regions").ToList();
        Assert.NotEmpty(districts);
        Assert.All(districts, d =>
        {
            Assert.Equal("REGION_LEVEL_DISTRICT", d.GetProperty("level").GetString());
            Assert.StartsWith("3201", d.GetProperty("code").GetString());
        });
    }

    [Fact]
    public async Task AggregateService_answers_Aggregate_DesilDistribution_and_Percentiles()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(new
            {
                indicators = new[] { "population", "jkn_coverage" },
                scope = new { region = "32" },
                group_by = new[] { "sex" },
            }),
            ApiCall.Desil(new { unit = "persons", scope = new { region = "3201", breakdown = "REGION_LEVEL_DISTRICT" } }, service.Regency3201.Token),
            ApiCall.Percentiles(new { variable = "age", percentiles = new[] { 25.0, 50, 75 }, scope = new { region = "32" } }));

        var aggregate = r[0].Reply;
        Assert.Equal(new[] { "population", "jkn_coverage" }, Items(aggregate, "measures").Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(new[] { "count", "percentage" }, Items(aggregate, "measures").Select(m => m.GetProperty("statistic").GetString()));
        Assert.Equal(new[] { "sex" }, Items(aggregate, "dimensions").Select(d => d.GetString()));
        var sexKeys = Items(aggregate, "rows").Select(row => row.GetProperty("keys")[0]).Where(k => k.TryGetProperty("code", out _))
            .Select(k => (k.GetProperty("code").GetString(), k.GetProperty("label").GetString())).ToList();
        Assert.Contains(("1", "Laki-laki"), sexKeys);
        Assert.Contains(("2", "Perempuan"), sexKeys);
        Assert.Equal("TIER_PUBLIC", aggregate.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.Equal("32", aggregate.GetProperty("metadata").GetProperty("effective_region").GetString());

        var desil = r[1].Reply;
        Assert.Contains("desil", Items(desil, "dimensions").Select(d => d.GetString()));
        Assert.Equal("TIER_DISAGGREGATED", desil.GetProperty("metadata").GetProperty("tier").GetString());
        var desilIndex = Items(desil, "dimensions").Select(d => d.GetString()).ToList().IndexOf("desil");
        var desilCodes = Items(desil, "rows").Select(row => row.GetProperty("keys")[desilIndex])
            .Where(k => k.TryGetProperty("code", out _)).Select(k => int.Parse(k.GetProperty("code").GetString()!)).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(1, 10), desilCodes);
        var regionIndex = Items(desil, "dimensions").Select(d => d.GetString()).ToList().IndexOf("region");
        Assert.True(regionIndex >= 0, $"a district breakdown has a region column: {desil}");
        Assert.All(Items(desil, "rows").Select(row => row.GetProperty("keys")[regionIndex]).Where(k => k.TryGetProperty("code", out _)),
            k => Assert.StartsWith("3201", k.GetProperty("code").GetString()));

        var percentiles = r[2].Reply;
        Assert.Equal(3, Items(percentiles, "measures").Count());
        Assert.All(Items(percentiles, "measures"), m => Assert.Equal("percentile", m.GetProperty("statistic").GetString()));
        var total = Items(percentiles, "rows").Single(); // no breakdown: one row
        var values = total.GetProperty("cells").EnumerateArray().Select(c => c.GetProperty("value").GetDouble()).ToList();
        Assert.True(values[0] <= values[1] && values[1] <= values[2], $"quartiles of age must be ordered: {string.Join(", ", values)}");
        Assert.InRange(values[1], 5, 80);
    }

    [Fact]
    public async Task AdminService_issues_lists_and_revokes_grants_for_an_operator()
    {
        var op = service.Operator.Token;
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Admin("IssueGrant", new
            {
                organisation = "Pemerintah Kota Jakarta Selatan",
                unit = "Bappeko",
                tier = "TIER_DISAGGREGATED",
                region = "31.74",
                purpose = "Targeting social assistance",
            }, op),
            ApiCall.Admin("ListGrants", new { }, op),
            ApiCall.Admin("RevokeGrant", new { grant_id = "${0.reply.grant.id}", reason = "test over" }, op),
            ApiCall.Admin("ListGrants", new { }, op),
            ApiCall.Admin("ListGrants", new { include_inactive = true }, op),
            ApiCall.Admin("IssueGrant", new { organisation = "X", unit = "Y", purpose = "Z" }, op),
            ApiCall.Admin("IssueGrant", new { organisation = "X", unit = "Y", purpose = "Z", tier = "TIER_DISAGGREGATED", region = "320101" }, op),
            ApiCall.Admin("RevokeGrant", new { grant_id = "no-such-grant", reason = "test" }, op));

        var issued = r[0].Reply;
        var id = issued.GetProperty("grant").GetProperty("id").GetString()!;
        Assert.StartsWith("rgs_", issued.GetProperty("token").GetString());
        Assert.Equal("3174", issued.GetProperty("grant").GetProperty("region").GetString());
        Assert.Equal("TIER_DISAGGREGATED", issued.GetProperty("grant").GetProperty("tier").GetString());

        static List<string> Ids(CallResult list) => list.Reply.GetProperty("grants").EnumerateArray().Select(g => g.GetProperty("id").GetString()!).ToList();
        Assert.Contains(id, Ids(r[1]));
        Assert.Contains(service.Regency3201.Grant.Id, Ids(r[1]));
        Assert.DoesNotContain(service.Revoked.Grant.Id, Ids(r[1]));

        var revoked = r[2].Reply.GetProperty("grant");
        Assert.Equal(id, revoked.GetProperty("id").GetString());
        Assert.True(revoked.TryGetProperty("revoked_at", out var at) && at.ValueKind == JsonValueKind.String, $"revoked_at is set: {r[2]}"); // a Timestamp in protobuf JSON

        Assert.DoesNotContain(id, Ids(r[3]));
        Assert.Contains(id, Ids(r[4]));
        Assert.Contains(service.Revoked.Grant.Id, Ids(r[4]));
        Assert.Contains(service.Expired.Grant.Id, Ids(r[4]));

        Assert.Contains("TIER_DISAGGREGATED", r[5].AssertFieldViolation("tier"));
        Assert.Contains("district", r[6].AssertStatus(GrpcStatusCode.InvalidArgument).Message); // a grant's region is never a kecamatan
        Assert.Equal(("grant", "no-such-grant"), r[7].AssertStatus(GrpcStatusCode.NotFound).Resource);
    }

    [Fact]
    public async Task Health_reports_every_regsosek_service_as_serving_and_an_unknown_service_as_NOT_FOUND()
    {
        string[] services = ["", "regsosek.v1.CatalogService", "regsosek.v1.AggregateService", "regsosek.v1.AdminService", "regsosek.v1.ExtractService"];
        var calls = services.Select(s => new ApiCall { Service = "Health", Method = "Check", Request = new { service = s } })
            .Append(new ApiCall { Service = "Health", Method = "Check", Request = new { service = "regsosek.v1.NoSuchService" } })
            .ToArray();
        var r = await ApiClient.RunAsync(service.Address, calls);

        for (int i = 0; i < services.Length; i++)
            Assert.True(r[i].Ok && r[i].Reply.GetProperty("status").GetString() == "SERVING", $"{services[i]}: {r[i]}");
        r[^1].AssertStatus(GrpcStatusCode.NotFound);
    }

    [Fact]
    public async Task An_error_carries_google_rpc_Status_details_a_real_client_decodes()
    {
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Aggregate(new { indicators = new[] { "population", "no_such_indicator" } }),
            ApiCall.Aggregate(new { indicators = new[] { "population" }, scope = new { region = "3273" } }, service.Regency3201.Token));

        var description = r[0].AssertFieldViolation("indicators[1]");
        Assert.Contains("no_such_indicator", description);
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, r[0].RichStatus!.Value.Code);
        Assert.Equal(r[0].Message, r[0].RichStatus!.Value.Message);

        r[1].AssertRefused(GrpcStatusCode.PermissionDenied, "scope.outside-grant");
        Assert.Contains("3201", r[1].Message); // names the caller's scope, so the client knows what it may ask for
    }

    [Fact]
    public async Task A_deadline_that_expires_while_the_server_works_is_DEADLINE_EXCEEDED_and_the_query_never_runs()
    {
        var head = await service.AuditHeadAsync();
        using var gate = service.Regions.Arm("3201");
        await using var plan = ApiClient.Start(service.Address, new ApiCall
        {
            Service = "AggregateService",
            Method = "Aggregate",
            Request = new { indicators = new[] { "population" }, scope = new { region = "3201" } },
            Token = service.Regency3201.Token,
            DeadlineMs = 10000,
        });
        await WaitAsync(gate.Entered, "the call never reached the server's handler");

        var result = (await plan.ResultsAsync()).Single(); // the client gives up at its deadline while the server is held
        // The server's deadline counts from the request's arrival, a little after the client's: let it pass (and the
        // client's reset arrive, on a loaded machine) before the held handler goes on, or the race is the test's.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        gate.Release();

        result.AssertStatus(GrpcStatusCode.DeadlineExceeded);
        var record = await WaitForAuditAsync(head, "/regsosek.v1.AggregateService/Aggregate");
        Assert.Equal(AuditDecision.Interrupted, record.Entry.Decision);
        Assert.Equal("call.deadline-exceeded", record.Entry.Rule);
        Assert.Equal((int)GrpcStatusCode.DeadlineExceeded, record.Entry.StatusCode);
        Assert.Equal(0, record.Entry.Cells);
        await AssertServingAsync();
    }

    [Fact]
    public async Task A_call_the_client_cancels_is_CANCELLED_and_the_server_stops_it()
    {
        var head = await service.AuditHeadAsync();
        using var gate = service.Regions.Arm("3201");
        await using var plan = ApiClient.Start(service.Address, new ApiCall
        {
            Service = "AggregateService",
            Method = "Percentiles",
            Request = new { variable = "age", percentiles = new[] { 50.0 }, scope = new { region = "3201" } },
            Token = service.Regency3201.Token,
            Cancellable = true,
        });
        await WaitAsync(gate.Entered, "the call never reached the server's handler");
        await plan.CancelAsync();

        var result = (await plan.ResultsAsync()).Single();
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the client's reset reaches the server before the handler goes on
        gate.Release();

        result.AssertStatus(GrpcStatusCode.Cancelled);
        var record = await WaitForAuditAsync(head, "/regsosek.v1.AggregateService/Percentiles");
        Assert.Equal(AuditDecision.Interrupted, record.Entry.Decision);
        Assert.Equal("call.cancelled", record.Entry.Rule);
        Assert.Equal(0, record.Entry.Rows); // nothing was sent
        await AssertServingAsync();
    }

    private async Task AssertServingAsync()
    {
        var after = await ApiClient.CallAsync(service.Address, ApiCall.GoodPublicAggregate());
        Assert.True(after.Ok, $"the server stopped serving: {after}");
    }

    private static async Task WaitAsync(Task task, string failure)
    {
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == task, failure + " within 60 s");
    }

    /// <summary>The first audit record of <paramref name="method"/> after <paramref name="head"/>, waiting for the server to write it.</summary>
    private async Task<AuditRecord> WaitForAuditAsync(long head, string method)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(100))
        {
            var record = (await service.AuditRecordsAfterAsync(head)).FirstOrDefault(r => r.Entry.Method == method);
            if (record is not null) return record;
            await Task.Delay(100);
        }
        Assert.Fail($"no audit record of {method} after #{head} within 60 s");
        return null!;
    }
}
