using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Host;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// Traces and metrics: a server of its own on the shared dataset and stores, with OpenTelemetry's in-memory exporters
/// added to the host's tracer and meter providers, so that what is checked is what the host wires up. The
/// collection's servers run one test at a time, so the differences measured here are this test's calls alone.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class TelemetryTests(ServiceFixture service)
{
    private const string AggregateService = "regsosek.v1.AggregateService";

    [Fact]
    public async Task A_call_is_measured_by_method_status_and_tier_with_engine_and_disclosure_time_and_traced_with_its_request_id()
    {
        await using var server = await StartAsync(_ => { });
        var client = new V1.AggregateService.AggregateServiceClient(server.Channel);
        var population = new V1.AggregateRequest { Indicators = { "population" }, Scope = new Scope { Region = "3201", Breakdown = RegionLevel.District } };
        var before = server.Metrics();

        var reply = await client.AggregateAsync(population, new Metadata
        {
            { "authorization", "Bearer " + service.Regency3201.Token }, { "x-request-id", "otel-allowed-1" },
        });
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            client.AggregateAsync(population, new Metadata { { "x-request-id", "otel-refused-1" } }).ResponseAsync); // the public: regency level refused
        Assert.Equal(GrpcStatusCode.PermissionDenied, refused.StatusCode);

        var after = server.Metrics();
        var allowed = Tags(AggregateService, "Aggregate", status: 0, tier: "2");
        var denied = Tags(AggregateService, "Aggregate", status: (int)GrpcStatusCode.PermissionDenied, tier: "1");
        Assert.Equal(1, after.Count("regsosek.call.duration", allowed) - before.Count("regsosek.call.duration", allowed));
        Assert.Equal(1, after.Count("regsosek.call.duration", denied) - before.Count("regsosek.call.duration", denied));
        // Only the allowed call reached DuckDB and disclosure control.
        var method = Tags(AggregateService, "Aggregate");
        Assert.Equal(1, after.Count("regsosek.engine.duration", method) - before.Count("regsosek.engine.duration", method));
        Assert.Equal(1, after.Count("regsosek.disclosure.duration", method) - before.Count("regsosek.disclosure.duration", method));
        var rows = Tags(AggregateService, "Aggregate", tier: "2");
        Assert.Equal(reply.Rows.Count, after.Sum("regsosek.rows", rows) - before.Sum("regsosek.rows", rows));
        Assert.True(reply.Rows.Count > 1, "the district breakdown of 3201 has many rows");

        var request = await server.SpanAsync(s => Equals(s.GetTagItem("regsosek.request_id"), "otel-allowed-1"));
        Assert.Equal("Aggregate", request.GetTagItem("rpc.method"));
        Assert.Equal(AggregateService, request.GetTagItem("rpc.service"));
        Assert.Equal("2", request.GetTagItem("regsosek.tier"));
        Assert.Equal(0, request.GetTagItem("rpc.grpc.status_code"));
        var engine = await server.SpanAsync(s => s.OperationName == "regsosek.engine" && s.TraceId == request.TraceId);
        var disclosure = await server.SpanAsync(s => s.OperationName == "regsosek.disclosure" && s.TraceId == request.TraceId);
        Assert.Equal(request.SpanId, engine.ParentSpanId);
        Assert.Equal(request.SpanId, disclosure.ParentSpanId);

        var refusedSpan = await server.SpanAsync(s => Equals(s.GetTagItem("regsosek.request_id"), "otel-refused-1"));
        Assert.Equal(ActivityStatusCode.Error, refusedSpan.Status);
        Assert.Equal((int)GrpcStatusCode.PermissionDenied, refusedSpan.GetTagItem("rpc.grpc.status_code"));
        Assert.DoesNotContain(server.Spans(), s => s.OperationName == "regsosek.engine" && s.TraceId == refusedSpan.TraceId);
    }

    [Fact]
    public async Task An_extract_records_its_rows_bytes_and_preparation_time()
    {
        await using var server = await StartAsync(_ => { });
        var before = server.Metrics();
        var call = new V1.ExtractService.ExtractServiceClient(server.Channel).Extract(new V1.ExtractRequest
        {
            Table = V1.ExtractTable.Individu,
            Columns = { "regency_code", "r405", "r407" },
            Region = "32.01",
            Format = V1.ExtractFormat.Csv,
        }, new Metadata { { "authorization", "Bearer " + service.Microdata.Token } });
        V1.ExtractSummary? summary = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            if (chunk.Summary is not null) summary = chunk.Summary;
        Assert.NotNull(summary);

        var after = server.Metrics();
        var extract = Tags("regsosek.v1.ExtractService", "Extract", tier: "3");
        Assert.Equal(1, after.Count("regsosek.extract.bytes", extract) - before.Count("regsosek.extract.bytes", extract));
        Assert.Equal(summary.Bytes, after.Sum("regsosek.extract.bytes", extract) - before.Sum("regsosek.extract.bytes", extract));
        Assert.Equal(summary.Rows, after.Sum("regsosek.rows", extract) - before.Sum("regsosek.rows", extract));
        var method = Tags("regsosek.v1.ExtractService", "Extract");
        Assert.Equal(1, after.Count("regsosek.engine.duration", method) - before.Count("regsosek.engine.duration", method));
        var ok = Tags("regsosek.v1.ExtractService", "Extract", status: 0, tier: "3");
        Assert.Equal(1, after.Count("regsosek.call.duration", ok) - before.Count("regsosek.call.duration", ok));
    }

    [Fact]
    public async Task The_Prometheus_endpoint_serves_regsosek_metrics_on_its_own_port_and_nothing_else()
    {
        await using var server = await StartAsync(o => o.Metrics = new MetricsSettings { PrometheusPort = 0 });
        var endpoints = server.App.Services.GetRequiredService<Endpoints>();
        var metricsPort = Assert.IsType<IPEndPoint>(endpoints.Metrics).Port;
        Assert.NotEqual(endpoints.Http!.Port, metricsPort);
        using var http = new HttpClient();
        var indicators = await http.GetAsync($"http://127.0.0.1:{endpoints.Http.Port}/v1/indicators");
        Assert.Equal(HttpStatusCode.OK, indicators.StatusCode);

        var scrape = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        var text = await scrape.Content.ReadAsStringAsync();
        var call = text.Split('\n').FirstOrDefault(l => l.StartsWith("regsosek_call_duration_seconds_count{", StringComparison.Ordinal)
                                                       && l.Contains("rpc_method=\"ListIndicators\""));
        Assert.True(call is not null, $"no regsosek_call_duration_seconds_count line for ListIndicators in:\n{text}");
        Assert.Contains("regsosek_tier=\"1\"", call);
        Assert.Contains("rpc_grpc_status_code=\"0\"", call);

        // The metrics port serves /metrics only; the service's ports do not serve /metrics.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{metricsPort}/v1/indicators")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{endpoints.Http.Port}/metrics")).StatusCode);
    }

    [Fact]
    public async Task Without_a_Prometheus_port_no_metrics_endpoint_is_opened()
    {
        await using var server = await StartAsync(_ => { });
        var endpoints = server.App.Services.GetRequiredService<Endpoints>();
        Assert.Null(endpoints.Metrics);
        using var http = new HttpClient();
        var scrape = await http.GetAsync($"http://127.0.0.1:{endpoints.Http!.Port}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, scrape.StatusCode);
        Assert.DoesNotContain("regsosek_", await scrape.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_observability_settings_fail_the_start_naming_each_setting()
    {
        await using var app = service.BuildSecondServer(o =>
        {
            o.Logging = new LoggingSettings { Format = "xml" };
            o.Metrics = new MetricsSettings { PrometheusPort = 70000 };
            o.Telemetry = new TelemetrySettings { OtlpEndpoint = "collector:4317" };
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Regsosek:Logging:Format", e.Message);
        Assert.Contains("Regsosek:Metrics:PrometheusPort 70000", e.Message);
        Assert.Contains("Regsosek:Telemetry:OtlpEndpoint", e.Message);
        Assert.True(app.Services.GetRequiredService<Endpoints>().Grpc is not { Port: > 0 }, "no port was bound");

        var clash = new ObservabilityOptionsValidator().Validate(null, new ObservabilityOptions
        {
            Metrics = new MetricsSettings { PrometheusPort = 50052 }, Port = 50051, HttpPort = 50052,
        });
        Assert.True(clash.Failed);
        Assert.Contains("HttpPort", clash.FailureMessage);
        Assert.True(new ObservabilityOptionsValidator().Validate(null, new ObservabilityOptions
        {
            Logging = new LoggingSettings { Format = "JSON" }, Metrics = new MetricsSettings { PrometheusPort = 9464 },
            Telemetry = new TelemetrySettings { OtlpEndpoint = "http://collector:4317" }, Port = 50051, HttpPort = 50052,
        }).Succeeded);
    }

    [Fact]
    public void A_stage_takes_its_method_from_the_request_span_and_outside_a_call_has_none()
    {
        var seen = new List<(double Value, Dictionary<string, object?> Tags)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, Telemetry.DisclosureDuration)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags) copy[tag.Key] = tag.Value;
            lock (seen) seen.Add((value, copy));
        });
        listener.Start();

        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            Assert.Equal(7, Telemetry.Timed(Telemetry.DisclosureDuration, "regsosek.disclosure", () => 7));
            using (var request = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start())
            {
                request.SetTag(Telemetry.GrpcMethodTag, "/regsosek.v1.AggregateService/Percentiles");
                using var child = new Activity("inner").Start(); // a nested span: the method is found on an ancestor
                Telemetry.Timed(Telemetry.DisclosureDuration, "regsosek.disclosure", () => 0);
                Telemetry.Timed(Telemetry.DisclosureDuration, "regsosek.disclosure", () => 0, "/regsosek.v1.AggregateService/DesilDistribution");
            }
        }
        finally
        {
            Activity.Current = previous;
        }

        List<(double Value, Dictionary<string, object?> Tags)> measured;
        lock (seen) measured = [.. seen];
        Assert.Equal(3, measured.Count);
        Assert.Empty(measured[0].Tags);
        Assert.Equal("Percentiles", measured[1].Tags["rpc.method"]);
        Assert.Equal("regsosek.v1.AggregateService", measured[1].Tags["rpc.service"]);
        Assert.Equal("DesilDistribution", measured[2].Tags["rpc.method"]); // an explicit method wins
        Assert.All(measured, m => Assert.True(m.Value >= 0));
    }

    private static KeyValuePair<string, object?>[] Tags(string rpcService, string method, int? status = null, string? tier = null)
    {
        var tags = new List<KeyValuePair<string, object?>> { new("rpc.service", rpcService), new("rpc.method", method) };
        if (status is { } s) tags.Add(new("rpc.grpc.status_code", s));
        if (tier is not null) tags.Add(new("regsosek.tier", tier));
        return tags.ToArray();
    }

    private async Task<TelemetryServer> StartAsync(Action<ServiceOptions> change)
    {
        var spans = new LockedList<Activity>();
        var metrics = new LockedList<MetricSnapshot>();
        var app = service.BuildSecondServer(change, services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        });
        await app.StartAsync();
        return new TelemetryServer(app, spans, metrics);
    }

    /// <summary>A running server with what its exporters received.</summary>
    private sealed class TelemetryServer(WebApplication app, LockedList<Activity> spans, LockedList<MetricSnapshot> metrics) : IAsyncDisposable
    {
        public WebApplication App => app;

        public GrpcChannel Channel { get; } =
            GrpcChannel.ForAddress($"http://127.0.0.1:{app.Services.GetRequiredService<Endpoints>().Grpc!.Port}");

        /// <summary>The metrics as of now (the meter provider is flushed into the in-memory exporter).</summary>
        public MetricsView Metrics()
        {
            Assert.True(app.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000), "the meter provider did not flush");
            var latest = new Dictionary<string, MetricSnapshot>();
            foreach (var m in metrics.Snapshot()) latest[m.Name] = m;
            return new MetricsView(latest);
        }

        public IReadOnlyList<Activity> Spans() => spans.Snapshot();

        /// <summary>The first exported span matching <paramref name="match"/>; a request's span is exported just after its response.</summary>
        public async Task<Activity> SpanAsync(Func<Activity, bool> match)
        {
            for (int i = 0; i < 200; i++)
            {
                if (spans.Snapshot().FirstOrDefault(match) is { } found) return found;
                await Task.Delay(50);
            }
            throw new Xunit.Sdk.XunitException(
                $"no such span among: {string.Join("; ", spans.Snapshot().Select(s => $"{s.OperationName} {string.Join(",", s.Tags.Select(t => $"{t.Key}={t.Value}"))}"))}");
        }

        public async ValueTask DisposeAsync()
        {
            Channel.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Histogram points by name and tags (a point matches when it has every tag given).</summary>
    private sealed class MetricsView(Dictionary<string, MetricSnapshot> metrics)
    {
        private IEnumerable<MetricPoint> Points(string name, KeyValuePair<string, object?>[] tags)
        {
            if (!metrics.TryGetValue(name, out var metric)) yield break;
            foreach (var point in metric.MetricPoints)
            {
                var have = new List<KeyValuePair<string, object?>>();
                foreach (var tag in point.Tags) have.Add(tag);
                if (tags.All(t => have.Any(h => h.Key == t.Key && Equals(Normal(h.Value), Normal(t.Value))))) yield return point;
            }
        }

        private static object? Normal(object? value) => value is int or long ? Convert.ToInt64(value) : value;

        public long Count(string name, KeyValuePair<string, object?>[] tags) => Points(name, tags).Sum(p => p.GetHistogramCount());

        public long Sum(string name, KeyValuePair<string, object?>[] tags) => (long)Points(name, tags).Sum(p => p.GetHistogramSum());
    }

    /// <summary>A list the exporters add to while the test reads it.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public List<T> Snapshot()
        {
            lock (_items) return [.. _items];
        }

        public void Add(T item)
        {
            lock (_items) _items.Add(item);
        }

        public void Clear()
        {
            lock (_items) _items.Clear();
        }

        public bool Contains(T item)
        {
            lock (_items) return _items.Contains(item);
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (_items) _items.CopyTo(array, arrayIndex);
        }

        public bool Remove(T item)
        {
            lock (_items) return _items.Remove(item);
        }

        public int Count
        {
            get { lock (_items) return _items.Count; }
        }

        public bool IsReadOnly => false;
        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
