using Npgsql;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Storage;
using Regsosek.Stores.Tests.Support;

namespace Regsosek.Stores.Tests;

/// <summary>
/// A PostgreSQL restart (or failover) leaves every pooled connection dead. The stores must fail the operations that
/// meet a dead connection (closed: StoreUnavailableException / AuditUnavailableException) and recover by themselves
/// right after, without a restart of the service (issue 16): Npgsql drops pooled connections whose socket the server
/// closed when it hands them out, so at most one operation fails. Here the stores reach
/// the server through a <see cref="CuttableProxy"/>, and the server's restart is played by cutting every connection
/// through it (the sockets close without a word from the server, as when PostgreSQL is stopped at once), so that
/// other tests using the same server are not disturbed.
/// </summary>
public sealed class PostgresReconnectTests : IAsyncLifetime
{
    private const int PooledConnections = 6;
    private readonly PostgresBackend _backend = new();
    private CuttableProxy _proxy = null!;
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        await _backend.InitialiseAsync();
        var direct = new NpgsqlConnectionStringBuilder(_backend.ConnectionString);
        _proxy = CuttableProxy.Start(direct.Host!, direct.Port);
        _connectionString = new NpgsqlConnectionStringBuilder(_backend.ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        _proxy?.Dispose();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task After_its_connections_are_killed_the_grant_store_fails_at_most_one_call_then_recovers()
    {
        await using var store = new PostgresGrantStore(new PostgresStoreOptions { ConnectionString = _connectionString });
        var issued = await store.IssueAsync(new GrantRequest
        {
            Organisation = "Pemerintah Kabupaten Bogor", Unit = "Bappeda", Tier = Tier.Disaggregated,
            Region = RegionCode.Parse("3201"), Purpose = "reconnect test",
        });
        // Several calls at once leave several idle connections in the pool.
        await Task.WhenAll(Enumerable.Range(0, PooledConnections).Select(_ => store.GetAsync(issued.Grant.Id)));
        Assert.True(await KillConnectionsAsync() >= 2, "the test needs several pooled connections to kill");

        var failures = 0;
        for (int i = 0; i < PooledConnections; i++)
        {
            try
            {
                Assert.NotNull(await store.GetAsync(issued.Grant.Id));
            }
            catch (StoreUnavailableException)
            {
                failures++;
            }
        }
        Assert.InRange(failures, 0, 1);
        Assert.NotNull(await store.FindByTokenAsync(issued.Token)); // and it goes on working
    }

    [Fact]
    public async Task After_its_connections_are_killed_the_audit_log_fails_at_most_one_append_then_recovers()
    {
        await using var log = new PostgresAuditLog(new PostgresStoreOptions { ConnectionString = _connectionString });
        await log.AppendAsync(Entry());
        await Task.WhenAll(Enumerable.Range(0, PooledConnections).Select(_ => log.GetHeadAsync()));
        Assert.True(await KillConnectionsAsync() >= 2, "the test needs several pooled connections to kill");

        var failures = 0;
        for (int i = 0; i < PooledConnections; i++)
        {
            try
            {
                await log.AppendAsync(Entry());
            }
            catch (AuditUnavailableException)
            {
                failures++;
            }
        }
        Assert.InRange(failures, 0, 1);
        Assert.True((await log.VerifyAsync()).IsIntact);
    }

    private static AuditEntry Entry() => new()
    {
        Method = "/regsosek.v1.CatalogService/WhoAmI", Request = "{}", Scope = RegionCode.National,
        Decision = AuditDecision.Allowed, Latency = TimeSpan.FromMilliseconds(1),
    };

    /// <summary>Cuts every connection of this test, as a server stopped at once would; returns how many.</summary>
    private async Task<int> KillConnectionsAsync()
    {
        var cut = _proxy.CutAll();
        await Task.Delay(100); // let the sockets see the close
        return cut;
    }
}

/// <summary>A TCP forwarder on loopback whose connections can all be cut at once.</summary>
internal sealed class CuttableProxy : IDisposable
{
    private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
    private readonly List<System.Net.Sockets.TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();

    private CuttableProxy() { }

    public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

    public static CuttableProxy Start(string host, int port)
    {
        var proxy = new CuttableProxy();
        proxy._listener.Start();
        _ = proxy.AcceptAsync(host, port);
        return proxy;
    }

    private async Task AcceptAsync(string host, int port)
    {
        while (!_stop.IsCancellationRequested)
        {
            System.Net.Sockets.TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            var server = new System.Net.Sockets.TcpClient();
            try { await server.ConnectAsync(host, port); }
            catch (System.Net.Sockets.SocketException) { client.Dispose(); server.Dispose(); continue; }
            lock (_open) _open.AddRange([client, server]);
            _ = Pump(client, server);
            _ = Pump(server, client);
        }
    }

    private static async Task Pump(System.Net.Sockets.TcpClient from, System.Net.Sockets.TcpClient to)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream()); }
        catch (Exception) { }
        from.Dispose();
        to.Dispose();
    }

    /// <summary>Closes every connection made so far (both sides); returns how many client connections that was.</summary>
    public int CutAll()
    {
        List<System.Net.Sockets.TcpClient> open;
        lock (_open) { open = [.. _open]; _open.Clear(); }
        foreach (var c in open) c.Dispose();
        return open.Count / 2;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        CutAll();
    }
}
