using Regsosek.Catalogue;
using Regsosek.Catalogue.Summaries;
using Regsosek.DataAccess;
using Regsosek.Engine.Summaries;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>
/// The committed 20,000-person sample (data-samples/sample-3-regencies: regencies 1101, 3273 and 9171) copied to
/// a temporary directory and prepared: its summaries built by <see cref="SummaryBuilder"/> and opened as the
/// service opens them. Two engines without result caches: one for summary plans, one for record scans.
/// </summary>
public sealed class SummaryFixture : IDisposable
{
    public SummaryFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "regsosek-engine-tests", "summaries-" + Guid.NewGuid().ToString("N"));
        CopyTree(Path.Combine(RepoRoot(), "data-samples", "sample-3-regencies"), Directory, skip: SummaryManifest.DirectoryName);
        Design = SummaryDesign.Load(Catalogue);
        Manifest = new SummaryBuilder(Design).BuildAsync(Directory, new DuckDbSettings { Threads = 1 }).GetAwaiter().GetResult();
        Summaries = SummaryManifest.Open(Directory, out var problem);
        if (problem is not null) throw new InvalidOperationException(problem);
        Partitions = DatasetPartitions.Scan(Directory);
        using var connection = DuckDbSettings.Open(null);
        Districts = ReadCodes(connection, "district_code");
        Villages = ReadCodes(connection, "village_code");
    }

    public IndicatorCatalogue Catalogue { get; } = IndicatorCatalogue.Load(DataDictionary.Default);
    public QueryPlanner Planner => new(Catalogue);
    public string Directory { get; }
    public SummaryDesign Design { get; }
    public SummaryManifest Manifest { get; }
    public PreparedSummaries Summaries { get; }
    public DatasetPartitions Partitions { get; }
    public AggregateEngine Engine { get; } = new(new AggregateEngineOptions { Threads = 1, ResultCacheCells = 0 });

    /// <summary>District codes that hold persons, ascending.</summary>
    public IReadOnlyList<long> Districts { get; }

    /// <summary>Village codes that hold persons, ascending.</summary>
    public IReadOnlyList<long> Villages { get; }

    public static readonly IReadOnlyList<long> Provinces = [11, 32, 91];
    public static readonly IReadOnlyList<long> Regencies = [1101, 3273, 9171];

    private IReadOnlyList<long> ReadCodes(DuckDB.NET.Data.DuckDBConnection connection, string column)
    {
        using var command = Commands.Create(connection,
            $"SELECT DISTINCT CAST({column} AS BIGINT) FROM {DatasetLayout.ReadExpression(TableKind.Individu, Directory)} ORDER BY 1");
        using var reader = command.ExecuteReader();
        var codes = new List<long>();
        while (reader.Read()) codes.Add(reader.GetInt64(0));
        return codes;
    }

    /// <summary>A filter on each of <paramref name="dimensions"/>: one to four of its codes (not-applicable included), at random.</summary>
    public static List<DimensionFilter> RandomFilters(IEnumerable<Dimension> dimensions, Random rng) =>
        dimensions.Select(d =>
        {
            var codes = d.Values.Select(v => v.Code).Append(Dimension.NotApplicableCode).ToArray();
            return new DimensionFilter(d.Id, codes.OrderBy(_ => rng.Next()).Take(rng.Next(1, Math.Min(4, codes.Length) + 1)).ToArray());
        }).ToList();

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Regsosek.DataService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("the repository root (Regsosek.DataService.sln) is not above the test binaries");
    }

    /// <summary>Copies a directory tree; <paramref name="skip"/> names a top-level folder left out.</summary>
    public static void CopyTree(string from, string to, string? skip = null)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (var dir in System.IO.Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            System.IO.Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (skip is not null && relative.StartsWith(skip + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            File.Copy(file, Path.Combine(to, relative));
        }
    }

    public void Dispose()
    {
        Engine.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
