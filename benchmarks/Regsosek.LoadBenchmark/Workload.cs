using Google.Protobuf;
using Regsosek.Api.V1;

namespace Regsosek.LoadBenchmark;

/// <summary>The geographic scope of a request kind.</summary>
public enum ScopeLevel
{
    /// <summary>The whole country.</summary>
    National,
    /// <summary>One province.</summary>
    Province,
    /// <summary>One regency (kabupaten/kota).</summary>
    Regency,
}

/// <summary>One kind of request of the workload: what Sepakat (or the public) sends, and as whom.</summary>
/// <param name="Id">Short id used in the report.</param>
/// <param name="Description">What the request asks, in words.</param>
/// <param name="Method">The gRPC method path, "/regsosek.v1.AggregateService/..." (named in the audit record).</param>
/// <param name="Request">The wire request (AggregateRequest, DesilDistributionRequest or PercentilesRequest).</param>
/// <param name="WithToken">True: sent with the tier-2 grant's bearer token; false: no token (tier 1, the public).</param>
/// <param name="Scope">National, province or regency.</param>
/// <param name="PlainSql">
/// The plainest SQL a DuckDB (or PostgreSQL) user would write for the same cells, margins included, with
/// <c>{individu}</c> and <c>{keluarga}</c> where the table goes (DuckDB: read_parquet with hive partitioning;
/// PostgreSQL: the loaded table). No cell-key sums: those are the service's own work. Its columns: GROUPING(...) of
/// the dimensions as a bit mask (first dimension highest), each dimension's key in the plan's order, then per measure:
/// a count; a percentage's numerator and denominator counts; or a statistic's value. The benchmark checks its result
/// cell by cell against the scan plan's exact result before timing it (<see cref="PlainBaseline"/>).
/// </param>
public sealed record RequestKind(string Id, string Description, string Method, IMessage Request, bool WithToken,
    ScopeLevel Scope, string PlainSql)
{
    /// <summary>1 for the public (no token), 2 for the tier-2 grant.</summary>
    public int Tier => WithToken ? 2 : 1;

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

/// <summary>The Sepakat-like mix of the benchmark (see ../RESULTS.md).</summary>
public static class Workload
{
    private const string Service = "/regsosek.v1.AggregateService/";

    /// <summary>Province of the province-scope requests: Jawa Barat, the most populous.</summary>
    public const string Province = "32";

    /// <summary>Province of the percentile request at province scope: Jawa Timur.</summary>
    public const string PercentileProvince = "35";

    /// <summary>Regency of the regency-scope requests: Kabupaten Bandung (in Jawa Barat).</summary>
    public const string Regency = "3204";

    /// <summary>The persons unit's universe: members living with the family (404 = 1 or 5).</summary>
    private const string Persons = "r404 IN (1, 5)";

    private const string FloorAreaPerCapita = "CAST(r302 AS DOUBLE PRECISION) / NULLIF(r112, 0)";

    private const string SafeWater = "r306a IN (1, 2, 3, 10) OR (r306a IN (4, 5, 7) AND r306b IS DISTINCT FROM 1)";

    private static string Percentiles(string value) => string.Join(",\n  ",
        new[] { "0.1", "0.25", "0.5", "0.75", "0.9" }.Select(p => $"percentile_cont({p}) WITHIN GROUP (ORDER BY {value})"));

    /// <summary>The mix: national, province and regency scopes; tier 1 and tier 2; counts, percentages, desil, percentiles.</summary>
    public static IReadOnlyList<RequestKind> Kinds { get; } =
    [
        new("n-t1-indicators-by-province",
            "family count, safe drinking water %, electrification % (open) by province, national; tier 1, no token",
            Service + "Aggregate",
            new AggregateRequest
            {
                Indicators = { "family_count", "safe_drinking_water", "electrification" },
                Scope = new Scope { Breakdown = RegionLevel.Province },
            },
            WithToken: false, ScopeLevel.National,
            $"""
            SELECT GROUPING(prov_code), prov_code,
              count(*),
              count(*) FILTER (WHERE {SafeWater}), count(*),
              count(*) FILTER (WHERE r307a IN (1, 2, 3)), count(*)
            FROM {"{keluarga}"}
            GROUP BY ROLLUP (prov_code)
            """),
        new("n-t2-desil-by-province",
            "families per desil 1-10 by province, national; tier 2",
            Service + "DesilDistribution",
            new DesilDistributionRequest { Unit = "families", Scope = new Scope { Breakdown = RegionLevel.Province } },
            WithToken: true, ScopeLevel.National,
            """
            SELECT GROUPING(prov_code, desil), prov_code, desil, count(*)
            FROM {keluarga}
            GROUP BY CUBE (prov_code, desil)
            """),
        new("n-t2-percentiles-by-province",
            "floor area per capita p10/p25/p50/p75/p90 by province, national; tier 2",
            Service + "Percentiles",
            new PercentilesRequest
            {
                Variable = "floor_area_per_capita",
                Percentiles = { 10, 25, 50, 75, 90 },
                Scope = new Scope { Breakdown = RegionLevel.Province },
            },
            WithToken: true, ScopeLevel.National,
            $"""
            SELECT GROUPING(prov_code), prov_code,
              {Percentiles(FloorAreaPerCapita)}
            FROM {"{keluarga}"}
            GROUP BY ROLLUP (prov_code)
            """),
        new("p-t1-population-by-sex-age",
            $"population by sex and five-year age group, province {Province} (the population pyramid); tier 1, no token",
            Service + "Aggregate",
            new AggregateRequest
            {
                Indicators = { "population" },
                Scope = new Scope { Region = Province },
                GroupBy = { "sex", "age_group_5y" },
            },
            WithToken: false, ScopeLevel.Province,
            $"""
            SELECT GROUPING(r405, age_group), r405, age_group, count(*)
            FROM (SELECT r405, least(CAST(floor(r407 / 5.0) AS INTEGER), 15) + 1 AS age_group
                  FROM {"{individu}"} WHERE prov_code = {Province} AND {Persons}) AS p
            GROUP BY CUBE (r405, age_group)
            """),
        new("p-t2-jkn-by-regency",
            $"JKN coverage (% of persons) by regency, province {Province}; tier 2",
            Service + "Aggregate",
            new AggregateRequest
            {
                Indicators = { "jkn_coverage" },
                Scope = new Scope { Region = Province, Breakdown = RegionLevel.Regency },
            },
            WithToken: true, ScopeLevel.Province,
            $"""
            SELECT GROUPING(regency_code), regency_code,
              count(*) FILTER (WHERE r431a BETWEEN 1 AND 15 AND (r431a & 7) <> 0), count(*)
            FROM {"{individu}"}
            WHERE prov_code = {Province} AND {Persons}
            GROUP BY ROLLUP (regency_code)
            """),
        new("p-t2-percentiles-by-urban-rural",
            $"floor area per capita p10/p25/p50/p75/p90 by urban/rural, province {PercentileProvince}; tier 2",
            Service + "Percentiles",
            new PercentilesRequest
            {
                Variable = "floor_area_per_capita",
                Percentiles = { 10, 25, 50, 75, 90 },
                Scope = new Scope { Region = PercentileProvince },
                GroupBy = { "urban_rural" },
            },
            WithToken: true, ScopeLevel.Province,
            $"""
            SELECT GROUPING(urban_rural), urban_rural,
              {Percentiles(FloorAreaPerCapita)}
            FROM {"{keluarga}"}
            WHERE prov_code = {PercentileProvince}
            GROUP BY ROLLUP (urban_rural)
            """),
        new("r-t2-desil-by-district",
            $"families per desil 1-10 by district, regency {Regency}; tier 2",
            Service + "DesilDistribution",
            new DesilDistributionRequest
            {
                Unit = "families",
                Scope = new Scope { Region = Regency, Breakdown = RegionLevel.District },
            },
            WithToken: true, ScopeLevel.Regency,
            $"""
            SELECT GROUPING(district_code, desil), district_code, desil, count(*)
            FROM {"{keluarga}"}
            WHERE prov_code = {Province} AND regency_code = {Regency}
            GROUP BY CUBE (district_code, desil)
            """),
        new("r-t2-water-sanitation-by-village",
            $"safe drinking water % and proper sanitation % by village, regency {Regency}; tier 2",
            Service + "Aggregate",
            new AggregateRequest
            {
                Indicators = { "safe_drinking_water", "proper_sanitation" },
                Scope = new Scope { Region = Regency, Breakdown = RegionLevel.Village },
            },
            WithToken: true, ScopeLevel.Regency,
            $"""
            SELECT GROUPING(village_code), village_code,
              count(*) FILTER (WHERE {SafeWater}), count(*),
              count(*) FILTER (WHERE r309a IN (1, 2, 3) AND r309b = 1 AND r310 IN (1, 2)), count(*)
            FROM {"{keluarga}"}
            WHERE prov_code = {Province} AND regency_code = {Regency}
            GROUP BY ROLLUP (village_code)
            """),
    ];
}
