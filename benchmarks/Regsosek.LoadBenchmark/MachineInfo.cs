using System.Runtime.InteropServices;
using DuckDB.NET.Native;
using Regsosek.Generator;
using Regsosek.Schema;

namespace Regsosek.LoadBenchmark;

/// <summary>The machine and dataset a run measured on, for the report.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Memory, string Os, string DotNet, string DuckDb,
    long Persons, long Families, long DatasetBytes, int DatasetFiles, string DatasetPath)
{
    /// <summary>Reads /proc, the runtime and the dataset's manifest.</summary>
    public static MachineInfo Collect(string dataset)
    {
        var manifest = DatasetManifest.Load(Path.Combine(dataset, DatasetLayout.ManifestFileName));
        return new MachineInfo(
            ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount,
            ProcField("/proc/meminfo", "MemTotal") is { } kb && long.TryParse(kb.Split(' ')[0], out var k)
                ? $"{k / 1048576.0:N1} GiB" : "unknown",
            $"{OsName()} (kernel {Environment.OSVersion.Version})",
            $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})",
            NativeMethods.Startup.DuckDBLibraryVersion(),
            manifest.Persons, manifest.Families, manifest.Files.Sum(f => f.Bytes), manifest.Files.Count, dataset);
    }

    /// <summary>The 1, 5 and 15-minute load averages (Linux), or "unknown".</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]}, {parts[1]}, {parts[2]}";
        }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    private static string OsName()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) return line["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException) { }
        return RuntimeInformation.OSDescription;
    }

    private static string? ProcField(string path, string name)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == name) return line[(colon + 1)..].Trim();
            }
        }
        catch (IOException) { }
        return null;
    }
}
