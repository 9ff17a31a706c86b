using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using Regsosek.Api;
using Regsosek.Catalogue;
using Regsosek.Core.Disclosure;
using Regsosek.Engine;
using Regsosek.Extracts;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;
using Regsosek.Stores;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Tokens;

namespace Regsosek.Host;

/// <summary>The composition root: builds the server (gRPC, gRPC-Web, HTTP/JSON) over the dataset and the stores.</summary>
public static class ServiceHost
{
    /// <summary>Store settings of the embedded default (SQLite under Home) or PostgreSQL.</summary>
    public static StoreSettings Stores(ServiceOptions options) => new()
    {
        SqlitePath = Path.Combine(options.Home, "regsosek.db"),
        PostgresConnectionString = options.PostgresConnectionString,
    };

    /// <summary>The dataset: its data version (from the manifest) and its partitions (listed once).</summary>
    public static DatasetInfo Dataset(string directory)
    {
        var manifestPath = Path.Combine(directory, DatasetLayout.ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new FileNotFoundException(
                $"no dataset at {directory} (no {DatasetLayout.ManifestFileName}); './regsosek start' generates the sample there, " +
                $"or generate one with './regsosek generate --persons 500000 --out {directory}'",
                manifestPath);
        var m = DatasetManifest.Load(manifestPath);
        var summaries = Engine.Summaries.SummaryManifest.Open(directory, out var problem);
        return new DatasetInfo(DatasetPartitions.Scan(directory),
            $"regsosek-synthetic generator {m.GeneratorVersion}, schema {m.SchemaVersion}, seed {m.Seed}, {m.Persons} persons", m.Persons)
        {
            Summaries = summaries,
            SummariesProblem = problem,
        };
    }

    /// <summary>JWT validation when an issuer is configured; opaque tokens only otherwise.</summary>
    public static TokenAuthenticatorOptions? TokenOptions(ServiceOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.JwtIssuer)) return null;
        return new TokenAuthenticatorOptions
        {
            Jwt = new JwtValidationOptions
            {
                Issuer = options.JwtIssuer,
                Audience = options.JwtAudience ?? "",
                HmacKey = string.IsNullOrWhiteSpace(options.JwtHmacKey) ? null : Convert.FromBase64String(options.JwtHmacKey),
                RsaPublicKeys = string.IsNullOrWhiteSpace(options.JwtRsaPublicKeyPath)
                    ? []
                    : [JwtValidationOptions.RsaKeyFromPem(File.ReadAllText(options.JwtRsaPublicKeyPath))],
            },
        };
    }

    /// <summary>Builds the server. <paramref name="configure"/> may replace services after the defaults
    /// are registered (tests use it to inject a failing audit log or a fixed clock). <paramref name="configuration"/>
    /// (the command line's: appsettings.json and REGSOSEK__ variables) is added to the builder's and gives the
    /// settings bound by <see cref="SettingsExtensions.AddRegsosekSettings"/>, validated when the server starts.</summary>
    public static WebApplication Build(ServiceOptions options, Action<IServiceCollection>? configure = null, IConfiguration? configuration = null)
    {
        // appsettings.json (log levels) sits beside the executable, whatever the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        if (configuration is not null) builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddRegsosekConsole(options.Logging);
        var endpoints = new Endpoints();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            endpoints.Configure(k, options);
        });

        var dataset = Dataset(options.DatasetPath);
        var dictionary = DataDictionary.Default;
        var catalogue = IndicatorCatalogue.Load(dictionary);
        var stores = Stores(options);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(dataset);
        services.AddSingleton(catalogue);
        services.AddSingleton(new QueryPlanner(catalogue));
        services.AddSingleton(_ => new AggregateEngine(new AggregateEngineOptions
        {
            Threads = options.EngineThreads,
            MemoryLimit = options.EngineMemoryLimit,
            ResultCacheCells = options.EngineResultCacheCells,
            MaxConcurrentQueries = options.EngineMaxConcurrentQueries,
            MaxConcurrentScans = options.EngineMaxConcurrentScans,
        }));
        services.AddRegsosekSettings(builder.Configuration);
        services.AddSingleton<IDisclosureControl>(sp => new DisclosureControl(sp.GetRequiredService<IOptions<DisclosureOptions>>().Value));
        // One region table: names for responses, and the check that a grant's region exists.
        services.AddSingleton(_ => RegionDirectory.Load(dataset.Directory));
        services.AddSingleton<IRegionNames>(sp => new RegionDirectoryNames(sp.GetRequiredService<RegionDirectory>()));
        services.AddSingleton<IRegionExistence>(sp => new RegionDirectoryExistence(sp.GetRequiredService<RegionDirectory>(),
            Path.Combine(dataset.Directory, "wilayah")));
        services.AddSingleton(sp => StoreFactory.CreateGrantStore(stores, sp.GetRequiredService<IRegionExistence>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => StoreFactory.CreateAuditLog(stores, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => StoreFactory.CreateExtractJobStore(stores, sp.GetRequiredService<TimeProvider>()));
        services.PostConfigure<Regsosek.Api.ExtractJobs.ExtractJobOptions>(o =>
        {
            o.Directory ??= Path.Combine(options.Home, "extract-jobs");
            o.Node ??= Environment.MachineName + ":" + Path.GetFullPath(o.Directory);
        });
        services.AddSingleton(sp => new TokenAuthenticator(sp.GetRequiredService<IGrantStore>(), TokenOptions(options),
            sp.GetRequiredService<TimeProvider>()));
        var masterKey = PseudonymMasterKey.Resolve(options);
        services.AddSingleton(sp => new ExtractService(dataset.Partitions,
            // Extracts have their own per-extract DuckDB settings (Regsosek:Extracts; default 1 thread, 96 MB: nearly
            // flat peak memory, docs/extracts.md), not the aggregate engine's.
            new ExtractRunner(PseudonymKeyring.FromConfiguration(masterKey), sp.GetRequiredService<IOptions<ExtractOptions>>().Value),
            dictionary));
        services.AddSingleton(endpoints);
        services.AddRegsosekApi(options.Cors);
        services.AddRegsosekTelemetry(options);
        configure?.Invoke(services);

        var app = builder.Build();
        app.UseRegsosekMetricsEndpoint();
        app.MapRegsosekApi();
        app.UseDashboard();
        return app;
    }
}
