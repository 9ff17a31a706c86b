namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>A clock stopped at one instant, to issue grants "in the past" through the store.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => now;
}
