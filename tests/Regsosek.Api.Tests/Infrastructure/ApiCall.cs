using System.Text.Json.Serialization;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>
/// One call of a plan run by <see cref="ApiClient"/> (in process, the typed Grpc.Net.Client clients) or by
/// <see cref="NodeClient"/> (tests/interop/regsosek-client.js, grpc-js). <see cref="Request"/> is the request
/// message as a plain object with the .proto field names, read as protobuf JSON (e.g. <c>new { indicators = new[] { "population" }, scope = new { region = "32" } }</c>);
/// enums are given by name ("REGION_LEVEL_REGENCY").
/// </summary>
public sealed record ApiCall
{
    /// <summary>The service's short name: CatalogService, AggregateService, AdminService, ExtractService or Health (not for grpc-js).</summary>
    [JsonPropertyName("service")] public required string Service { get; init; }
    /// <summary>The method, e.g. "Aggregate".</summary>
    [JsonPropertyName("method")] public required string Method { get; init; }
    /// <summary>The request message as a plain object.</summary>
    [JsonPropertyName("request")] public object? Request { get; init; }
    /// <summary>Sent as "authorization: Bearer &lt;token&gt;"; may be a reference "${i.reply.token}" to an earlier result.</summary>
    [JsonPropertyName("token")] public string? Token { get; init; }
    /// <summary>Sent verbatim as the authorization header (for malformed headers).</summary>
    [JsonPropertyName("authorization")] public string? Authorization { get; init; }
    /// <summary>The call's deadline in milliseconds from its start; the client's default is 60 s.</summary>
    [JsonPropertyName("deadlineMs")] public int? DeadlineMs { get; init; }
    /// <summary>The call can be cancelled by the test (<see cref="ApiPlan.CancelAsync"/>; for grpc-js: "cancel" on its stdin).</summary>
    [JsonPropertyName("cancelOnStdin")] public bool? Cancellable { get; init; }
    /// <summary>Raw request bytes (base64) sent instead of an encoded <see cref="Request"/>.</summary>
    [JsonPropertyName("rawBase64")] public string? RawBase64 { get; init; }
    /// <summary>For a server-streaming call: the file the client writes the stream's data bytes to.</summary>
    [JsonPropertyName("saveTo")] public string? SaveTo { get; init; }

    /// <summary>AggregateService.Aggregate.</summary>
    public static ApiCall Aggregate(object request, string? token = null) =>
        new() { Service = "AggregateService", Method = "Aggregate", Request = request, Token = token };

    /// <summary>AggregateService.DesilDistribution.</summary>
    public static ApiCall Desil(object request, string? token = null) =>
        new() { Service = "AggregateService", Method = "DesilDistribution", Request = request, Token = token };

    /// <summary>AggregateService.Percentiles.</summary>
    public static ApiCall Percentiles(object request, string? token = null) =>
        new() { Service = "AggregateService", Method = "Percentiles", Request = request, Token = token };

    /// <summary>ExtractService.Extract (server streaming); the data bytes go to <paramref name="saveTo"/> when given.</summary>
    public static ApiCall Extract(object request, string? token = null, string? saveTo = null) =>
        new() { Service = "ExtractService", Method = "Extract", Request = request, Token = token, SaveTo = saveTo };

    /// <summary>A CatalogService method.</summary>
    public static ApiCall Catalog(string method, object? request = null, string? token = null) =>
        new() { Service = "CatalogService", Method = method, Request = request ?? new { }, Token = token };

    /// <summary>An AdminService method.</summary>
    public static ApiCall Admin(string method, object request, string? token) =>
        new() { Service = "AdminService", Method = method, Request = request, Token = token };

    /// <summary>A small request every caller may make: the national population (an open indicator).</summary>
    public static ApiCall GoodPublicAggregate() => Aggregate(new { indicators = new[] { "population" } });
}
