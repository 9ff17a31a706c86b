using Regsosek.Core;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>
/// The dataset's region names with a test gate: once <see cref="Arm"/>ed for a region code, the next request
/// that asks whether that region exists (every data call does, first thing inside its audited handler) holds
/// there until the test releases it. Tests use it to have a call in flight on the server while its deadline
/// passes or its client cancels. Unarmed, it only passes through.
/// </summary>
public sealed class GatedRegionNames(IRegionNames inner) : IRegionNames
{
    private volatile RegionGate? _gate;

    /// <summary>Holds the next call that looks up <paramref name="region"/>; dispose the gate to disarm and release.</summary>
    public RegionGate Arm(string region)
    {
        var gate = new RegionGate(RegionCode.Parse(region), () => _gate = null);
        _gate = gate;
        return gate;
    }

    /// <inheritdoc/>
    public bool Exists(RegionCode code)
    {
        if (_gate is { } gate && gate.Region == code)
            gate.Hold();
        return inner.Exists(code);
    }

    /// <inheritdoc/>
    public string? NameOf(RegionCode code) => inner.NameOf(code);

    /// <inheritdoc/>
    public IReadOnlyList<(RegionCode Code, string Name)> Children(RegionCode parent) => inner.Children(parent);
}

/// <summary>A gate armed on one region code (see <see cref="GatedRegionNames"/>).</summary>
public sealed class RegionGate : IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _disarm;

    internal RegionGate(RegionCode region, Action disarm)
    {
        Region = region;
        _disarm = disarm;
    }

    /// <summary>The region whose lookup is held.</summary>
    public RegionCode Region { get; }

    /// <summary>Completes when a call reaches the gate.</summary>
    public Task Entered => _entered.Task;

    internal void Hold()
    {
        _entered.TrySetResult();
        _release.Wait(TimeSpan.FromSeconds(120));
    }

    /// <summary>Lets held calls go on.</summary>
    public void Release() => _release.Set();

    /// <summary>Disarms the gate and releases any held call.</summary>
    public void Dispose()
    {
        _disarm();
        _release.Set();
    }
}
