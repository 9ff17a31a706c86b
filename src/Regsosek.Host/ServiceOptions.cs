namespace Regsosek.Host;

/// <summary>
/// Configuration of the service, bound from the "Regsosek" section of appsettings.json, environment
/// variables (REGSOSEK__Dataset, REGSOSEK__Port, ...) and command-line options, in that order.
/// Every path defaults to the embedded set-up under <see cref="Home"/>. The disclosure, extract and limit settings
/// (Regsosek:Disclosure, Regsosek:Extracts, Regsosek:Limits) are options classes of their own, bound and validated
/// by <see cref="SettingsExtensions.AddRegsosekSettings"/>.
/// </summary>
public sealed class ServiceOptions
{
    /// <summary>Working directory of the embedded set-up: dataset, SQLite stores. Default: the repo's .data/.</summary>
    public string Home { get; set; } = Paths.DefaultHome();

    /// <summary>The dataset (generated Parquet with manifest.json). Default: Home/dataset.</summary>
    public string? Dataset { get; set; }

    /// <summary>Persons in the sample that ./regsosek start generates (regsosek-generate) when the dataset does not exist yet.</summary>
    public long SamplePersons { get; set; } = 500_000;

    /// <summary>Seed of the generated sample.</summary>
    public ulong SampleSeed { get; set; } = 20220101;

    /// <summary>Address to listen on; loopback by default.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port for gRPC: cleartext HTTP/2 (prior knowledge) or, with a certificate, HTTP/1.1 and HTTP/2 over TLS (ALPN).</summary>
    public int Port { get; set; } = 50051;

    /// <summary>
    /// Port for HTTP/1.1 clients — HTTP/JSON routes, gRPC-Web, browsers — because a cleartext port cannot offer
    /// both HTTP/1.1 and HTTP/2 (Kestrel has no ALPN without TLS). TLS like <see cref="Port"/>; -1: not opened.
    /// </summary>
    public int HttpPort { get; set; } = 50052;

    /// <summary>Web origins allowed to call from a browser (Regsosek:Cors:AllowedOrigins); none by default.</summary>
    public Regsosek.Api.CorsSettings Cors { get; set; } = new();

    /// <summary>Prometheus scrape endpoint (Regsosek:Metrics:PrometheusPort); off when unset.</summary>
    public MetricsSettings Metrics { get; set; } = new();

    /// <summary>Console log format (Regsosek:Logging:Format): "simple" or "json".</summary>
    public LoggingSettings Logging { get; set; } = new();

    /// <summary>OTLP export of traces and metrics (Regsosek:Telemetry:OtlpEndpoint); off when unset.</summary>
    public TelemetrySettings Telemetry { get; set; } = new();

    /// <summary>PFX certificate for TLS; cleartext when unset.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>PostgreSQL connection string for grants and audit; SQLite files under Home when unset.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>DuckDB worker threads; all cores when unset.</summary>
    public int? EngineThreads { get; set; }

    /// <summary>DuckDB memory limit, e.g. "8GB"; DuckDB's default (80 % of RAM) when unset.</summary>
    public string? EngineMemoryLimit { get; set; }

    /// <summary>Small queries (summaries, distributions, one regency's records) the engine runs at once. Default 4.</summary>
    public int EngineMaxConcurrentQueries { get; set; } = 4;

    /// <summary>Scans of more than one regency's records the engine runs at once, in their own lane. Default 2.</summary>
    public int EngineMaxConcurrentScans { get; set; } = 2;

    /// <summary>The engine's result cache, in cells of exact tables (0: off). Default 2,000,000.</summary>
    public long EngineResultCacheCells { get; set; } = 2_000_000;

    /// <summary>Base64 master key of extract pseudonyms; created under Home when unset.</summary>
    public string? PseudonymMasterKey { get; set; }

    /// <summary>Accept signed JWTs besides opaque tokens: the issuer and audience they must carry…</summary>
    public string? JwtIssuer { get; set; }
    public string? JwtAudience { get; set; }

    /// <summary>…and their HS256 key (base64, at least 32 bytes) and/or an RS256 public key (PEM file).</summary>
    public string? JwtHmacKey { get; set; }
    public string? JwtRsaPublicKeyPath { get; set; }

    public string DatasetPath => Path.GetFullPath(Dataset ?? Path.Combine(Home, "dataset"));
}
