using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.Extracts;

/// <summary>The per-extract DuckDB database: a file in the extract's temp directory, spilling beside it.</summary>
internal static class ExtractDatabase
{
    /// <summary>Opens the database of one extract in <paramref name="directory"/> under <paramref name="options"/>' limits.</summary>
    public static DuckDBConnection Open(string directory, ExtractOptions options)
    {
        var spill = Path.Combine(directory, "spill");
        Directory.CreateDirectory(spill);
        return DuckDbSettings.Open(Path.Combine(directory, "work.duckdb"), Settings(options, spill));
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
