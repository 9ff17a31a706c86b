using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Regsosek.Core;
using Regsosek.Generator;
using Regsosek.Host;
using Regsosek.Stores;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>
/// Everything the end-to-end tests share, made once per test run: a small dataset generated for three
/// regencies (3201 Kabupaten Bogor and 3273 Kota Bandung in province 32, 3174 Jakarta Selatan in 31), a
/// temporary home with the SQLite grant and audit stores, grants issued directly through the store, and the
/// real server (<see cref="ServiceHost.Build"/>) on 127.0.0.1 at free ports (gRPC and HTTP/1.1).
/// Two test seams are registered through ServiceHost's <c>configure</c> hook, both pass-through until a test
/// arms them: the audit log is wrapped in a <see cref="FaultInjectingAuditLog"/>, and the region names in a
/// <see cref="GatedRegionNames"/>.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    /// <summary>Persons in the generated dataset.</summary>
    public const long Persons = 60_000;

    /// <summary>The regencies generated.</summary>
    public static readonly string[] Regencies = ["3201", "3273", "3174"];

    private WebApplication? _app;

    /// <summary>The temporary folder holding everything of this run.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "regsosek-api-tests-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>The service's home: SQLite stores (regsosek.db).</summary>
    public string Home => Path.Combine(Root, "home");

    /// <summary>The generated dataset.</summary>
    public string Dataset => Path.Combine(Root, "dataset");

    /// <summary>"127.0.0.1:port" of the running server's gRPC endpoint (cleartext HTTP/2).</summary>
    public string Address { get; private set; } = "";

    /// <summary>"127.0.0.1:port" of the running server's HTTP/1.1 endpoint (HTTP/JSON, gRPC-Web).</summary>
    public string HttpAddress { get; private set; } = "";

    /// <summary>Everything the server logged.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The running server's services.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>The options the server runs with.</summary>
    public ServiceOptions Options { get; private set; } = null!;

    /// <summary>A grant store of the test side, on the server's SQLite file.</summary>
    public IGrantStore Grants { get; private set; } = null!;

    /// <summary>The server's audit log (wrapped so that tests can make appends fail).</summary>
    public FaultInjectingAuditLog Audit { get; private set; } = null!;

    /// <summary>The server's region names (wrapped so that tests can hold a call in flight).</summary>
    public GatedRegionNames Regions { get; private set; } = null!;

    /// <summary>The operator (OperatorBootstrap).</summary>
    public IssuedGrant Operator { get; private set; } = null!;
    /// <summary>Tier 2, regency 3201 (Kabupaten Bogor).</summary>
    public IssuedGrant Regency3201 { get; private set; } = null!;
    /// <summary>Tier 2, province 32 (Jawa Barat).</summary>
    public IssuedGrant Province32 { get; private set; } = null!;
    /// <summary>Tier 3, national (a central-government microdata grantee).</summary>
    public IssuedGrant Microdata { get; private set; } = null!;
    /// <summary>Tier 2, regency 3273, signed three years ago: expired.</summary>
    public IssuedGrant Expired { get; private set; } = null!;
    /// <summary>Tier 2, regency 3273, revoked through the store.</summary>
    public IssuedGrant Revoked { get; private set; } = null!;

    /// <summary>
    /// Builds (does not start) a second server on this fixture's dataset and stores, at free ports, with one engine
    /// thread: its audit log is the fixture's, its console logging off. <paramref name="change"/> edits the options,
    /// <paramref name="configure"/> replaces services, <paramref name="configuration"/> adds settings.
    /// </summary>
    public WebApplication BuildSecondServer(Action<ServiceOptions>? change = null, Action<IServiceCollection>? configure = null,
        IConfiguration? configuration = null)
    {
        var options = new ServiceOptions
        {
            Home = Options.Home,
            Dataset = Options.Dataset,
            Host = "127.0.0.1",
            Port = 0,
            HttpPort = 0,
            EngineThreads = 1,
            EngineMemoryLimit = "512MB",
        };
        change?.Invoke(options);
        return ServiceHost.Build(options, services =>
        {
            services.AddLogging(logging => logging.ClearProviders());
            services.AddSingleton<IAuditLog>(Audit);
            configure?.Invoke(services);
        }, configuration);
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        await new DatasetGenerator().RunAsync(new GeneratorOptions
        {
            Persons = Persons,
            Seed = 20221015,
            OutputDirectory = Dataset,
            RegionDataDirectory = RepoPaths.RegionData,
            Regencies = Regencies,
            Threads = 2,
            MemoryLimit = "1GB",
        });
        // Prepared like a served dataset: covered aggregates read the summaries (the Engine tests show they give the scan's tables).
        await new Regsosek.Engine.Summaries.SummaryBuilder(Regsosek.Catalogue.Summaries.SummaryDesign.Load(
                Regsosek.Catalogue.IndicatorCatalogue.Load(Regsosek.Schema.DataDictionary.Default)))
            .BuildAsync(Dataset, new Regsosek.DataAccess.DuckDbSettings { Threads = 2, MemoryLimit = "1GB" });

        Options = new ServiceOptions
        {
            Home = Home,
            Dataset = Dataset,
            Host = "127.0.0.1",
            Port = 0,
            HttpPort = 0,
            EngineThreads = 2,
            EngineMemoryLimit = "1GB",
        };
        var stores = ServiceHost.Stores(Options);
        Grants = StoreFactory.CreateGrantStore(stores);
        await IssueGrantsAsync();

        Audit = new FaultInjectingAuditLog(StoreFactory.CreateAuditLog(stores));
        Regions = new GatedRegionNames(new RegionDirectoryNames(Regsosek.Engine.RegionDirectory.Load(Dataset)));
        _app = ServiceHost.Build(Options, services =>
        {
            services.AddLogging(logging => logging.ClearProviders().AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
            services.AddSingleton<IAuditLog>(Audit);
            services.AddSingleton<IRegionNames>(Regions);
        });
        await _app.StartAsync();
        var endpoints = _app.Services.GetRequiredService<Endpoints>();
        Address = $"127.0.0.1:{endpoints.Grpc!.Port}";
        HttpAddress = $"127.0.0.1:{endpoints.Http!.Port}";
    }

    private async Task IssueGrantsAsync()
    {
        Operator = await OperatorBootstrap.InitAsync(Grants, "Direktorat Penanggulangan Kemiskinan dan Pemberdayaan Masyarakat");
        Regency3201 = await IssueAsync(Grants, "Pemerintah Kabupaten Bogor", Tier.Disaggregated, "3201");
        Province32 = await IssueAsync(Grants, "Pemerintah Provinsi Jawa Barat", Tier.Disaggregated, "32");
        Microdata = await IssueAsync(Grants, "Badan Pusat Statistik", Tier.Microdata, "");
        await using (var past = StoreFactory.CreateGrantStore(ServiceHost.Stores(Options), new FixedTimeProvider(DateTimeOffset.UtcNow.AddYears(-3))))
            Expired = await IssueAsync(past, "Pemerintah Kota Bandung", Tier.Disaggregated, "3273");
        Revoked = await IssueAsync(Grants, "Pemerintah Kota Bandung", Tier.Disaggregated, "3273");
        await Grants.RevokeAsync(Revoked.Grant.Id, "PKS ended early by the data owner", DateTimeOffset.UtcNow);
    }

    /// <summary>Issues a grant through <paramref name="store"/> with a test purpose.</summary>
    public static Task<IssuedGrant> IssueAsync(IGrantStore store, string organisation, Tier tier, string region) =>
        store.IssueAsync(new GrantRequest
        {
            Organisation = organisation,
            Unit = "Bappeda",
            Tier = tier,
            Region = RegionCode.Parse(region),
            Purpose = "Perencanaan program penanggulangan kemiskinan (test)",
        });

    /// <summary>Every audit record after sequence <paramref name="after"/>, in order.</summary>
    public async Task<List<AuditRecord>> AuditRecordsAfterAsync(long after)
    {
        var records = new List<AuditRecord>();
        await foreach (var r in Audit.ReadAsync(AuditQuery.All))
            if (r.Sequence > after) records.Add(r);
        return records;
    }

    /// <summary>The sequence number of the last audit record (0 when empty).</summary>
    public async Task<long> AuditHeadAsync() => (await Audit.GetHeadAsync())?.Sequence ?? 0;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Audit is not null) await Audit.DisposeAsync();
        if (Grants is not null) await Grants.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned up by the OS eventually.
        }
    }
}

/// <summary>The one server shared by every test class; the classes run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "regsosek service";
}
