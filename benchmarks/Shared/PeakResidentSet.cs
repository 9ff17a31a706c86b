namespace Regsosek.Benchmarking;

/// <summary>
/// The process's peak resident set on Linux (VmHWM of /proc/self/status), resettable so that a phase of a benchmark
/// can be measured apart from what ran before it. Shared by the console benchmarks (linked into each project).
/// </summary>
internal static class PeakResidentSet
{
    /// <summary>
    /// The peak resident set in bytes, or null off Linux; with <paramref name="reset"/>, first resets the peak to the
    /// current resident set (writing 5 to /proc/self/clear_refs).
    /// </summary>
    public static long? Read(bool reset = false)
    {
        try
        {
            if (reset) File.WriteAllText("/proc/self/clear_refs", "5");
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
