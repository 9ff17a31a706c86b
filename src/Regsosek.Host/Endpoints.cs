using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Regsosek.Host;

/// <summary>
/// Where the service listens. <see cref="ServiceOptions.Port"/> is the gRPC port: cleartext HTTP/2 with prior
/// knowledge (what gRPC clients send), or with a certificate HTTP/1.1 and HTTP/2 chosen by ALPN.
/// <see cref="ServiceOptions.HttpPort"/> serves HTTP/1.1 (HTTP/JSON, gRPC-Web, browsers): Kestrel cannot tell an
/// HTTP/2 preface from HTTP/1.1 on a cleartext port that offers both (it falls back to HTTP/1.1), so cleartext
/// needs one port per protocol.
/// </summary>
public sealed class Endpoints
{
    private ListenOptions? _grpc;
    private ListenOptions? _http;
    private ListenOptions? _metrics;

    /// <summary>The gRPC endpoint as bound (the real port when 0 was asked for), after the server started.</summary>
    public IPEndPoint? Grpc => _grpc?.IPEndPoint;

    /// <summary>The HTTP/1.1 endpoint as bound, or null when it is not opened.</summary>
    public IPEndPoint? Http => _http?.IPEndPoint;

    /// <summary>The Prometheus scrape endpoint as bound, or null when metrics are not served (see <see cref="MetricsSettings"/>).</summary>
    public IPEndPoint? Metrics => _metrics?.IPEndPoint;

    /// <summary>True when <paramref name="http"/> came in on the metrics port.</summary>
    public bool IsMetrics(Microsoft.AspNetCore.Http.HttpContext http) =>
        Metrics is { } metrics && http.Connection.LocalPort == metrics.Port;

    /// <summary>Adds the endpoints to Kestrel.</summary>
    /// <exception cref="ArgumentException">The host is not an IP address or "localhost", a port is out of range, or the certificate file does not exist.</exception>
    public void Configure(KestrelServerOptions kestrel, ServiceOptions options)
    {
        if (options.Port is < 0 or > 65535)
            throw new ArgumentException($"port {options.Port} is out of range; use 0-65535.");
        if (options.HttpPort is < -1 or > 65535)
            throw new ArgumentException($"HTTP port {options.HttpPort} is out of range; use 0-65535, or -1 for none.");
        if (options.CertificatePath is { } path && !File.Exists(path))
            throw new ArgumentException($"TLS certificate '{path}' does not exist; set the path of a .pfx file, or none for cleartext.");
        var localhost = string.Equals(options.Host, "localhost", StringComparison.OrdinalIgnoreCase);
        IPAddress? address = null;
        if (!localhost && !IPAddress.TryParse(options.Host, out address))
            throw new ArgumentException($"host '{options.Host}' is not an IP address; use e.g. 0.0.0.0, 127.0.0.1, :: or localhost.");
        void Listen(int port, Action<ListenOptions> configure)
        {
            if (localhost) kestrel.ListenLocalhost(port, configure);
            else kestrel.Listen(address!, port, configure);
        }

        var tls = options.CertificatePath is not null;
        Listen(options.Port, listen =>
        {
            listen.Protocols = tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2;
            if (tls) listen.UseHttps(options.CertificatePath!, options.CertificatePassword);
            _grpc = listen;
        });
        if (options.HttpPort >= 0)
            Listen(options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (tls) listen.UseHttps(options.CertificatePath!, options.CertificatePassword);
                _http = listen;
            });
        // Range and clashes are checked by ObservabilityOptionsValidator at start, before Kestrel binds.
        if (options.Metrics.PrometheusPort is >= 0 and <= 65535 and var metricsPort)
            Listen(metricsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1; // Prometheus scrapes over cleartext HTTP/1.1
                _metrics = listen;
            });
    }
}
