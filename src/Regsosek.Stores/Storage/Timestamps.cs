namespace Regsosek.Stores.Storage;

/// <summary>
/// Times in the stores are UTC with whole microseconds: PostgreSQL's timestamptz resolution, and
/// the integer microseconds since the Unix epoch that SQLite stores. Truncating on the way in makes
/// every value read back equal to the value written, which the audit hash chain depends on.
/// </summary>
public static class Timestamps
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>The same instant in UTC, truncated to whole microseconds.</summary>
    public static DateTimeOffset Normalise(DateTimeOffset t)
    {
        long ticks = t.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TicksPerMicrosecond, TimeSpan.Zero);
    }

    /// <summary>Microseconds since 1970-01-01T00:00:00Z (truncated).</summary>
    public static long ToUnixMicroseconds(DateTimeOffset t) =>
        (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TicksPerMicrosecond;

    /// <summary>The instant <paramref name="us"/> microseconds after the Unix epoch, in UTC.</summary>
    public static DateTimeOffset FromUnixMicroseconds(long us) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + us * TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>A duration as whole microseconds (truncated).</summary>
    public static long ToMicroseconds(TimeSpan d) => d.Ticks / TicksPerMicrosecond;

    /// <summary>A duration of <paramref name="us"/> microseconds.</summary>
    public static TimeSpan FromMicroseconds(long us) => TimeSpan.FromTicks(us * TicksPerMicrosecond);
}
