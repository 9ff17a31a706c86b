namespace Regsosek.Grpc;

/// <summary>Parses the grpc-timeout header: 1 to 8 ASCII digits and a unit H, M, S, m, u or n.</summary>
public static class GrpcTimeout
{
    /// <summary>Parses a grpc-timeout value. Values beyond <see cref="TimeSpan.MaxValue"/> are clamped to it.</summary>
    /// <returns>False, with <paramref name="timeout"/> zero, when the value is malformed.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = TimeSpan.Zero;
        if (value.Length < 2 || value.Length > 9)
            return false;
        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (c < '0' || c > '9')
                return false;
            amount = amount * 10 + (c - '0');
        }
        long ticksPerUnit;
        switch (value[^1])
        {
            case 'H': ticksPerUnit = TimeSpan.TicksPerHour; break;
            case 'M': ticksPerUnit = TimeSpan.TicksPerMinute; break;
            case 'S': ticksPerUnit = TimeSpan.TicksPerSecond; break;
            case 'm': ticksPerUnit = TimeSpan.TicksPerMillisecond; break;
            case 'u': ticksPerUnit = TimeSpan.TicksPerMicrosecond; break;
            case 'n':
                // 100 ns a tick: round up, so that a positive timeout never becomes zero.
                timeout = TimeSpan.FromTicks((amount + 99) / 100);
                return true;
            default: return false;
        }
        timeout = amount > TimeSpan.MaxValue.Ticks / ticksPerUnit ? TimeSpan.MaxValue : TimeSpan.FromTicks(amount * ticksPerUnit);
        return true;
    }
}
