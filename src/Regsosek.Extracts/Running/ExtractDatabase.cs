using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.Extracts;

/// <summary>
/// The per-extract DuckDB database: in memory, spilling into the extract's temp directory beyond its memory limit —
/// its work tables too (DuckDB offloads an in-memory database's blocks to the temp directory), so memory stays
/// bounded as with a database file, without writing the tables to one (a database file cost a province's tier-3
/// extract about 0.1–0.2 s of CPU more, measured 2026-12-07).
/// </summary>
internal static class ExtractDatabase
{
    /// <summary>Opens the database of one extract, spilling into <paramref name="directory"/>, under <paramref name="options"/>' limits.</summary>
    public static DuckDBConnection Open(string directory, ExtractOptions options)
    {
        var spill = Path.Combine(directory, "spill");
        Directory.CreateDirectory(spill);
        return DuckDbSettings.Open(null, Settings(options, spill));
    }

    /// <summary>The extract database's settings: memory limit, threads, spill directory and allocator behaviour.</summary>
    private static DuckDbSettings Settings(ExtractOptions options, string spill)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["allocator_background_threads"] = options.AllocatorBackgroundThreads ? "true" : "false",
            ["enable_external_file_cache"] = options.ExternalFileCache ? "true" : "false",
        };
        if (options.AllocatorFlushThreshold is { } flush)
        {
            settings["allocator_flush_threshold"] = flush;
            settings["allocator_bulk_deallocation_flush_threshold"] = flush;
        }
        return new DuckDbSettings
        {
            Threads = options.Threads,
            MemoryLimit = options.MemoryLimit,
            TempDirectory = spill,
            Settings = settings,
        };
    }
}
