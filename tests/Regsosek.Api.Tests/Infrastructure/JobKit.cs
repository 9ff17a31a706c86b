using System.Security.Cryptography;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api.ExtractJobs;
using Regsosek.Api.V1;
using Regsosek.Host;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>A grant holder's view of ExtractJobService on one server: typed client, polling, downloads.</summary>
internal sealed class JobKit(string address)
{
    public ExtractJobService.ExtractJobServiceClient Client { get; } = new(ApiClient.Channel(address));

    public static JobKit For(WebApplication app) => new($"127.0.0.1:{app.Services.GetRequiredService<Endpoints>().Grpc!.Port}");

    public static CallOptions Options(string? token, CancellationToken cancel = default) =>
        new(token is null ? new Metadata() : new Metadata { { "authorization", "Bearer " + token } }, DateTime.UtcNow.AddSeconds(60), cancel);

    /// <summary>A tier-3 CSV extract of a few columns of regency 3201.</summary>
    public static ExtractRequest SmallExtract(params string[] columns)
    {
        var r = new ExtractRequest { Table = ExtractTable.Individu, Region = "3201", Format = ExtractFormat.Csv };
        r.Columns.AddRange(columns.Length > 0 ? columns : ["regency_code", "r405", "r407", "r409"]);
        return r;
    }

    public async Task<ExtractJob> SubmitAsync(ExtractRequest extract, string token) =>
        await Client.SubmitExtractJobAsync(new SubmitExtractJobRequest { Extract = extract }, Options(token));

    public async Task<ExtractJob> GetAsync(string id, string token) =>
        await Client.GetExtractJobAsync(new GetExtractJobRequest { JobId = id }, Options(token));

    /// <summary>Polls the job until <paramref name="until"/> holds (60 s at most).</summary>
    public async Task<ExtractJob> WaitAsync(string id, string token, Func<ExtractJob, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await GetAsync(id, token);
            if (until(job)) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {id} stayed {job.State} ({job.Phase}): {job.Failure}");
            await Task.Delay(50);
        }
    }

    public Task<ExtractJob> WaitStateAsync(string id, string token, ExtractJobState state) => WaitAsync(id, token, j => j.State == state);

    /// <summary>Downloads a file (or part of it), checking that the chunks are contiguous from the offset asked for.</summary>
    public async Task<byte[]> DownloadAsync(string id, string token, ExtractJobFileKind kind = ExtractJobFileKind.Data, long offset = 0, long length = 0)
    {
        using var call = Client.DownloadExtractJob(new DownloadExtractJobRequest { JobId = id, File = kind, Offset = offset, Length = length }, Options(token));
        using var bytes = new MemoryStream();
        var expected = offset;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal(expected, chunk.Offset);
            Assert.InRange(chunk.Data.Length, 1, ExtractJobsApi.ChunkBytes);
            chunk.Data.WriteTo(bytes);
            expected += chunk.Data.Length;
        }
        return bytes.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The refusal of <paramref name="call"/>.</summary>
    public static async Task<RpcException> RefusalAsync(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    public static string? FieldOf(RpcException e) => e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Single().Field;
    public static string? RuleOf(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
    public static string? LimitOf(RpcException e) => e.GetRpcStatus()?.GetDetail<QuotaFailure>()?.Violations.Single().Subject;
}

/// <summary>Holds running jobs at a phase until released (or their cancellation), through <see cref="ExtractJobHooks"/>.</summary>
internal sealed class PhaseGate
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PhaseGate(ExtractJobHooks hooks, string phase)
    {
        hooks.OnPhase = async (job, p, ct) =>
        {
            if (p != phase || _release.Task.IsCompleted) return;
            _reached.TrySetResult(job);
            await _release.Task.WaitAsync(ct);
        };
    }

    /// <summary>The first job that reached the phase.</summary>
    public Task<string> Reached => _reached.Task.WaitAsync(TimeSpan.FromSeconds(60));

    public void Release() => _release.TrySetResult();
}
