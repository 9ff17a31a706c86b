using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Regsosek.Api.V1;
using Regsosek.Benchmarking;
using Regsosek.Core;
using Regsosek.Host;
using RegionLevel = Regsosek.Core.RegionLevel;
using Tier = Regsosek.Core.Tier;
using Regsosek.Stores.Grants;

namespace Regsosek.MatchingBenchmark;

/// <summary>
/// The whole call end to end: the real host (<see cref="ServiceHost.Build"/>, a temporary home with SQLite grants and
/// audit) on a loopback port, a tier-4 grant of the scope issued through its grant store, and a grpc-dotnet client
/// that streams the list file in batches of 10,000 rows and reads every response until the summary. Server and client
/// share this process, so the peak resident set is an upper bound on the server's.
/// </summary>
internal static class GrpcRun
{
    private const int BatchRows = 10_000;

    public static async Task<int> RunAsync(string dataset, RegionCode scope, string listFile, long baseline, Func<string> load)
    {
        var home = Path.Combine(Path.GetTempPath(), $"regsosek-matching-grpc-{Environment.ProcessId}");
        Directory.CreateDirectory(home);
        var app = ServiceHost.Build(new ServiceOptions { Home = home, Dataset = dataset, Host = "127.0.0.1", Port = 0, HttpPort = -1 },
            services => services.AddLogging(b => b.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Microsoft.Hosting", LogLevel.Warning)));
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var issued = await app.Services.GetRequiredService<IGrantStore>().IssueAsync(new GrantRequest
            {
                Organisation = "Benchmark", Unit = "matching (gRPC)", Tier = Tier.Bnba, Region = scope,
                Purpose = "end-to-end matching benchmark",
            });
            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
            var client = new MatchingService.MatchingServiceClient(channel);
            var headers = new Metadata { { "authorization", "Bearer " + issued.Token } };

            PeakResidentSet.Read(reset: true);
            var process = Process.GetCurrentProcess();
            double cpu0 = process.TotalProcessorTime.TotalSeconds;
            string loadBefore = load();
            var clock = Stopwatch.StartNew();
            using var call = client.Match(headers);
            var reading = Task.Run(async () =>
            {
                long results = 0, matched = 0;
                TimeSpan? first = null;
                MatchSummary? summary = null;
                await foreach (var response in call.ResponseStream.ReadAllAsync())
                {
                    switch (response.PayloadCase)
                    {
                        case MatchResponse.PayloadOneofCase.Results:
                            first ??= clock.Elapsed;
                            results += response.Results.Results.Count;
                            foreach (var r in response.Results.Results) if (r.Status == MatchStatus.Matched) matched++;
                            break;
                        case MatchResponse.PayloadOneofCase.Summary:
                            summary = response.Summary;
                            break;
                    }
                }
                return (results, matched, first, summary);
            });
            await call.RequestStream.WriteAsync(new MatchRequest { Options = new MatchOptions { Mode = MatchMode.Rows } });
            long row = 0;
            var batch = new MatchBatch();
            using (var reader = new StreamReader(listFile))
            {
                while (reader.ReadLine() is { } line)
                {
                    batch.Rows.Add(new MatchRow { Nik = line, Key = (row++).ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    if (batch.Rows.Count == BatchRows)
                    {
                        await call.RequestStream.WriteAsync(new MatchRequest { Batch = batch });
                        batch = new MatchBatch();
                    }
                }
            }
            if (batch.Rows.Count > 0) await call.RequestStream.WriteAsync(new MatchRequest { Batch = batch });
            await call.RequestStream.CompleteAsync();
            var sent = clock.Elapsed;
            var (resultRows, matchedRows, firstResult, summary) = await reading;
            var total = clock.Elapsed;
            process.Refresh();
            Console.WriteLine($"gRPC, scope {(scope.Level == RegionLevel.National ? "national" : scope.Value)}: {row:N0} rows sent in {sent.TotalSeconds:F1} s; " +
                $"first results after {firstResult?.TotalSeconds:F1} s; {resultRows:N0} results ({matchedRows:N0} matched) and the summary after {total.TotalSeconds:F1} s");
            Console.WriteLine($"summary: submitted {summary?.RowsSubmitted:N0}, invalid {summary?.RowsInvalid:N0}, duplicates {summary?.RowsDuplicate:N0}, matched {summary?.Matched.Value:N0}");
            Console.WriteLine($"CPU seconds (server and client) {process.TotalProcessorTime.TotalSeconds - cpu0:F1}; load average before {loadBefore}, after {load()}");
            Console.WriteLine($"peak resident set during the call {(PeakResidentSet.Read() ?? 0) / 1048576.0:F0} MiB (server and client; before the call {baseline / 1048576.0:F0} MiB)");
            return resultRows == row && summary is not null ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(home, recursive: true); } catch (IOException) { }
        }
    }
}
