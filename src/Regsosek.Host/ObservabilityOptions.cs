using Microsoft.Extensions.Options;

namespace Regsosek.Host;

/// <summary>Metrics export (Regsosek:Metrics).</summary>
public sealed class MetricsSettings
{
    /// <summary>
    /// Port of the Prometheus scrape endpoint (<c>GET /metrics</c>, HTTP/1.1, cleartext, on <see cref="ServiceOptions.Host"/>);
    /// that port serves nothing else. Unset (the embedded default): no scrape endpoint. 0: any free port.
    /// </summary>
    public int? PrometheusPort { get; set; }
}

/// <summary>Console logging (Regsosek:Logging).</summary>
public sealed class LoggingSettings
{
    public const string Simple = "simple";
    public const string Json = "json";

    /// <summary>"simple" (one line per entry; default) or "json" (one JSON object per line).</summary>
    public string Format { get; set; } = Simple;

    public bool IsJson => string.Equals(Format, Json, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Trace and metric export over OTLP (Regsosek:Telemetry).</summary>
public sealed class TelemetrySettings
{
    /// <summary>
    /// OTLP endpoint (e.g. http://collector:4317, gRPC) that receives traces and metrics; none when unset, unless the
    /// standard OTEL_EXPORTER_OTLP_ENDPOINT variable is set.
    /// </summary>
    public string? OtlpEndpoint { get; set; }
}

/// <summary>
/// The observability settings, as one options object validated when the server starts
/// (<see cref="ObservabilityOptionsValidator"/>, ValidateOnStart): before any port is bound.
/// </summary>
public sealed class ObservabilityOptions
{
    public MetricsSettings Metrics { get; set; } = new();
    public LoggingSettings Logging { get; set; } = new();
    public TelemetrySettings Telemetry { get; set; } = new();

    /// <summary>The service's own ports, which the metrics port must not take.</summary>
    public int Port { get; set; }
    public int HttpPort { get; set; }

    /// <summary>The settings of <paramref name="options"/> (bound from configuration by the command line).</summary>
    public static ObservabilityOptions From(ServiceOptions options) => new()
    {
        Metrics = options.Metrics,
        Logging = options.Logging,
        Telemetry = options.Telemetry,
        Port = options.Port,
        HttpPort = options.HttpPort,
    };

    /// <summary>The OTLP endpoint to export to, or null for none.</summary>
    public Uri? OtlpEndpoint =>
        Uri.TryCreate(string.IsNullOrWhiteSpace(Telemetry.OtlpEndpoint) ? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") : Telemetry.OtlpEndpoint,
            UriKind.Absolute, out var uri)
            ? uri
            : null;
}

/// <summary>Checks <see cref="ObservabilityOptions"/>: each failure names its setting and says what to set.</summary>
public sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var failures = new List<string>();
        var format = options.Logging.Format;
        if (!string.Equals(format, LoggingSettings.Simple, StringComparison.OrdinalIgnoreCase) && !options.Logging.IsJson)
            failures.Add($"Regsosek:Logging:Format is '{format}'; use \"simple\" or \"json\".");
        if (options.Metrics.PrometheusPort is { } port)
        {
            if (port is < 0 or > 65535)
                failures.Add($"Regsosek:Metrics:PrometheusPort {port} is out of range; use 0-65535, or leave it unset for no scrape endpoint.");
            else if (port != 0 && (port == options.Port || port == options.HttpPort))
                failures.Add($"Regsosek:Metrics:PrometheusPort {port} is also the service's {(port == options.Port ? "gRPC port (Port)" : "HTTP port (HttpPort)")}; the scrape endpoint needs a port of its own.");
        }
        if (options.Telemetry.OtlpEndpoint is { Length: > 0 } otlp
            && !(Uri.TryCreate(otlp, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            failures.Add($"Regsosek:Telemetry:OtlpEndpoint '{otlp}' is not an http:// or https:// URL (e.g. http://collector:4317).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
