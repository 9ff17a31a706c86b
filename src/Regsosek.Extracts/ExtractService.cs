using Regsosek.Core.Policy;
using Regsosek.Schema;

namespace Regsosek.Extracts;

/// <summary>
/// Plans and runs record-level extracts over one dataset: <see cref="ExtractPlanner"/> then
/// <see cref="ExtractRunner"/>. The gRPC handler maps ExtractRequest onto <see cref="ExtractRequest"/>, calls
/// <see cref="Plan"/> (audit the decision; map <see cref="ExtractValidationException"/> to INVALID_ARGUMENT and
/// <see cref="ExtractAccessDeniedException"/> to PERMISSION_DENIED), then <see cref="RunAsync"/> with a sink that
/// writes ExtractChunk.data messages, and ends with the summary message.
/// </summary>
public sealed class ExtractService(DatasetPartitions dataset, ExtractRunner runner, DataDictionary? dictionary = null, TimeProvider? clock = null)
{
    private readonly ExtractPlanner _planner = new(dictionary ?? DataDictionary.Default);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The dataset read, and its partitions (an extract reads only those of its region).</summary>
    public DatasetPartitions Dataset { get; } = dataset ?? throw new ArgumentNullException(nameof(dataset));

    /// <summary>Validates <paramref name="request"/> and decides access for <paramref name="caller"/> now.</summary>
    /// <exception cref="ExtractValidationException">The request is invalid; names the field.</exception>
    /// <exception cref="ExtractAccessDeniedException">Refused by the access policy; names the rule.</exception>
    public ExtractPlan Plan(ExtractRequest request, Caller caller) =>
        _planner.Plan(request, caller, _clock.GetUtcNow(), Dataset);

    /// <summary>Runs a plan: see <see cref="ExtractRunner.RunAsync"/>.</summary>
    public Task<ExtractSummary> RunAsync(ExtractPlan plan, ExtractChunkSink sink,
        Func<ExtractSummary, CancellationToken, ValueTask>? beforeFirstChunk = null, CancellationToken ct = default) =>
        runner.RunAsync(plan, sink, beforeFirstChunk, ct);

    /// <summary>Plans and runs in one call.</summary>
    public Task<ExtractSummary> ExtractAsync(ExtractRequest request, Caller caller, ExtractChunkSink sink, CancellationToken ct = default) =>
        RunAsync(Plan(request, caller), sink, null, ct);
}
