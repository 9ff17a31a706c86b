using System.Diagnostics;
using System.Security.Cryptography;
using DuckDB.NET.Data;
using Regsosek.Catalogue;
using Regsosek.Catalogue.Summaries;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine.Summaries;

/// <summary>Where a summary build is: <paramref name="Done"/> of <paramref name="Total"/> files, the last one written.</summary>
public sealed record SummaryProgress(string Summary, int Province, int Done, int Total);

/// <summary>
/// Builds the summaries of a <see cref="SummaryDesign"/> beside a dataset (<c>regsosek dataset prepare</c>): one
/// Parquet file per summary and province. Each province's records are read once per unit: added up by village and
/// the union of the unit's summary dimensions into a temporary table, from which every summary is added up. Files go to <c>summaries.partial/</c> first and replace
/// <c>summaries/</c> only when every file and the manifest are written, so a failed or cancelled build leaves the
/// previous summaries (or none) in place and nothing half-written.
/// </summary>
public sealed class SummaryBuilder(SummaryDesign design)
{
    /// <summary>Rows per Parquet row group: small enough that a regency's rows prune the rest of its province's file.</summary>
    public const int RowGroupSize = 16_384;

    /// <summary>Builds every summary of the design for the dataset in <paramref name="datasetDirectory"/>.</summary>
    /// <param name="datasetDirectory">The dataset (with its manifest.json).</param>
    /// <param name="settings">DuckDB settings of the build (threads, memory limit, spill directory).</param>
    /// <param name="progress">Told after every file.</param>
    /// <param name="ct">Stops the build between files and interrupts the running query; nothing is left behind.</param>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<SummaryManifest> BuildAsync(string datasetDirectory, DuckDbSettings? settings = null,
        IProgress<SummaryProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetDirectory);
        var clock = Stopwatch.StartNew();
        var datasetHash = SummaryManifest.DatasetManifestHash(datasetDirectory);
        var partitions = DatasetPartitions.Scan(datasetDirectory);
        var final = Path.Combine(datasetDirectory, SummaryManifest.DirectoryName);
        var partial = final + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        try
        {
            int total = design.All.Sum(s => partitions.Provinces(s.Unit.Table()).Count), done = 0;
            var entries = new List<SummaryEntry>();
            using var database = DuckDbSettings.Open(null, settings);
            foreach (var unit in design.Specs.Select(s => s.Unit).Distinct())
            {
                var conditions = design.Conditions(unit);
                var specs = design.Specs.Where(s => s.Unit == unit).ToList();
                var files = specs.ToDictionary(s => s, _ => new List<SummaryFile>());
                foreach (var spec in specs) Directory.CreateDirectory(Path.Combine(partial, spec.Name));
                foreach (var province in partitions.Provinces(unit.Table()))
                {
                    ct.ThrowIfCancellationRequested();
                    // One pass over the province's records, then each summary added up from that table.
                    var (build, parameters) = SummarySql.Build(specs, conditions, design.Catalogue, partitions, province);
                    await RunAsync(database, $"CREATE OR REPLACE TEMP TABLE summary_build AS {build}", parameters, ct).ConfigureAwait(false);
                    foreach (var spec in specs)
                    {
                        var relative = spec.Name + "/" + PreparedSummary.FileName(province);
                        long rows = await CopyAsync(database, SummarySql.Rollup(spec, conditions.Count, "summary_build"), [], Path.Combine(partial, relative), ct).ConfigureAwait(false);
                        files[spec].Add(Describe(Path.Combine(partial, relative), relative, province, rows));
                        progress?.Report(new SummaryProgress(spec.Name, province, ++done, total));
                    }
                    database.Execute("DROP TABLE summary_build");
                }
                entries.AddRange(specs.Select(spec => Entry(spec, null, conditions, files[spec])));
            }
            foreach (var spec in design.Distributions)
            {
                // A distribution: one pass over each province's records, counting values by regency and keys.
                var (values, condition) = SummarySql.NumericValues(spec.Numeric!, TrueCondition.Instance, design.Catalogue);
                Directory.CreateDirectory(Path.Combine(partial, spec.Name));
                var files = new List<SummaryFile>();
                foreach (var province in partitions.Provinces(spec.Unit.Table()))
                {
                    ct.ThrowIfCancellationRequested();
                    var (build, parameters) = SummarySql.BuildDistribution(spec, design.Catalogue, partitions, province);
                    var relative = spec.Name + "/" + PreparedSummary.FileName(province);
                    long rows = await CopyAsync(database, build, parameters, Path.Combine(partial, relative), ct).ConfigureAwait(false);
                    files.Add(Describe(Path.Combine(partial, relative), relative, province, rows));
                    progress?.Report(new SummaryProgress(spec.Name, province, ++done, total));
                }
                entries.Add(Entry(spec, values, [condition], files));
            }
            var manifest = new SummaryManifest
            {
                DatasetManifestSha256 = datasetHash,
                DatasetVersion = DatasetVersionOf(datasetDirectory),
                BuiltAt = DateTimeOffset.UtcNow,
                BuildSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                Summaries = entries,
            };
            manifest.Save(Path.Combine(partial, SummaryManifest.FileName));
            Replace(final, partial);
            return manifest;
        }
        catch
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            throw;
        }
    }

    /// <summary>The manifest entry of a built summary: the SQL it was built from (universe, dimension keys, values,
    /// conditions) and its files.</summary>
    private SummaryEntry Entry(SummarySpec spec, string? values, IReadOnlyList<string> conditions, IReadOnlyList<SummaryFile> files) => new()
    {
        Name = spec.Name,
        Unit = spec.Unit.Name(),
        Universe = SummarySql.Universe(spec.Unit, design.Catalogue),
        Dimensions = spec.Dimensions.Select(d => new SummaryDimension(d.Id, SummarySql.DimensionKey(d, design.Catalogue))).ToList(),
        Values = values,
        Conditions = conditions,
        Files = files,
    };

    private static Task<long> RunAsync(DuckDBConnection database, string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct) =>
        Task.Run(() => database.Execute(sql, parameters, ct), ct);

    /// <summary>Writes <paramref name="select"/>'s rows to <paramref name="path"/>; returns how many (COPY's row count).</summary>
    private static Task<long> CopyAsync(DuckDBConnection database, string select, IReadOnlyList<QueryParameter> parameters, string path, CancellationToken ct) =>
        RunAsync(database, $"COPY ({select}) TO '{path.Replace("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {RowGroupSize})", parameters, ct);

    private static SummaryFile Describe(string path, string relative, int province, long rows)
    {
        using var stream = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new SummaryFile(relative, province, rows, stream.Length, sha);
    }

    private static void Replace(string final, string partial)
    {
        var old = final + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(partial, final);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    private static string DatasetVersionOf(string datasetDirectory)
    {
        var m = DatasetManifest.Load(Path.Combine(datasetDirectory, DatasetLayout.ManifestFileName));
        return $"generator {m.GeneratorVersion} schema {m.SchemaVersion} seed {m.Seed} persons {m.Persons}";
    }
}
