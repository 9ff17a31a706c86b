using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// CatalogService beyond indicators and regions: WhoAmI (GET /v1/me), the numerics for Percentiles (GET /v1/numerics),
/// the dimensions' minimum tier, the extract columns with their value labels and tiers (GET /v1/extract-columns), and
/// the measure id a Percentiles call answers with — each through the typed gRPC client and the JSON route.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class CatalogTests(ServiceFixture service)
{
    private static readonly JsonParser ProtoJson = new(JsonParser.Settings.Default);

    private CatalogService.CatalogServiceClient Catalog() => new(ApiClient.Channel(service.Address));

    private AggregateService.AggregateServiceClient Aggregates() => new(ApiClient.Channel(service.Address));

    private IndicatorCatalogue TheCatalogue => service.Services.GetRequiredService<IndicatorCatalogue>();

    private static string? ReasonOf(RpcException e) => e.GetRpcStatus()?.Details
        .Where(d => d.Is(Google.Rpc.ErrorInfo.Descriptor)).Select(d => d.Unpack<Google.Rpc.ErrorInfo>().Reason).FirstOrDefault();

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private HttpClient Http11() => new()
    {
        BaseAddress = new Uri($"http://{service.HttpAddress}"),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? token = null)
    {
        using var http = Http11();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // ------------------------------------------------------------------ WhoAmI

    [Fact]
    public async Task WhoAmI_with_a_token_tells_the_grant_and_is_audited_under_it()
    {
        var issued = service.Regency3201;
        var head = await service.AuditHeadAsync();

        var me = await Catalog().WhoAmIAsync(new WhoAmIRequest(), Bearer(issued.Token));

        var g = issued.Grant;
        Assert.Equal(g.Id, me.Grant.Id);
        Assert.Equal("Pemerintah Kabupaten Bogor", me.Grant.Organisation);
        Assert.Equal("Bappeda", me.Grant.Unit);
        Assert.Equal(V1.Tier.Disaggregated, me.Grant.Tier);
        Assert.Equal("3201", me.Grant.Region);
        Assert.Equal(g.Purpose, me.Grant.Purpose);
        Assert.Equal(g.ValidFrom, me.Grant.ValidFrom.ToDateTimeOffset());
        Assert.Equal(g.ValidUntil, me.Grant.ValidUntil.ToDateTimeOffset());
        Assert.Null(me.Grant.RevokedAt);
        Assert.False(me.Grant.Operator);
        Assert.Equal(V1.Tier.Disaggregated, me.Tier);
        Assert.Equal("3201", me.Region);
        Assert.Equal("Kabupaten Bogor", me.RegionName);

        var record = Assert.Single(await service.AuditRecordsAfterAsync(head));
        Assert.Equal("/regsosek.v1.CatalogService/WhoAmI", record.Entry.Method);
        Assert.Equal(g.Id, record.Entry.GrantId);
        Assert.Equal(AuditDecision.Allowed, record.Entry.Decision);
        Assert.Equal(RegionCode.Parse("3201"), record.Entry.Scope);
    }

    [Fact]
    public async Task GET_v1_me_answers_with_the_names_the_dashboard_reads()
    {
        var (status, body) = await GetAsync("/v1/me", service.Province32.Token);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var grant = json.GetProperty("grant");
        Assert.Equal("Pemerintah Provinsi Jawa Barat", grant.GetProperty("organisation").GetString());
        Assert.Equal("Bappeda", grant.GetProperty("unit").GetString());
        Assert.Equal("TIER_DISAGGREGATED", grant.GetProperty("tier").GetString());
        Assert.Equal("32", grant.GetProperty("region").GetString());
        var until = DateTimeOffset.Parse(grant.GetProperty("validUntil").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(service.Province32.Grant.ValidUntil, until);
        Assert.Equal("Jawa Barat", json.GetProperty("regionName").GetString(), ignoreCase: true);
        Assert.Equal(ProtoJson.Parse<WhoAmIResponse>(body), await Catalog().WhoAmIAsync(new WhoAmIRequest(), Bearer(service.Province32.Token)));
    }

    [Fact]
    public async Task WhoAmI_without_a_token_is_the_public_at_tier_1_with_national_scope()
    {
        var head = await service.AuditHeadAsync();
        var me = await Catalog().WhoAmIAsync(new WhoAmIRequest());
        Assert.Null(me.Grant);
        Assert.Equal(V1.Tier.Public, me.Tier);
        Assert.Equal("", me.Region);
        Assert.Equal("Indonesia", me.RegionName);
        var record = Assert.Single(await service.AuditRecordsAfterAsync(head));
        Assert.Equal("/regsosek.v1.CatalogService/WhoAmI", record.Entry.Method);
        Assert.Null(record.Entry.GrantId);
        Assert.Equal(AuditDecision.Allowed, record.Entry.Decision);

        var (status, body) = await GetAsync("/v1/me");
        Assert.Equal(HttpStatusCode.OK, status);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.False(json.TryGetProperty("grant", out _), body);
        Assert.Equal("TIER_PUBLIC", json.GetProperty("tier").GetString());
    }

    [Fact]
    public async Task WhoAmI_refuses_a_revoked_an_expired_and_an_unknown_token_as_every_call_does()
    {
        var head = await service.AuditHeadAsync();
        var revoked = await Assert.ThrowsAsync<RpcException>(() => Catalog().WhoAmIAsync(new WhoAmIRequest(), Bearer(service.Revoked.Token)).ResponseAsync);
        var expired = await Assert.ThrowsAsync<RpcException>(() => Catalog().WhoAmIAsync(new WhoAmIRequest(), Bearer(service.Expired.Token)).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Catalog().WhoAmIAsync(new WhoAmIRequest(), Bearer("rgs_" + new string('x', 43))).ResponseAsync);
        Assert.Equal((GrpcStatusCode.PermissionDenied, "auth.grant-revoked"), (revoked.StatusCode, ReasonOf(revoked)));
        Assert.Equal((GrpcStatusCode.PermissionDenied, "auth.grant-expired"), (expired.StatusCode, ReasonOf(expired)));
        Assert.Equal(GrpcStatusCode.Unauthenticated, unknown.StatusCode);

        var records = await service.AuditRecordsAfterAsync(head);
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(AuditDecision.Denied, r.Entry.Decision));
        Assert.Equal(service.Revoked.Grant.Id, records[0].Entry.GrantId);

        var (status, body) = await GetAsync("/v1/me", service.Revoked.Token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("auth.grant-revoked", body);
    }

    // ------------------------------------------------------------------ numerics

    [Fact]
    public async Task ListNumerics_lists_the_catalogue_numerics_with_units_and_tiers()
    {
        var list = await Catalog().ListNumericsAsync(new ListNumericsRequest());
        var catalogue = TheCatalogue.Numerics;
        Assert.Equal(catalogue.Select(n => n.Id), list.Numerics.Select(n => n.Id));
        foreach (var (wire, n) in list.Numerics.Zip(catalogue))
        {
            Assert.Equal(n.NameId, wire.NameId);
            Assert.Equal(n.NameEn, wire.NameEn);
            Assert.Equal(n.Unit.Name(), wire.Unit);
            Assert.Equal(n.ValueUnit, wire.ValueUnit);
            Assert.Equal(n.Visibility.Open, wire.Open);
            Assert.Equal((int)n.Visibility.MinTier, (int)wire.MinTier);
        }
        var fapc = list.Numerics.Single(n => n.Id == "floor_area_per_capita");
        Assert.Equal(("families", "m2", true, V1.Tier.Public, V1.RegionLevel.Village), (fapc.Unit, fapc.ValueUnit, fapc.Open, fapc.MinTier, fapc.LowestLevel));
        var age = list.Numerics.Single(n => n.Id == "age");
        Assert.Equal(("persons", "years"), (age.Unit, age.ValueUnit));

        var (status, body) = await GetAsync("/v1/numerics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(list, ProtoJson.Parse<ListNumericsResponse>(body));
        var first = JsonDocument.Parse(body).RootElement.GetProperty("numerics")[0];
        Assert.True(first.TryGetProperty("valueUnit", out _) && first.TryGetProperty("minTier", out _), body);
    }

    [Fact]
    public async Task Every_listed_numeric_is_what_Percentiles_takes_and_the_open_ones_are_open_to_the_public()
    {
        var list = await Catalog().ListNumericsAsync(new ListNumericsRequest());
        foreach (var n in list.Numerics)
        {
            var request = new PercentilesRequest { Variable = n.Id, Percentiles = { 50 }, Scope = new Scope { Region = "32" } };
            var granted = await Aggregates().PercentilesAsync(request, Bearer(service.Microdata.Token));
            Assert.Equal($"{n.Id}:p50", Assert.Single(granted.Measures).Id);
            Assert.Equal(n.ValueUnit, granted.Measures[0].Unit);

            var call = await ApiClient.CallAsync(service.Address, ApiCall.Percentiles(new { variable = n.Id, percentiles = new[] { 50 }, scope = new { region = "32" } }));
            Assert.True(call.Ok == n.Open, $"{n.Id} (open: {n.Open}) asked by the public: {call}");
        }
    }

    // ------------------------------------------------------------------ the percentile measure id

    [Fact]
    public async Task A_percentile_measure_id_is_variable_colon_p_percentile_as_the_proto_says_and_Aggregate_takes_it_back()
    {
        var request = new PercentilesRequest { Variable = "floor_area_per_capita", Percentiles = { 2.5, 50, 90 }, Scope = new Scope { Region = "32" } };
        var answer = await Aggregates().PercentilesAsync(request);
        string[] ids = ["floor_area_per_capita:p2.5", "floor_area_per_capita:p50", "floor_area_per_capita:p90"];
        Assert.Equal(ids, answer.Measures.Select(m => m.Id));
        Assert.All(answer.Measures, m => Assert.Equal(("percentile", "m2"), (m.Statistic, m.Unit)));

        // The same ids through the JSON route, and as Aggregate's measures they give the same cells.
        using var http = Http11();
        using var json = await http.PostAsync("/v1/percentiles", new StringContent(
            """{"variable": "floor_area_per_capita", "percentiles": [2.5, 50, 90], "scope": {"region": "32"}}""", Encoding.UTF8, "application/json"));
        var viaJson = ProtoJson.Parse<AggregateResponse>(await json.Content.ReadAsStringAsync());
        Assert.Equal(ids, viaJson.Measures.Select(m => m.Id));
        var aggregate = await Aggregates().AggregateAsync(new V1.AggregateRequest { Indicators = { ids }, Scope = new Scope { Region = "32" } });
        Assert.Equal(ids, aggregate.Measures.Select(m => m.Id));
        Assert.Equal(answer.Rows, aggregate.Rows);

        // The proto's comment describes that id.
        var proto = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "proto", "regsosek", "v1", "aggregate.proto"));
        var measure = proto[proto.IndexOf("message Measure {", StringComparison.Ordinal)..];
        Assert.Contains("\"<variable>:p<percentile>\"", measure[..measure.IndexOf('}')]);
        Assert.Contains("\"floor_area_per_capita:p50\"", measure[..measure.IndexOf('}')]);
        Assert.DoesNotContain("_p<percentile>", proto);
    }

    // ------------------------------------------------------------------ dimensions

    [Fact]
    public async Task Dimensions_carry_their_minimum_tier()
    {
        var list = await Catalog().ListDimensionsAsync(new ListDimensionsRequest());
        var catalogue = TheCatalogue.Dimensions;
        Assert.Equal(catalogue.Select(d => (d.Id, (int)d.MinTier)), list.Dimensions.Select(d => (d.Id, (int)d.MinTier)));
        Assert.Equal(V1.Tier.Public, list.Dimensions.Single(d => d.Id == "sex").MinTier);
        Assert.All(list.Dimensions, d => Assert.NotEqual(V1.Tier.Unspecified, d.MinTier));

        var (status, body) = await GetAsync("/v1/dimensions");
        Assert.Equal(HttpStatusCode.OK, status);
        var json = JsonDocument.Parse(body).RootElement.GetProperty("dimensions").EnumerateArray()
            .ToDictionary(d => d.GetProperty("id").GetString()!, d => d.GetProperty("minTier").GetString());
        foreach (var d in catalogue)
            Assert.Equal(CommonReflection.Descriptor.EnumTypes.Single(e => e.Name == "Tier").FindValueByNumber((int)d.MinTier).Name, json[d.Id]);
    }

    // ------------------------------------------------------------------ extract columns

    [Fact]
    public async Task ListExtractColumns_lists_the_dictionary_columns_with_value_labels_and_tiers()
    {
        var individu = await Catalog().ListExtractColumnsAsync(new ListExtractColumnsRequest());
        Assert.Equal("individu", individu.Table);
        var dictionary = Regsosek.Schema.DataDictionary.Default;
        Assert.Equal(dictionary.Columns(Regsosek.Schema.TableKind.Individu).Select(v => v.Column), individu.Columns.Select(c => c.Name));

        var sex = individu.Columns.Single(c => c.Name == "r405");
        Assert.Equal(("405", V1.Tier.Microdata, false), (sex.Question, sex.MinTier, sex.Identity));
        Assert.True(sex.QuasiIdentifier);
        Assert.Contains(sex.Values, v => v.Code == 1 && v.LabelEn.Length > 0 && v.LabelId.Length > 0);
        Assert.Equal(2, sex.Values.Count);
        var birthDate = individu.Columns.Single(c => c.Name == "r406");
        Assert.Equal((V1.Tier.Bnba, true), (birthDate.MinTier, birthDate.Identity));
        Assert.Equal(V1.Tier.Microdata, individu.Columns.Single(c => c.Name == "r407").MinTier);
        Assert.True(individu.Columns.Single(c => c.Name == "person_id").Pseudonymised);
        Assert.Equal(V1.Tier.Bnba, individu.Columns.Single(c => c.Name == "village_code").MinTier);
        Assert.All(individu.Columns, c => Assert.True(c.MinTier is V1.Tier.Microdata or V1.Tier.Bnba, c.ToString()));
        Assert.All(individu.Columns.Where(c => c.Identity), c => Assert.Equal(V1.Tier.Bnba, c.MinTier));

        var (status, body) = await GetAsync("/v1/extract-columns?table=keluarga");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        var keluarga = ProtoJson.Parse<ListExtractColumnsResponse>(body);
        Assert.Equal("keluarga", keluarga.Table);
        Assert.Equal(dictionary.Columns(Regsosek.Schema.TableKind.Keluarga).Select(v => v.Column), keluarga.Columns.Select(c => c.Name));
        Assert.Contains(keluarga.Columns, c => c.Identity && c.MinTier == V1.Tier.Bnba);
        Assert.Contains("\"values\"", body);
        Assert.Contains("\"minTier\"", body);

        var joined = await Catalog().ListExtractColumnsAsync(new ListExtractColumnsRequest { Table = "EXTRACT_TABLE_INDIVIDU_WITH_KELUARGA" });
        Assert.Equal("individu_with_keluarga", joined.Table);
        Assert.Equal(joined.Columns.Count, joined.Columns.Select(c => c.Name).Distinct().Count());
        Assert.Equal(individu.Columns.Select(c => c.Name), joined.Columns.Take(individu.Columns.Count).Select(c => c.Name));
        Assert.Contains(joined.Columns, c => c.Table == "keluarga");

        var bad = await Assert.ThrowsAsync<RpcException>(() => Catalog().ListExtractColumnsAsync(new ListExtractColumnsRequest { Table = "rumah" }).ResponseAsync);
        Assert.Equal(GrpcStatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains(bad.GetRpcStatus()!.Details.Where(d => d.Is(Google.Rpc.BadRequest.Descriptor))
            .SelectMany(d => d.Unpack<Google.Rpc.BadRequest>().FieldViolations), v => v.Field == "table");
        var (badStatus, badBody) = await GetAsync("/v1/extract-columns?table=rumah");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("individu", badBody);
    }

    /// <summary>The tiers listed are the tiers the extract service applies: a tier-3 extract of every column listed at
    /// tier 3 succeeds, each column listed at tier 4 is refused to tier 3, and a tier-4 extract of every column succeeds.</summary>
    [Theory]
    [InlineData("individu")]
    [InlineData("keluarga")]
    public async Task The_tier_listed_for_each_extract_column_is_the_tier_an_extract_of_it_needs(string table)
    {
        var bnba = await ServiceFixture.IssueAsync(service.Grants, "Dinas Sosial Kabupaten Bogor", Core.Tier.Bnba, "3201");
        var list = await Catalog().ListExtractColumnsAsync(new ListExtractColumnsRequest { Table = table });
        var wireTable = "EXTRACT_TABLE_" + table.ToUpperInvariant();
        object Request(IEnumerable<string> columns) => new { table = wireTable, columns = columns.ToArray(), region = "3201", format = "EXTRACT_FORMAT_CSV" };

        var tier3 = list.Columns.Where(c => c.MinTier == V1.Tier.Microdata).Select(c => c.Name).ToList();
        var tier4 = list.Columns.Where(c => c.MinTier == V1.Tier.Bnba).Select(c => c.Name).ToList();
        Assert.NotEmpty(tier3);
        Assert.NotEmpty(tier4);
        var calls = new List<ApiCall>
        {
            ApiCall.Extract(Request(tier3), service.Microdata.Token),
            ApiCall.Extract(Request(list.Columns.Select(c => c.Name)), bnba.Token),
        };
        calls.AddRange(tier4.Select(c => ApiCall.Extract(Request([c]), service.Microdata.Token)));
        var results = await ApiClient.RunAsync(service.Address, [.. calls]);

        Assert.True(results[0].Ok, $"tier 3, the tier-3 columns: {results[0]}");
        Assert.True(results[1].Ok, $"tier 4, every column: {results[1]}");
        for (int i = 0; i < tier4.Count; i++)
            results[2 + i].AssertStatus(GrpcStatusCode.PermissionDenied);
    }
}
