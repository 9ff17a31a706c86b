using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Regsosek.Core;

namespace Regsosek.Api;

/// <summary>
/// The service's own traces and metrics, on <see cref="System.Diagnostics"/> only (no OpenTelemetry reference here:
/// the host subscribes to <see cref="Name"/> and exports — Prometheus, OTLP — see the host's ObservabilityExtensions).
/// Names follow the OpenTelemetry semantic conventions: durations in seconds, <c>rpc.*</c> attributes for the call.
/// <list type="bullet">
/// <item><c>regsosek.call.duration</c> (s): every call through <see cref="CallRunner"/>, tagged <c>rpc.system</c>,
/// <c>rpc.service</c>, <c>rpc.method</c>, <c>rpc.grpc.status_code</c> and <c>regsosek.tier</c> — its count is the
/// number of calls by method, status and tier.</item>
/// <item><c>regsosek.engine.duration</c> (s): DuckDB time — an aggregate's query (span <c>regsosek.engine</c>), an extract's
/// preparation up to its audit commit (span <c>regsosek.extract.prepare</c>); <c>regsosek.disclosure.duration</c> (s):
/// disclosure control of an aggregate (span <c>regsosek.disclosure</c>); tagged <c>rpc.service</c> and <c>rpc.method</c>.</item>
/// <item><c>regsosek.rows</c> ({row}): rows released by a call that ended OK (aggregate rows, extract records);
/// <c>regsosek.extract.bytes</c> (By): bytes of each extract file released.</item>
/// </list>
/// </summary>
public static class Telemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and the <see cref="Meter"/>.</summary>
    public const string Name = "Regsosek.Api";

    /// <summary>Span attribute: the call's request id (<see cref="RequestInfo.RequestId"/>).</summary>
    public const string RequestIdTag = "regsosek.request_id";

    /// <summary>Span and metric attribute: the caller's tier, "1" (the public) to "4".</summary>
    public const string TierTag = "regsosek.tier";

    /// <summary>Span attribute: the grant a call ran under.</summary>
    public const string GrantIdTag = "regsosek.grant_id";

    public const string RpcSystemTag = "rpc.system";
    public const string RpcServiceTag = "rpc.service";
    public const string RpcMethodTag = "rpc.method";
    public const string RpcStatusTag = "rpc.grpc.status_code";

    private static readonly string? Version = typeof(Telemetry).Assembly.GetName().Version?.ToString();

    /// <summary>Spans of the service's own work: the engine query and disclosure control inside a call.</summary>
    public static readonly ActivitySource Source = new(Name, Version);

    /// <summary>The service's instruments.</summary>
    public static readonly Meter Meter = new(Name, Version);

    /// <summary>Duration of a call through the pipeline, from authentication to its final status.</summary>
    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "regsosek.call.duration", "s", "Duration of regsosek.v1 calls by method, gRPC status and tier.");

    /// <summary>DuckDB time of an aggregate query.</summary>
    public static readonly Histogram<double> EngineDuration = Meter.CreateHistogram<double>(
        "regsosek.engine.duration", "s", "Time spent in DuckDB running a call's query.");

    /// <summary>Disclosure-control time of an aggregate.</summary>
    public static readonly Histogram<double> DisclosureDuration = Meter.CreateHistogram<double>(
        "regsosek.disclosure.duration", "s", "Time spent in disclosure control of a call's table.");

    /// <summary>Rows released by a call that ended OK.</summary>
    public static readonly Histogram<long> Rows = Meter.CreateHistogram<long>(
        "regsosek.rows", "{row}", "Rows released per call: aggregate table rows, extract records.");

    /// <summary>Bytes of an extract file released.</summary>
    public static readonly Histogram<long> ExtractBytes = Meter.CreateHistogram<long>(
        "regsosek.extract.bytes", "By", "Size of each extract file released.");

    /// <summary>
    /// Records the end of a call: its duration, status and tier, rows and extract bytes when it ended OK, and the
    /// same facts on the current span (the server's request span).
    /// </summary>
    /// <param name="method">The gRPC method path, "/regsosek.v1.AggregateService/Aggregate".</param>
    /// <param name="tier">The caller's tier; null counts as the public.</param>
    public static void CallEnded(string method, StatusCode status, Tier? tier, TimeSpan elapsed, CallOutcome outcome)
    {
        var (service, name) = SplitMethod(method);
        var tierText = TierText(tier);
        var tags = new TagList
        {
            { RpcSystemTag, "grpc" },
            { RpcServiceTag, service },
            { RpcMethodTag, name },
            { RpcStatusTag, (int)status },
            { TierTag, tierText },
        };
        CallDuration.Record(elapsed.TotalSeconds, tags);
        if (status == StatusCode.OK)
        {
            var methodTags = new TagList { { RpcServiceTag, service }, { RpcMethodTag, name }, { TierTag, tierText } };
            Rows.Record(outcome.Rows, methodTags);
            if (outcome.Bytes > 0) ExtractBytes.Record(outcome.Bytes, methodTags);
        }

        if (Activity.Current is { } span)
        {
            span.SetTag(RpcSystemTag, "grpc");
            span.SetTag(RpcServiceTag, service);
            span.SetTag(RpcMethodTag, name);
            span.SetTag(RpcStatusTag, (int)status);
            span.SetTag(TierTag, tierText);
            if (status != StatusCode.OK) span.SetStatus(ActivityStatusCode.Error, status.ToString());
        }
    }

    /// <summary>
    /// Times one stage of a call into <paramref name="histogram"/> and, when traces are collected, as a child span
    /// named <paramref name="stage"/>. Both are tagged with the call's <c>rpc.service</c> and <c>rpc.method</c>: from
    /// <paramref name="method"/> when given, else from the request's span (grpc-dotnet tags it <c>grpc.method</c>), so
    /// transport-free code needs no ServerCallContext; outside a call (the start-up sample) the stage has no method.
    /// Disposing stops it; a second dispose does nothing, so a stage may be stopped early and still sit in a <c>using</c>.
    /// </summary>
    public static Stage Time(Histogram<double> histogram, string stage, string? method = null)
    {
        method ??= AmbientMethod();
        return new(histogram, Source.StartActivity(stage), method);
    }

    /// <summary>Runs <paramref name="work"/> as a timed stage (see <see cref="Time"/>).</summary>
    public static async Task<T> TimeAsync<T>(Histogram<double> histogram, string stage, Func<Task<T>> work, string? method = null)
    {
        using var _ = Time(histogram, stage, method);
        return await work().ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> as a timed stage (see <see cref="Time"/>).</summary>
    public static T Timed<T>(Histogram<double> histogram, string stage, Func<T> work, string? method = null)
    {
        using var _ = Time(histogram, stage, method);
        return work();
    }

    /// <summary>The tag grpc-dotnet puts on the request's span: the method path.</summary>
    public const string GrpcMethodTag = "grpc.method";

    /// <summary>The gRPC method of the request being served, from the current span or its ancestors.</summary>
    public static string? AmbientMethod()
    {
        for (var span = Activity.Current; span is not null; span = span.Parent)
            if (span.GetTagItem(GrpcMethodTag) is string method) return method;
        return null;
    }

    /// <summary>Puts the request id on the current span (the server's request span).</summary>
    public static void TagRequest(string requestId) => Activity.Current?.SetTag(RequestIdTag, requestId);

    /// <summary>"2" for <see cref="Tier.Disaggregated"/>; "1" for the public (no grant).</summary>
    public static string TierText(Tier? tier) => ((int)(tier ?? Tier.Public)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>("regsosek.v1.AggregateService", "Aggregate") from "/regsosek.v1.AggregateService/Aggregate".</summary>
    public static (string Service, string Method) SplitMethod(string method)
    {
        var path = method.AsSpan().TrimStart('/');
        var slash = path.LastIndexOf('/');
        return slash < 0 ? ("", path.ToString()) : (path[..slash].ToString(), path[(slash + 1)..].ToString());
    }

    /// <summary>A stage being timed; see <see cref="Time"/>.</summary>
    public sealed class Stage : IDisposable
    {
        private readonly Histogram<double> _histogram;
        private readonly Activity? _span;
        private readonly string? _service;
        private readonly string? _name;
        private readonly long _started = Stopwatch.GetTimestamp();
        private int _stopped;

        internal Stage(Histogram<double> histogram, Activity? span, string? method)
        {
            _histogram = histogram;
            _span = span;
            if (method is null) return;
            (_service, _name) = SplitMethod(method);
            span?.SetTag(RpcServiceTag, _service);
            span?.SetTag(RpcMethodTag, _name);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
            var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            if (_name is null) _histogram.Record(elapsed);
            else
                _histogram.Record(elapsed,
                    new KeyValuePair<string, object?>(RpcServiceTag, _service), new KeyValuePair<string, object?>(RpcMethodTag, _name));
            _span?.Dispose();
        }
    }
}
