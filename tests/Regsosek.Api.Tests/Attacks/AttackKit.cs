using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.FSharp.Core;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Google.Protobuf.WellKnownTypes;
using IndicatorCatalogue = Regsosek.Catalogue.IndicatorCatalogue;

namespace Regsosek.Api.Tests.Attacks;

/// <summary>
/// The attacker's toolbox (issue 11, "How to show it"): typed grpc-dotnet clients on the shared server, answers kept
/// whole (reply, or status with its google.rpc details), the catalogue's tiers as the data dictionary states them, and a
/// fixed-seed FsCheck runner for the property versions of the attacks.
/// </summary>
internal sealed class Attacker(ServiceFixture service)
{
    private readonly CallInvoker _invoker = ApiClient.Channel(service.Address).CreateCallInvoker();

    public static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(Regsosek.Schema.DataDictionary.Default);

    public AggregateService.AggregateServiceClient Aggregates => new(_invoker);
    public CatalogService.CatalogServiceClient Catalog => new(_invoker);
    public AdminService.AdminServiceClient Admin => new(_invoker);
    public ExtractService.ExtractServiceClient Extracts => new(_invoker);

    public static Metadata Auth(string? token) => token is null ? new Metadata() : new Metadata { { "authorization", "Bearer " + token } };

    public static CallOptions Options(string? token, TimeSpan? deadline = null, CancellationToken cancel = default) =>
        new(Auth(token), DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(60)), cancel);

    public Task<Answer> AggregateAsync(AggregateRequest request, string? token = null) =>
        Answer.Of(Aggregates.AggregateAsync(request, Options(token)));

    public Task<Answer> DesilAsync(DesilDistributionRequest request, string? token = null) =>
        Answer.Of(Aggregates.DesilDistributionAsync(request, Options(token)));

    public Task<Answer> PercentilesAsync(PercentilesRequest request, string? token = null) =>
        Answer.Of(Aggregates.PercentilesAsync(request, Options(token)));

    /// <summary>An aggregate the attacker expects to be answered.</summary>
    public async Task<AggregateResponse> ReplyAsync(AggregateRequest request, string? token = null) =>
        (await AggregateAsync(request, token)).AssertReply();

    /// <summary>Codes of the children of <paramref name="parent"/> (ListRegions).</summary>
    public async Task<List<long>> ChildrenAsync(string parent) =>
        (await Catalog.ListRegionsAsync(new ListRegionsRequest { Parent = parent })).Regions.Select(r => long.Parse(r.Code)).ToList();

    public static AggregateRequest Request(string indicator, string region = "", RegionLevel breakdown = RegionLevel.Unspecified,
        IEnumerable<string>? groupBy = null, IEnumerable<Filter>? filters = null)
    {
        var r = new AggregateRequest { Scope = new Scope { Region = region, Breakdown = breakdown } };
        r.Indicators.Add(indicator);
        r.GroupBy.AddRange(groupBy ?? []);
        r.Filters.AddRange(filters ?? []);
        return r;
    }

    public static Filter FilterOf(string dimension, params long[] values)
    {
        var f = new Filter { Dimension = dimension };
        f.Values.AddRange(values);
        return f;
    }
}

/// <summary>One answer: the reply, or the refusal with its decoded google.rpc.Status details.</summary>
internal sealed record Answer(AggregateResponse? Reply, RpcException? Error, Metadata? Headers = null)
{
    public static async Task<Answer> Of(AsyncUnaryCall<AggregateResponse> call)
    {
        using (call)
        {
            try
            {
                var reply = await call;
                return new Answer(reply, null, await call.ResponseHeadersAsync);
            }
            catch (RpcException e)
            {
                return new Answer(null, e, e.Trailers);
            }
        }
    }

    public bool Ok => Reply is not null;
    public StatusCode Code => Error?.StatusCode ?? StatusCode.OK;
    public IReadOnlyList<Any> Details => Error?.GetRpcStatus()?.Details.ToList() ?? [];
    private IEnumerable<T> DetailsOf<T>() where T : IMessage<T>, new() =>
        Details.Where(d => d.Is(new T().Descriptor)).Select(d => d.Unpack<T>());
    public string? Reason => DetailsOf<ErrorInfo>().Select(e => e.Reason).FirstOrDefault();
    public IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolations => DetailsOf<BadRequest>().SelectMany(b => b.FieldViolations).ToList();
    public IReadOnlyList<QuotaFailure.Types.Violation> QuotaViolations => DetailsOf<QuotaFailure>().SelectMany(q => q.Violations).ToList();

    public AggregateResponse AssertReply()
    {
        Assert.True(Ok, $"expected an answer, got {Error?.StatusCode} {Error?.Status.Detail} ({Reason})");
        return Reply!;
    }

    public void AssertRefused(StatusCode code, string reason)
    {
        Assert.True(!Ok && Code == code && Reason == reason,
            $"expected {code} with rule {reason}, got {(Ok ? "an answer" : $"{Code} {Reason}: {Error!.Status.Detail}")}");
    }

    public override string ToString() => Ok ? Reply!.ToString() : $"{Code} {Reason}: {Error!.Status.Detail}";
}

/// <summary>Helpers to read a released table as the attacker does.</summary>
internal static class Released
{
    public const string Suppressed = "CELL_STATUS_SUPPRESSED";

    public static bool IsWithheld(this Cell c) => c.Status == CellStatus.Suppressed;

    /// <summary>The row's key per dimension: the code, or null for a margin.</summary>
    public static long?[] KeyOf(this Row row) => row.Keys.Select(k => k.HasCode ? k.Code : (long?)null).ToArray();

    public static string KeyText(IEnumerable<long?> key) => string.Join(",", key.Select(k => k?.ToString() ?? "*"));

    public static Dictionary<string, Row> ByKey(this AggregateResponse reply) => reply.Rows.ToDictionary(r => KeyText(r.KeyOf()));

    public static HashSet<string> RuleIds(this AggregateResponse reply) => reply.Metadata.Rules.Select(r => r.Id).ToHashSet();
}

/// <summary>Runs FsCheck properties with a fixed replay seed (every run tests the same random requests; a failure reproduces).</summary>
internal static class AttackProperty
{
    public const ulong Seed = 20221015;

    /// <summary>Checks <paramref name="attack"/> for <paramref name="maxTest"/> random values; the attack asserts with xunit.
    /// Runs on the thread pool: the property blocks on gRPC calls.</summary>
    public static Task ForAll<T>(Gen<T> gen, Func<T, Task> attack, int maxTest) => Task.Run(() =>
        Check.One(FsCheck.Config.QuickThrowOnFailure
                .WithMaxTest(maxTest)
                .WithQuietOnSuccess(true)
                .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None))),
            Prop.ForAll(gen.ToArbitrary(), (T value) => attack(value).GetAwaiter().GetResult())));
}
