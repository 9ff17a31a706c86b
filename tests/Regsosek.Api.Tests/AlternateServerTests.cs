using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Core.Aggregates;
using Regsosek.Core.Disclosure;
using Regsosek.Host;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// A second server on the shared dataset and stores, configured differently: TLS from a PFX (HTTP/2 and
/// HTTP/1.1 negotiated by ALPN on one port), a CORS origin, and a disclosure-control step that throws — so
/// that an unexpected failure shows as INTERNAL with a generic message, logged and audited.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class AlternateServerTests(ServiceFixture service)
{
    private const string Origin = "https://sepakat.example.go.id";

    [Fact]
    public async Task Over_TLS_one_port_serves_gRPC_on_HTTP_2_and_JSON_on_HTTP_1_1_and_allows_the_configured_origin()
    {
        var folder = Directory.CreateTempSubdirectory("regsosek-tls-").FullName;
        try
        {
            var (pfx, thumbprint) = SelfSignedCertificate(folder);
            await using var server = await StartAsync(o =>
            {
                o.CertificatePath = pfx;
                o.CertificatePassword = "test-password";
                o.HttpPort = -1;
                o.Cors = new CorsSettings { AllowedOrigins = [Origin] };
            });
            var port = server.Services.GetRequiredService<Endpoints>().Grpc!.Port;
            SocketsHttpHandler Handler() => new()
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, cert, _, _) =>
                        cert is X509Certificate2 c && c.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint,
                },
            };

            using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = Handler() });
            var regions = await new CatalogService.CatalogServiceClient(channel).ListRegionsAsync(new ListRegionsRequest { Parent = "32" });
            Assert.Equal(27, regions.Regions.Count);

            using var http = new HttpClient(Handler())
            {
                BaseAddress = new Uri($"https://127.0.0.1:{port}"),
                DefaultRequestVersion = HttpVersion.Version11,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var json = await http.GetAsync("/v1/regions?parent=32");
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
            Assert.Equal(HttpVersion.Version11, json.Version);

            foreach (var (origin, allowed) in new[] { (Origin, true), ("https://elsewhere.example", false) })
            {
                using var preflight = new HttpRequestMessage(HttpMethod.Options, "/regsosek.v1.AggregateService/Aggregate");
                preflight.Headers.Add("Origin", origin);
                preflight.Headers.Add("Access-Control-Request-Method", "POST");
                preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-grpc-web,authorization");
                using var answer = await http.SendAsync(preflight);
                Assert.Equal(allowed, answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_unexpected_failure_is_INTERNAL_with_a_generic_message_logged_and_audited()
    {
        var logs = new CapturedLogs();
        await using var server = await StartAsync(_ => { }, services =>
        {
            services.AddSingleton<IDisclosureControl>(new ThrowingDisclosureControl());
            services.AddLogging(l => l.AddProvider(logs));
        });
        var port = server.Services.GetRequiredService<Endpoints>().Grpc!.Port;
        var head = await service.AuditHeadAsync();

        var r = await ApiClient.CallAsync($"127.0.0.1:{port}", ApiCall.GoodPublicAggregate());

        r.AssertStatus(GrpcStatusCode.Internal);
        Assert.Equal(Api.CallRunner.InternalErrorMessage, r.Message);
        Assert.DoesNotContain(ThrowingDisclosureControl.Secret, r.ToString());
        var logged = Assert.Single(logs.Lines, l => l.Exception?.Message == ThrowingDisclosureControl.Secret);
        Assert.Equal(LogLevel.Error, logged.Level);
        var record = (await service.AuditRecordsAfterAsync(head)).Single();
        Assert.Equal(AuditDecision.Denied, record.Entry.Decision);
        Assert.Equal("call.failed", record.Entry.Rule);
        Assert.Equal((int)GrpcStatusCode.Internal, record.Entry.StatusCode);
    }

    /// <summary>Starts a server like the fixture's, at free ports, with the changes given.</summary>
    private async Task<WebApplication> StartAsync(Action<ServiceOptions> change, Action<IServiceCollection>? configure = null)
    {
        var app = service.BuildSecondServer(change, configure);
        await app.StartAsync();
        return app;
    }

    private static (string Path, string Thumbprint) SelfSignedCertificate(string folder)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(folder, "server.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "test-password"));
        return (path, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    private sealed class ThrowingDisclosureControl : IDisclosureControl
    {
        public const string Secret = "disclosure control exploded at /internal/path/secret.cs:42";

        public ReleasedTable Apply(ExactTable table, Core.Tier tier) => throw new InvalidOperationException(Secret);
    }
}

/// <summary>
/// Why cleartext needs two ports (README, "Ports"): Kestrel's cleartext endpoint offering HTTP/1.1 and HTTP/2
/// speaks HTTP/1.1 only, refusing a prior-knowledge HTTP/2 client. If a Kestrel release learns to tell the two
/// apart (dotnet/aspnetcore#56984), this fails, and one cleartext port could serve gRPC and HTTP/1.1 alike.
/// </summary>
public sealed class KestrelCleartextTests
{
    [Fact]
    public async Task A_cleartext_Http1AndHttp2_endpoint_does_not_accept_prior_knowledge_HTTP_2()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0,
            l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2));
        await using var app = builder.Build();
        app.MapGet("/", () => "hello");
        await app.StartAsync();
        var address = app.Urls.Single();

        using var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        await Assert.ThrowsAsync<HttpRequestException>(() => http2.GetStringAsync(address));
        using var http11 = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal("hello", await http11.GetStringAsync(address));
        await app.StopAsync();
    }
}
