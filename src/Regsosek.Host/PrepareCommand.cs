using Regsosek.Catalogue;
using Regsosek.Catalogue.Summaries;
using Regsosek.DataAccess;
using Regsosek.Engine.Summaries;
using Regsosek.Schema;
using Spectre.Console;

namespace Regsosek.Host;

/// <summary>`regsosek dataset prepare`: builds the summary tables (schema/summaries.yaml) beside a dataset, one line per file.</summary>
public static class PrepareCommand
{
    /// <summary>Builds the summaries of the dataset in <paramref name="datasetDirectory"/> and prints what it wrote.</summary>
    public static async Task<SummaryManifest> RunAsync(string datasetDirectory, int? threads, string? memoryLimit, CancellationToken ct)
    {
        var console = AnsiConsole.Console;
        var design = SummaryDesign.Load(IndicatorCatalogue.Load(DataDictionary.Default));
        console.MarkupLine($"Preparing {design.Specs.Count} summary tables and {design.Distributions.Count} distributions for [blue]{Markup.Escape(datasetDirectory)}[/]");
        var progress = new SynchronousProgress<SummaryProgress>(p => console.MarkupLine(
            $"  [grey]{p.Done,4}/{p.Total}[/] {Markup.Escape(p.Summary)} province {p.Province}"));
        var spill = Path.Combine(datasetDirectory, ".prepare-tmp");
        SummaryManifest manifest;
        try
        {
            manifest = await new SummaryBuilder(design).BuildAsync(datasetDirectory,
                new DuckDbSettings { Threads = threads, MemoryLimit = memoryLimit, TempDirectory = spill }, progress, ct);
        }
        finally
        {
            if (Directory.Exists(spill)) Directory.Delete(spill, recursive: true);
        }
        long bytes = manifest.Summaries.SelectMany(s => s.Files).Sum(f => f.Bytes);
        console.MarkupLine($"Wrote {manifest.FileCount} files, {manifest.Summaries.Sum(s => s.Rows):N0} rows, {bytes / 1048576.0:N1} MiB, in {manifest.BuildSeconds:N1} s");
        foreach (var s in manifest.Summaries)
            console.MarkupLine($"  {Markup.Escape(s.Name),-34} {s.Rows,12:N0} rows {s.Files.Sum(f => f.Bytes) / 1048576.0,9:N1} MiB");
        return manifest;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
