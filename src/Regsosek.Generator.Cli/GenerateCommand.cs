using Regsosek.Generator;
using Spectre.Console;

namespace Regsosek.Generator.Cli;

/// <summary>Runs the synthetic dataset generator with a progress bar on the console.</summary>
public static class GenerateCommand
{
    public static async Task<GenerationResult> RunAsync(GeneratorOptions options, CancellationToken ct)
    {
        var console = AnsiConsole.Console;
        console.MarkupLine($"Generating [bold]{options.Persons:N0}[/] persons (seed {options.Seed}) into [blue]{Markup.Escape(options.OutputDirectory)}[/]");
        GenerationResult? result = null;
        var generator = new DatasetGenerator();
        if (!console.Profile.Capabilities.Interactive)
        {
            // Plain lines when the output is not a terminal (CI logs): one line per 10 % per stage.
            var reporter = new LineProgress();
            result = await generator.RunAsync(options, reporter, ct);
        }
        else
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    var progress = new Progress<GenerationProgress>(p =>
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                        {
                            foreach (var t in tasks.Values) t.Value = t.MaxValue;
                            task = tasks[p.Stage] = ctx.AddTask(p.Stage, maxValue: Math.Max(1, p.PersonsTotal));
                        }
                        task.Value = p.PersonsDone;
                    });
                    result = await generator.RunAsync(options, progress, ct);
                    foreach (var t in tasks.Values) t.Value = t.MaxValue;
                });
        }
        var r = result!;
        console.MarkupLine($"Wrote {r.Families:N0} families and {r.Persons:N0} persons, {r.BytesOnDisk / 1048576.0:N1} MiB, in {r.Elapsed.TotalSeconds:N1} s");
        console.MarkupLine($"Manifest: [blue]{Markup.Escape(r.ManifestPath)}[/]");
        return r;
    }

    private sealed class LineProgress : IProgress<GenerationProgress>
    {
        private string? _stage;
        private int _decile = -1;

        public void Report(GenerationProgress p)
        {
            lock (this)
            {
                if (p.Stage != _stage) { _stage = p.Stage; _decile = -1; }
                int decile = p.PersonsTotal <= 0 ? 10 : (int)(10 * p.PersonsDone / p.PersonsTotal);
                if (decile == _decile) return;
                _decile = decile;
                Console.Error.WriteLine($"{p.Stage}: {decile * 10} % ({p.PersonsDone:N0} of {p.PersonsTotal:N0})");
            }
        }
    }
}
