using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Regsosek.Api.Tests.Attacks;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Core.Disclosure;
using Regsosek.Extracts;
using Regsosek.Host;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// The disclosure, extract and limit settings are options classes bound from configuration (Regsosek:Disclosure,
/// Regsosek:Extracts, Regsosek:Limits) and validated when the server starts: a bad value stops the start with a
/// message naming the setting, and a good value is the one the server uses.
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class SettingsTests(ServiceFixture service)
{
    [Fact]
    public async Task Out_of_range_settings_stop_the_start_naming_each_setting_before_any_port_is_bound()
    {
        await using var app = Build(new()
        {
            ["Regsosek:Disclosure:MaxCells"] = "-5",
            ["Regsosek:Disclosure:Tier1:CountThreshold"] = "0",
            ["Regsosek:Extracts:SuppressionBatchCombinations"] = "0",
            ["Regsosek:Limits:MaxReceiveMessageBytes"] = "10",
            ["Regsosek:Limits:ShutdownGraceSeconds"] = "-1",
            ["Regsosek:Limits:MatchingMaxRowsPerCall"] = "0",
            ["Regsosek:Limits:MatchingSummaryCallsPerDay"] = "0",
        });
        var e = await Assert.ThrowsAsync<AggregateException>(() => app.StartAsync());
        var messages = string.Join("\n", e.InnerExceptions.Select(i => Assert.IsType<OptionsValidationException>(i).Message));
        Assert.Contains("Regsosek:Disclosure:MaxCells must be at least 1 (got -5)", messages);
        Assert.Contains("Regsosek:Extracts:SuppressionBatchCombinations must be at least 1 (got 0)", messages);
        Assert.Contains("Regsosek:Limits:MaxReceiveMessageBytes must be at least 1024 (got 10)", messages);
        Assert.Contains("Regsosek:Limits:ShutdownGraceSeconds must be 0 to 3600 seconds (got -1)", messages);
        Assert.Contains("Regsosek:Limits:MatchingMaxRowsPerCall must be 1 to 1,000,000,000 (got 0)", messages);
        Assert.Contains("Regsosek:Limits:MatchingSummaryCallsPerDay must be 1 to 100,000 (got 0)", messages);
        Assert.True(app.Services.GetRequiredService<Endpoints>().Grpc is not { Port: > 0 }, "no port was bound");

        // MaxCells is checked first; with it valid, the tier's threshold is named by its path.
        await using var tier = Build(new() { ["Regsosek:Disclosure:Tier1:CountThreshold"] = "0" });
        var t = await Assert.ThrowsAsync<OptionsValidationException>(() => tier.StartAsync());
        Assert.Contains("Regsosek:Disclosure:Tier1:CountThreshold must be at least 1 (got 0)", t.Message);
    }

    [Fact]
    public async Task The_command_line_start_refuses_a_bad_setting_from_the_environment_with_exit_code_2_naming_it()
    {
        var home = Path.Combine(Path.GetTempPath(), "regsosek-settings-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await CliRunner.RunAsync(["start", "--home", home, "--dataset", service.Options.Dataset!, "--port", "0", "--http-port", "-1"],
                new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["REGSOSEK__Disclosure__MaxCells"] = "-1" });
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("error: ", result.Stderr);
            Assert.Contains("Regsosek:Disclosure:MaxCells must be at least 1 (got -1)", result.Stderr);
            Assert.DoesNotContain("Serving gRPC", result.Stdout);
        }
        finally
        {
            if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task A_misspelt_key_or_a_value_of_the_wrong_type_stops_the_start_naming_it()
    {
        await using (var misspelt = Build(new() { ["Regsosek:Disclosure:MaxCell"] = "100" }))
        {
            var e = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => misspelt.StartAsync());
            Assert.Contains("'MaxCell'", e.Message);
        }
        await using (var wrongType = Build(new() { ["Regsosek:Extracts:ChunkBytes"] = "a lot" }))
        {
            var e = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => wrongType.StartAsync());
            Assert.Contains("Regsosek:Extracts:ChunkBytes", e.Message);
        }
    }

    [Fact]
    public async Task Settings_from_configuration_are_the_ones_the_server_uses()
    {
        // The request the shared server (default settings) answers: people by district in one regency.
        var request = Attacker.Request("population", "3201", RegionLevel.District);
        var byDefault = await Answer.Of(new AggregateService.AggregateServiceClient(ApiClient.Channel(service.Address))
            .AggregateAsync(request, Attacker.Options(service.Regency3201.Token)));
        int cells = byDefault.AssertReply().Rows.Count;
        Assert.True(cells > 5, $"the default answer has {cells} rows");

        // Environment-variable form (no "Regsosek:" prefix) for one setting, section form for the others.
        await using var app = Build(new()
        {
            ["Disclosure:MaxCells"] = "5",
            ["Regsosek:Disclosure:Tier2:GroupSizeThreshold"] = "12",
            ["Regsosek:Extracts:ChunkBytes"] = "4096",
            ["Regsosek:Limits:MaxReceiveMessageBytes"] = "2048",
        });
        await app.StartAsync();
        var disclosure = app.Services.GetRequiredService<IOptions<DisclosureOptions>>().Value;
        Assert.Equal(5, disclosure.MaxCells);
        Assert.Equal(12, disclosure.Tier2.GroupSizeThreshold);
        Assert.Equal(5, disclosure.Tier2.CountThreshold); // the rest of the tier keeps its default
        Assert.Equal(4096, app.Services.GetRequiredService<IOptions<ExtractOptions>>().Value.ChunkBytes);

        var client = new AggregateService.AggregateServiceClient(ApiClient.Channel($"127.0.0.1:{app.Services.GetRequiredService<Endpoints>().Grpc!.Port}"));
        var refused = await Answer.Of(client.AggregateAsync(request, Attacker.Options(service.Regency3201.Token)));
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Contains("5 cells", refused.Error!.Status.Detail);

        var big = Attacker.Request("population", "3201", RegionLevel.District);
        big.Indicators.Add(new string('x', 4000));
        var tooLarge = await Answer.Of(client.AggregateAsync(big, Attacker.Options(service.Regency3201.Token)));
        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.Code);
        Assert.Contains("maximum", tooLarge.Error!.Status.Detail);
        await app.StopAsync();
    }

    private WebApplication Build(Dictionary<string, string?> settings) =>
        service.BuildSecondServer(o => o.HttpPort = -1, configuration: new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
