using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Regsosek.DuckDb.Native;

/// <summary>
/// Finds libduckdb for the "duckdb" imports of this assembly: next to the assembly, then at
/// $REGSOSEK_DUCKDB_LIB (a file or a directory), then in the repository's .deps/duckdb/
/// (walking up from the application's base directory).
/// </summary>
internal static class NativeLibraryResolver
{
    /// <summary>Environment variable that may point at libduckdb.so or at its directory.</summary>
    internal const string EnvironmentVariable = "REGSOSEK_DUCKDB_LIB";

#pragma warning disable CA2255 // the resolver must be in place before this library's first P/Invoke
    [ModuleInitializer]
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
#pragma warning restore CA2255

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.Library) return IntPtr.Zero;
        var candidates = CandidatePaths(assembly).ToList();
        foreach (var path in candidates)
        {
            if (File.Exists(path)) return NativeLibrary.Load(path);
        }
        throw new DllNotFoundException(
            $"{FileName} (DuckDB 1.5) was not found; run scripts/bootstrap to install it, " +
            $"or set {EnvironmentVariable} to its path. Looked in: {string.Join(", ", candidates)}, " +
            $"and for .deps/duckdb/ in {AppContext.BaseDirectory} and its parents.");
    }

    /// <summary>The platform's file name of the DuckDB shared library.</summary>
    internal static string FileName =>
        OperatingSystem.IsWindows() ? "duckdb.dll" : OperatingSystem.IsMacOS() ? "libduckdb.dylib" : "libduckdb.so";

    /// <summary>Where the library is looked for, in order.</summary>
    internal static IEnumerable<string> CandidatePaths(Assembly assembly)
    {
        var assemblyDir = string.IsNullOrEmpty(assembly.Location) ? null : Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir)) yield return Path.Combine(assemblyDir, FileName);
        var baseDir = AppContext.BaseDirectory;
        if (!string.Equals(Path.TrimEndingDirectorySeparator(baseDir), assemblyDir, StringComparison.Ordinal))
            yield return Path.Combine(baseDir, FileName);

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            yield return Directory.Exists(fromEnvironment) ? Path.Combine(fromEnvironment, FileName) : fromEnvironment;

        for (var dir = new DirectoryInfo(baseDir); dir != null; dir = dir.Parent)
        {
            var deps = Path.Combine(dir.FullName, ".deps", "duckdb", FileName);
            if (File.Exists(deps))
            {
                yield return deps;
                yield break;
            }
        }
    }
}
