using System.Collections.Concurrent;

namespace Regsosek.Grpc.Tests.Infrastructure;

/// <summary>What the test service's handlers saw, by call id, for assertions from the test side.</summary>
public sealed class CallRecorder
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _outcomes = new();
    private readonly ConcurrentDictionary<string, int> _written = new();

    /// <summary>Records how a handler ended ("cancelled" when its token fired, "completed" otherwise).</summary>
    public void SetOutcome(string callId, string outcome) => Outcome(callId).TrySetResult(outcome);

    /// <summary>The outcome of a call, once its handler has ended.</summary>
    public TaskCompletionSource<string> Outcome(string callId) =>
        _outcomes.GetOrAdd(callId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Counts a message whose write the transport accepted.</summary>
    public void CountWritten(string callId) => _written.AddOrUpdate(callId, 1, (_, n) => n + 1);

    /// <summary>How many messages of a stream the transport has accepted so far.</summary>
    public int Written(string callId) => _written.TryGetValue(callId, out var n) ? n : 0;

    /// <summary>Waits, bounded, for a call's outcome; fails the test with a clear message when none came.</summary>
    public async Task<string> WaitForOutcomeAsync(string callId)
    {
        var task = Outcome(callId).Task;
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(20)));
        Xunit.Assert.True(finished == task, $"the handler of call '{callId}' did not end within 20 s");
        return await task;
    }
}
