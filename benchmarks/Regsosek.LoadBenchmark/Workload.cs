using Google.Protobuf;
using Regsosek.Api.V1;

namespace Regsosek.LoadBenchmark;

/// <summary>One kind of request of the workload: what Sepakat (or the public) sends, and as whom.</summary>
/// <param name="Id">Short id used in the report.</param>
/// <param name="Description">What the request asks, in words.</param>
/// <param name="Method">The gRPC method path, "/regsosek.v1.AggregateService/..." (named in the audit record).</param>
/// <param name="Request">The wire request (AggregateRequest, DesilDistributionRequest or PercentilesRequest).</param>
/// <param name="WithToken">True: sent with the tier-2 grant's bearer token; false: no token (tier 1, the public).</param>
public sealed record RequestKind(string Id, string Description, string Method, IMessage Request, bool WithToken)
{
    /// <summary>Calls the service with this request through its typed client; <paramref name="token"/> is used only when <see cref="WithToken"/>.</summary>
    /// <exception cref="Grpc.Core.RpcException">The call ended with a status other than OK.</exception>
    public async Task<AggregateResponse> CallAsync(AggregateService.AggregateServiceClient client, string token, CancellationToken ct = default)
    {
        var headers = WithToken ? new Grpc.Core.Metadata { { "authorization", "Bearer " + token } } : null;
        return Request switch
        {
            AggregateRequest a => await client.AggregateAsync(a, headers, cancellationToken: ct),
            DesilDistributionRequest d => await client.DesilDistributionAsync(d, headers, cancellationToken: ct),
            PercentilesRequest p => await client.PercentilesAsync(p, headers, cancellationToken: ct),
            _ => throw new ArgumentException($"{Id}: not an aggregate request: {Request.Descriptor.FullName}"),
        };
    }
}

/// <summary>The Sepakat-style mix of the benchmark (see ../SERVICE.md).</summary>
public static class Workload
{
    private const string Service = "/regsosek.v1.AggregateService/";

    /// <summary>Province of request (a): Jawa Barat, the most populous.</summary>
    public const string IndicatorProvince = "32";

    /// <summary>Regency of request (b): Kabupaten Bandung.</summary>
    public const string DesilRegency = "3204";

    /// <summary>Province of request (c): Jawa Timur.</summary>
    public const string PercentileProvince = "35";

    /// <summary>The four request kinds, (a) to (d).</summary>
    public static IReadOnlyList<RequestKind> Kinds { get; } =
    [
        new("a-indicator-by-regency",
            $"JKN coverage (% of persons) by regency, province {IndicatorProvince}; tier 2",
            Service + "Aggregate",
            new AggregateRequest
            {
                Indicators = { "jkn_coverage" },
                Scope = new Scope { Region = IndicatorProvince, Breakdown = RegionLevel.Regency },
            },
            WithToken: true),
        new("b-desil-by-district",
            $"families per desil 1-10, regency {DesilRegency} by district; tier 2",
            Service + "DesilDistribution",
            new DesilDistributionRequest
            {
                Unit = "families",
                Scope = new Scope { Region = DesilRegency, Breakdown = RegionLevel.District },
            },
            WithToken: true),
        new("c-percentiles-urban-rural",
            $"floor area per capita p10/p25/p50/p75/p90, province {PercentileProvince} by urban/rural; tier 2",
            Service + "Percentiles",
            new PercentilesRequest
            {
                Variable = "floor_area_per_capita",
                Percentiles = { 10, 25, 50, 75, 90 },
                Scope = new Scope { Region = PercentileProvince },
                GroupBy = { "urban_rural" },
            },
            WithToken: true),
        new("d-tier1-national-by-province",
            "family count, safe drinking water, electrification (open) by province, national; tier 1, no token",
            Service + "Aggregate",
            new AggregateRequest
            {
                Indicators = { "family_count", "safe_drinking_water", "electrification" },
                Scope = new Scope { Breakdown = RegionLevel.Province },
            },
            WithToken: false),
    ];
}
