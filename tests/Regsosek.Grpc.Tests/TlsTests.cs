using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Regsosek.Grpc.Tests.Infrastructure;
using Regsosek.Testing.V1;
using Xunit;

namespace Regsosek.Grpc.Tests;

/// <summary>A server with a self-signed certificate for 127.0.0.1, made for the test.</summary>
public sealed class TlsGrpcTestServer : GrpcTestServer
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("regsosek-grpc-tls-").FullName;

    public TlsGrpcTestServer() : base(Path.Combine(Folder, "server.pfx"), "test-password")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(CertificatePath!, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        CaPemPath = Path.Combine(Folder, "ca.pem");
        File.WriteAllText(CaPemPath, certificate.ExportCertificatePem());
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>The certificate in PEM, for clients to trust.</summary>
    public string CaPemPath { get; }

    public string Thumbprint { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}

public sealed class TlsTests(TlsGrpcTestServer server) : IClassFixture<TlsGrpcTestServer>
{
    [Fact]
    public async Task HttpClient_calls_over_TLS_with_HTTP2_negotiated_by_ALPN()
    {
        Assert.Equal("https", server.BaseUri.Scheme);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    cert is X509Certificate2 c && c.GetCertHashString(HashAlgorithmName.SHA256) == server.Thumbprint,
            },
        };
        using var client = new RawGrpcClient(server.BaseUri, handler);

        var response = await client.CallAsync("/regsosek.testing.v1.EchoService/Echo", RawGrpcClient.Frame(new EchoRequest { Text = "aman" }));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal("aman", EchoReply.Parser.ParseFrom(response.Messages.Single()).Text);
    }

    [Fact]
    public async Task GrpcJs_calls_over_TLS_trusting_the_test_certificate()
    {
        var result = await NodeClient.RunAsync(server.Address, "unary", new { text = "tls", caPem = server.CaPemPath });

        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("tls", result.GetProperty("reply").GetProperty("text").GetString());
    }
}
