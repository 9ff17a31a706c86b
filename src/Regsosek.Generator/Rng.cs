using System.Runtime.CompilerServices;

namespace Regsosek.Generator;

/// <summary>
/// xoshiro256** (Blackman and Vigna): a fast, small-state PRNG. Each regency gets its own
/// independent streams derived from (seed, regency code, stream id) through SplitMix64, so the
/// output does not depend on which thread generates which regency.
/// </summary>
internal sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A stream for (seed, key, stream): e.g. key = regency code, stream = 0 core / 1 identity.</summary>
    public Rng(ulong seed, ulong key, ulong stream)
    {
        ulong x = seed ^ (key * 0x9E3779B97F4A7C15UL) ^ (stream * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>SplitMix64 step, also used as a deterministic hash of region codes.</summary>
    public static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A deterministic hash of a value in [0, 1).</summary>
    public static double HashUnit(ulong value, ulong salt)
    {
        ulong x = value ^ (salt * 0xA24BAED4963EE407UL);
        return (SplitMix(ref x) >> 11) * (1.0 / (1UL << 53));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextULong()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for our n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int n) => (int)(((NextULong() >> 32) * (ulong)(uint)n) >> 32);

    /// <summary>Uniform integer in [lo, hi] inclusive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Between(int lo, int hi) => lo + Next(hi - lo + 1);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A standard normal deviate from a 64 Ki-entry quantile table (fast; tails cut near ±4.4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Gaussian() => Stats.NormalQuantiles[(int)(NextULong() >> 48)];
}

internal static class BitOperations
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
