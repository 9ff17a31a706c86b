using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Regsosek.Grpc;

/// <summary>Where and how the gRPC endpoint listens.</summary>
public sealed class GrpcListenSettings
{
    /// <summary>The IP address to bind, e.g. "0.0.0.0", "127.0.0.1", "::"; or "localhost" for both loopbacks.</summary>
    public string Host { get; set; } = "0.0.0.0";

    /// <summary>The TCP port; 0 lets the system choose.</summary>
    public int Port { get; set; } = 50051;

    /// <summary>A PKCS#12 (.pfx) certificate file; when set the endpoint speaks HTTPS (TLS, ALPN h2), else cleartext HTTP/2.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, or null.</summary>
    public string? CertificatePassword { get; set; }
}

/// <summary>Configures Kestrel endpoints for gRPC.</summary>
public static class GrpcKestrelExtensions
{
    /// <summary>
    /// Adds an HTTP/2-only endpoint: cleartext HTTP/2 with prior knowledge ("h2c"), or TLS
    /// with HTTP/2 negotiated by ALPN when a certificate is configured.
    /// </summary>
    /// <exception cref="ArgumentException">The host is not an IP address or "localhost", the port is out of range, or the certificate file does not exist.</exception>
    public static void ListenGrpc(this KestrelServerOptions kestrel, GrpcListenSettings settings, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Port is < 0 or > 65535)
            throw new ArgumentException($"gRPC port {settings.Port} is out of range; use 0-65535.", nameof(settings));
        if (settings.CertificatePath is { } path && !File.Exists(path))
            throw new ArgumentException($"gRPC TLS certificate '{path}' does not exist; set the path of a .pfx file, or none for cleartext HTTP/2.", nameof(settings));

        void Configure(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http2;
            if (settings.CertificatePath is { } certificate)
                listen.UseHttps(certificate, settings.CertificatePassword);
            configure?.Invoke(listen);
        }

        if (string.Equals(settings.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            kestrel.ListenLocalhost(settings.Port, Configure);
        else if (IPAddress.TryParse(settings.Host, out var address))
            kestrel.Listen(address, settings.Port, Configure);
        else
            throw new ArgumentException($"gRPC host '{settings.Host}' is not an IP address; use e.g. 0.0.0.0, 127.0.0.1, :: or localhost.", nameof(settings));
    }
}
