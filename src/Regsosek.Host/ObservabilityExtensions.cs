using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Regsosek.Api;

namespace Regsosek.Host;

/// <summary>
/// Traces, metrics and console logs of the server: OpenTelemetry over the service's own <see cref="Telemetry"/>
/// source and meter plus ASP.NET Core's, a Prometheus scrape endpoint on a port of its own when
/// <see cref="MetricsSettings.PrometheusPort"/> is set, OTLP export when an endpoint is configured, and the console
/// log as plain lines or JSON — never with ANSI colours when the output is not a terminal.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The service name in exported resources.</summary>
    public const string ServiceName = "regsosek";

    /// <summary>The scrape path on the metrics port.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Registers the observability options (validated at start), and OpenTelemetry tracing and metrics of the
    /// regsosek.v1 calls and of ASP.NET Core, with the exporters the options ask for.
    /// </summary>
    public static IServiceCollection AddRegsosekTelemetry(this IServiceCollection services, ServiceOptions options)
    {
        var settings = ObservabilityOptions.From(options);
        services.AddSingleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>();
        services.AddOptions<ObservabilityOptions>()
            .Configure(o =>
            {
                o.Metrics = settings.Metrics;
                o.Logging = settings.Logging;
                o.Telemetry = settings.Telemetry;
                o.Port = settings.Port;
                o.HttpPort = settings.HttpPort;
            })
            .ValidateOnStart();

        // Scrapes are not traced; the scrape port's requests are not calls.
        services.AddOptions<AspNetCoreTraceInstrumentationOptions>()
            .Configure<Endpoints>((o, endpoints) => o.Filter = http => !endpoints.IsMetrics(http));

        var otlp = settings.OtlpEndpoint;
        var prometheus = settings.Metrics.PrometheusPort is not null;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: typeof(Telemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing =>
            {
                tracing.AddSource(Telemetry.Name).AddAspNetCoreInstrumentation();
                if (otlp is not null) tracing.AddOtlpExporter(o => o.Endpoint = otlp);
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Telemetry.Name).AddAspNetCoreInstrumentation();
                // Call latencies are sub-millisecond (catalogue) to minutes (national extracts).
                metrics.AddView(Telemetry.CallDuration.Name, new ExplicitBucketHistogramConfiguration { Boundaries = DurationBuckets });
                metrics.AddView(Telemetry.EngineDuration.Name, new ExplicitBucketHistogramConfiguration { Boundaries = DurationBuckets });
                metrics.AddView(Telemetry.DisclosureDuration.Name, new ExplicitBucketHistogramConfiguration { Boundaries = DurationBuckets });
                metrics.AddView(Telemetry.Rows.Name, new ExplicitBucketHistogramConfiguration { Boundaries = CountBuckets });
                metrics.AddView(Telemetry.ExtractBytes.Name, new ExplicitBucketHistogramConfiguration { Boundaries = ByteBuckets });
                if (prometheus) metrics.AddPrometheusExporter();
                if (otlp is not null) metrics.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        return services;
    }

    private static readonly double[] DurationBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static readonly double[] CountBuckets = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    private static readonly double[] ByteBuckets =
        [1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 23, 1 << 26, 1 << 28, 1L << 30, 1L << 32, 1L << 34];

    /// <summary>
    /// Serves <c>GET /metrics</c> (Prometheus text) on the metrics port, and nothing else there: any other request on
    /// that port gets 404, and the service's own ports do not serve <c>/metrics</c>. Does nothing when the metrics
    /// port is not configured. Goes before <see cref="ApiExtensions.MapRegsosekApi"/>, so scrapes are not logged as calls.
    /// </summary>
    public static WebApplication UseRegsosekMetricsEndpoint(this WebApplication app)
    {
        // ServiceOptions, not IOptions<ObservabilityOptions>: bad settings must fail at start (ValidateOnStart), not here.
        if (app.Services.GetRequiredService<ServiceOptions>().Metrics.PrometheusPort is null) return app;
        var endpoints = app.Services.GetRequiredService<Endpoints>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(http => endpoints.IsMetrics(http) && http.Request.Path == MetricsPath);
        app.Use((http, next) =>
        {
            if (!endpoints.IsMetrics(http)) return next(http);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    /// <summary>
    /// The console log: "simple" single lines (colours only on a terminal and without NO_COLOR) or "json", one JSON
    /// object per line with the logging scope (request id). An unknown format logs simple lines here and fails the
    /// start through <see cref="ObservabilityOptionsValidator"/>.
    /// </summary>
    public static ILoggingBuilder AddRegsosekConsole(this ILoggingBuilder logging, LoggingSettings settings)
    {
        if (settings.IsJson)
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        else
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.ColorBehavior = ConsoleOutput.Plain ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
            });
        return logging;
    }
}
