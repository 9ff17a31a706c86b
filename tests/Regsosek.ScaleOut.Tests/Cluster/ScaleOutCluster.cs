using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Grpc.Net.Client;
using Regsosek.Core;
using Regsosek.Generator;
using Regsosek.Stores;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;

namespace Regsosek.ScaleOut.Cluster;

/// <summary>What the cluster is made of.</summary>
public sealed record ClusterOptions
{
    /// <summary>Replicas started (they can be stopped and started again by index).</summary>
    public int Replicas { get; init; } = 3;
    /// <summary>Persons in the generated dataset (three regencies, as the API tests use).</summary>
    public long Persons { get; init; } = 20_000;
    /// <summary>REGSOSEK__Limits__ShutdownDrainSeconds of the replicas: above HAProxy's fall x inter + timeout check (4 s).</summary>
    public double DrainSeconds { get; init; } = 5;
    /// <summary>DuckDB threads per replica.</summary>
    public int EngineThreads { get; init; } = 1;
    /// <summary>PostgreSQL with fsync and synchronous commit on, as in production (the tests turn them off for speed).</summary>
    public bool DurablePostgres { get; init; }
}

/// <summary>
/// The production layout of docs/deployment.md on one machine: a throw-away PostgreSQL 15
/// (scripts/postgres-test-server in a folder of its own), one generated dataset read by every replica,
/// N replicas of the real host (<c>dotnet regsosek.dll start --postgres ... --port ...</c>, each a process with its
/// own home but the same pseudonym master key), and HAProxy running deploy/haproxy.cfg with its server lines
/// pointing at the replicas. Everything lives under one temporary folder, deleted on dispose; every process
/// is stopped on dispose, and killed if the test run itself exits (see <see cref="ChildProcess"/>).
/// </summary>
public sealed class ScaleOutCluster : IAsyncDisposable
{
    public static readonly string[] Regencies = ["3201", "3273", "3174"];

    private readonly ClusterOptions _options;
    private readonly ChildProcess?[] _replicas;
    private readonly int[] _ports;
    private readonly string _masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private ChildProcess? _haproxy;
    private bool _postgresStarted;

    private ScaleOutCluster(ClusterOptions options)
    {
        _options = options;
        _replicas = new ChildProcess?[options.Replicas];
        _ports = Enumerable.Range(0, options.Replicas).Select(_ => FreePort()).ToArray();
    }

    /// <summary>The temporary folder holding the dataset, PostgreSQL's data and the replicas' homes.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "regsosek-scaleout-" + Guid.NewGuid().ToString("N")[..10]);

    public string Dataset => Path.Combine(Root, "dataset");

    /// <summary>The Npgsql connection string of the shared store.</summary>
    public string Postgres { get; private set; } = "";

    /// <summary>"127.0.0.1:port" of the load balancer's gRPC frontend.</summary>
    public string BalancerAddress { get; private set; } = "";

    /// <summary>"127.0.0.1:port" of HAProxy's statistics page.</summary>
    public string StatsAddress { get; private set; } = "";

    /// <summary>The test side's grant store and audit log, on the shared PostgreSQL.</summary>
    public IGrantStore Grants { get; private set; } = null!;
    public IAuditLog Audit { get; private set; } = null!;

    public IssuedGrant Operator { get; private set; } = null!;
    /// <summary>Tier 2, regency 3201 (Kabupaten Bogor).</summary>
    public IssuedGrant Regency3201 { get; private set; } = null!;
    /// <summary>Tier 3, national.</summary>
    public IssuedGrant Microdata { get; private set; } = null!;

    public int ReplicaCount => _replicas.Length;

    /// <summary>"127.0.0.1:port" of replica <paramref name="i"/>, to call it directly.</summary>
    public string ReplicaAddress(int i) => $"127.0.0.1:{_ports[i]}";

    /// <summary>Replica <paramref name="i"/>'s process (null while stopped).</summary>
    public ChildProcess? Replica(int i) => _replicas[i];

    /// <summary>Generates the dataset, starts PostgreSQL, issues the grants, starts the replicas and the balancer,
    /// and returns once the balancer reports every replica up.</summary>
    public static async Task<ScaleOutCluster> StartAsync(ClusterOptions? options = null)
    {
        var cluster = new ScaleOutCluster(options ?? new ClusterOptions());
        try
        {
            await cluster.InitialiseAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task InitialiseAsync()
    {
        Directory.CreateDirectory(Root);
        var generating = new DatasetGenerator().RunAsync(new GeneratorOptions
        {
            Persons = _options.Persons,
            Seed = 20221015,
            OutputDirectory = Dataset,
            RegionDataDirectory = Path.Combine(RepoRoot, ".deps", "idn-area-data"),
            Regencies = Regencies,
            Threads = 2,
            MemoryLimit = "1GB",
        });
        // synchronous_commit on (PostgreSQL's default; the throw-away server turns it off for speed): an audit
        // record is only answered as written once its WAL is flushed, so a halted server loses none.
        Postgres = (await PostgresAsync("start")).Trim() + ";Options=-c synchronous_commit=on";
        _postgresStarted = true;
        var settings = new StoreSettings { PostgresConnectionString = Postgres };
        Grants = StoreFactory.CreateGrantStore(settings);
        Audit = StoreFactory.CreateAuditLog(settings);
        Operator = await OperatorBootstrap.InitAsync(Grants, "Direktorat Penanggulangan Kemiskinan dan Pemberdayaan Masyarakat");
        Regency3201 = await IssueAsync("Pemerintah Kabupaten Bogor", Tier.Disaggregated, "3201");
        Microdata = await IssueAsync("Badan Pusat Statistik", Tier.Microdata, "");
        await generating;

        await Task.WhenAll(Enumerable.Range(0, _replicas.Length).Select(StartReplicaAsync));
        await StartBalancerAsync();
        await WaitForBalancerAsync(Enumerable.Range(0, _replicas.Length).ToArray(), up: true, TimeSpan.FromSeconds(30));
    }

    /// <summary>Issues a grant through the test side's store (the replicas see it on their next call).</summary>
    public Task<IssuedGrant> IssueAsync(string organisation, Tier tier, string region) =>
        Grants.IssueAsync(new GrantRequest
        {
            Organisation = organisation,
            Unit = "Bappeda",
            Tier = tier,
            Region = RegionCode.Parse(region),
            Purpose = "Perencanaan program penanggulangan kemiskinan (scale-out test)",
        });

    /// <summary>Starts replica <paramref name="i"/> on its port (again, after a kill or a stop) and waits until it serves.</summary>
    public async Task StartReplicaAsync(int i)
    {
        if (_replicas[i] is { HasExited: false }) throw new InvalidOperationException($"replica {i + 1} is running");
        if (_replicas[i] is { } old) await old.DisposeAsync();
        var home = Path.Combine(Root, $"home{i + 1}");
        Directory.CreateDirectory(home);
        var replica = ChildProcess.Start($"replica{i + 1}", DotnetHost(), [
            RegsosekDll(), "start", "--home", home, "--dataset", Dataset, "--postgres", Postgres,
            "--listen", "127.0.0.1", "--port", _ports[i].ToString(CultureInfo.InvariantCulture), "--http-port", "-1",
        ], new Dictionary<string, string>
        {
            ["NO_COLOR"] = "1",
            // The one thing every replica must share besides the stores: extract pseudonyms are keyed by it.
            ["REGSOSEK__PseudonymMasterKey"] = _masterKey,
            ["REGSOSEK__Limits__ShutdownDrainSeconds"] = _options.DrainSeconds.ToString(CultureInfo.InvariantCulture),
            ["REGSOSEK__EngineThreads"] = _options.EngineThreads.ToString(CultureInfo.InvariantCulture),
            ["REGSOSEK__EngineMemoryLimit"] = "512MB",
        }, readyLine: "Serving gRPC");
        _replicas[i] = replica;
        await replica.WaitReadyAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>SIGKILL to replica <paramref name="i"/>; returns once it is gone.</summary>
    public async Task KillReplicaAsync(int i)
    {
        var replica = _replicas[i] ?? throw new InvalidOperationException($"replica {i + 1} is not running");
        replica.Kill();
        await replica.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The host's command line (e.g. <c>audit verify --postgres ...</c>): exit code and output, at most 120 s.</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] args)
    {
        await using var cli = ChildProcess.Start("regsosek " + string.Join(' ', args), DotnetHost(), [RegsosekDll(), .. args],
            new Dictionary<string, string> { ["NO_COLOR"] = "1" }, readyLine: null);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exit, cli.Output);
    }

    /// <summary>PostgreSQL stopped at once (as a crash would), keeping its data and port.</summary>
    public Task HaltPostgresAsync() => PostgresAsync("halt");

    /// <summary>PostgreSQL started again on the same port. The test side's stores are opened afresh (their pooled
    /// connections died with the server; the replicas' stores must recover by themselves).</summary>
    public async Task RestartPostgresAsync()
    {
        await PostgresAsync("start");
        await Grants.DisposeAsync();
        await Audit.DisposeAsync();
        var settings = new StoreSettings { PostgresConnectionString = Postgres };
        Grants = StoreFactory.CreateGrantStore(settings);
        Audit = StoreFactory.CreateAuditLog(settings);
    }

    /// <summary>A channel to "host:port" (cleartext HTTP/2). Disposed by the caller.</summary>
    public static GrpcChannel Channel(string address) => GrpcChannel.ForAddress("http://" + address,
        new GrpcChannelOptions { MaxReceiveMessageSize = null });

    /// <summary>Each replica's status in the balancer ("UP", "DOWN", "UP 1/2", ...), from its CSV statistics.</summary>
    public async Task<string[]> BalancerStatusAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var csv = await http.GetStringAsync($"http://{StatsAddress}/stats;csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int px = Array.IndexOf(header, "pxname"), sv = Array.IndexOf(header, "svname"), status = Array.IndexOf(header, "status");
        var result = new string[_replicas.Length];
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            if (f[px] == "replicas" && f[sv].StartsWith("replica", StringComparison.Ordinal)
                && int.TryParse(f[sv]["replica".Length..], out var n) && n >= 1 && n <= result.Length)
                result[n - 1] = f[status];
        }
        return result;
    }

    /// <summary>Waits until the balancer reports each of <paramref name="replicas"/> (0-based) UP, or DOWN.</summary>
    public async Task WaitForBalancerAsync(int[] replicas, bool up, TimeSpan timeout)
    {
        string[] status = [];
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < timeout; await Task.Delay(100))
        {
            status = await BalancerStatusAsync();
            if (replicas.All(i => status[i] is { } s && (up ? s == "UP" : s.StartsWith("DOWN", StringComparison.Ordinal) || s == "MAINT")))
                return;
        }
        throw new TimeoutException($"the balancer did not report replicas {string.Join(",", replicas.Select(i => i + 1))} " +
            $"{(up ? "UP" : "DOWN")} within {timeout.TotalSeconds} s: {string.Join(", ", status)}\n{_haproxy?.Output}");
    }

    /// <summary>The balancer's and every replica's output, for a failure message.</summary>
    public string Logs(int tail = 40) => string.Join("\n", new[] { _haproxy }.Concat(_replicas).OfType<ChildProcess>()
        .Select(p => $"--- {p.Name}{(p.HasExited ? " (exited)" : "")}\n" +
                     string.Join("\n", p.Output.Split('\n').TakeLast(tail))));

    private async Task StartBalancerAsync()
    {
        var template = await File.ReadAllLinesAsync(Path.Combine(RepoRoot, "deploy", "haproxy.cfg"));
        var config = new List<string>();
        foreach (var line in template)
        {
            if (line.TrimStart().StartsWith("server ", StringComparison.Ordinal))
            {
                if (config.Count == 0 || !config[^1].TrimStart().StartsWith("server ", StringComparison.Ordinal))
                    config.AddRange(Enumerable.Range(0, _replicas.Length).Select(i => $"  server replica{i + 1} {ReplicaAddress(i)}"));
                continue;
            }
            config.Add(Environment.GetEnvironmentVariable("REGSOSEK_SCALEOUT_HAPROXY_LOG") is { Length: > 0 } level
                ? line.Replace("local0 notice", "local0 " + level, StringComparison.Ordinal) : line);
        }
        var path = Path.Combine(Root, "haproxy.cfg");
        await File.WriteAllLinesAsync(path, config);
        BalancerAddress = $"127.0.0.1:{FreePort()}";
        StatsAddress = $"127.0.0.1:{FreePort()}";
        // -db: foreground, no daemon; the process is ours to stop.
        _haproxy = ChildProcess.Start("haproxy", "haproxy", ["-db", "-f", path], new Dictionary<string, string>
        {
            ["REGSOSEK_LB_GRPC"] = BalancerAddress,
            ["REGSOSEK_LB_STATS"] = StatsAddress,
        }, readyLine: null);
        for (var clock = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                await BalancerStatusAsync();
                return;
            }
            catch (HttpRequestException e)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(20) || _haproxy.HasExited)
                    throw new InvalidOperationException($"HAProxy did not start ({e.Message}):\n{_haproxy.Output}", e);
            }
        }
    }

    private async Task<string> PostgresAsync(string action)
    {
        var start = new ProcessStartInfo(Path.Combine(RepoRoot, "scripts", "postgres-test-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(action);
        start.Environment["REGSOSEK_PG_STATE"] = Path.Combine(Root, "postgres");
        if (_options.DurablePostgres) start.Environment["REGSOSEK_PG_DURABLE"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("scripts/postgres-test-server did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/postgres-test-server {action} failed: {await stderr}");
        return await stdout;
    }

    public async ValueTask DisposeAsync()
    {
        if (_haproxy is not null) await _haproxy.DisposeAsync();
        foreach (var replica in _replicas)
            if (replica is not null) await replica.DisposeAsync();
        if (Audit is not null) await Audit.DisposeAsync();
        if (Grants is not null) await Grants.DisposeAsync();
        if (_postgresStarted)
        {
            try { await PostgresAsync("stop"); } catch (InvalidOperationException) { }
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open; the OS cleans the temporary folder eventually
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>The repository root (the folder holding Directory.Build.props and proto/).</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "proto")))
                return dir.FullName;
        throw new InvalidOperationException($"Cannot find the repository root above {AppContext.BaseDirectory}.");
    }

    /// <summary>The dotnet host running this process (DOTNET_HOST_PATH under `dotnet test`), else dotnet on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The host's regsosek.dll as built in src/Regsosek.Host (same configuration), else the copy beside this assembly.</summary>
    private static string RegsosekDll()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var built = Path.Combine(RepoRoot, "src", "Regsosek.Host", "bin", framework.Parent!.Name, framework.Name, "regsosek.dll");
        if (File.Exists(built)) return built;
        var copied = Path.Combine(AppContext.BaseDirectory, "regsosek.dll");
        return File.Exists(copied) ? copied : throw new FileNotFoundException($"regsosek.dll is neither at {built} nor at {copied}", built);
    }
}
