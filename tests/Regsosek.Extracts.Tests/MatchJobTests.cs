using Regsosek.Core;
using Regsosek.Extracts.Matching;
using Regsosek.Schema;

namespace Regsosek.Extracts.Tests;

/// <summary>A matching job's temp directory (its DuckDB database, sorted tables and spill files) is gone after a cancel.</summary>
public sealed class MatchJobTests(DatasetFixture data) : IClassFixture<DatasetFixture>, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "regsosek-matchjob-tests", Guid.NewGuid().ToString("N"));

    private MatchJob Start(int rows)
    {
        Directory.CreateDirectory(_root);
        var engine = new MatchingEngine(DatasetPartitions.Scan(data.Directory), new MatchingOptions { TempRoot = _root, Threads = 1 });
        var caller = Grants.Caller("g_match", Tier.Bnba, "3201");
        var job = engine.Start(caller, RegionCode.Parse("3201"), _ => true);
        for (int i = 0; i < rows; i++)
            job.Add(new MatchInputRow(i % 3 == 0 ? "3201" : $"32010{i % 10}01019{i % 10}{i % 1000:D4}", "", i.ToString()));
        return job;
    }

    private string[] Jobs() => Directory.Exists(_root) ? Directory.GetDirectories(_root, "regsosek-match-*") : [];

    [Fact]
    public void A_cancel_before_or_during_the_match_leaves_no_temp_directory()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var job = Start(3000);
        Assert.True(Directory.Exists(job.Directory));
        Assert.ThrowsAny<OperationCanceledException>(() => job.Match([3201], RegionLevel.Regency, cancelled.Token));
        job.Dispose();
        Assert.Empty(Jobs());
    }

    [Fact]
    public void A_cancel_while_results_are_read_stops_the_reading_and_leaves_no_temp_directory()
    {
        var job = Start(20_000);
        job.Match([320101, 320102, 320103], RegionLevel.District, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        long read = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var r in job.Results(cancel.Token))
            {
                Assert.Equal(read, r.Row); // the caller's order
                if (++read == 100) cancel.Cancel();
            }
        });
        Assert.InRange(read, 100, 19_999); // stopped before the end
        Assert.Contains(job.Steps, s => s.Step == "rows in order"); // the sorted tables were made on disk
        Assert.NotEmpty(Jobs());
        job.Dispose();
        Assert.Empty(Jobs());
    }

    [Fact]
    public void Results_come_in_the_callers_order_one_per_row()
    {
        using var job = Start(5000);
        var counts = job.Match([320101, 320102, 320103], RegionLevel.District, CancellationToken.None);
        var results = job.Results(CancellationToken.None).ToList();
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), results.Select(r => r.Row));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => i.ToString()), results.Select(r => r.Key));
        Assert.Equal(counts.Invalid, results.Count(r => r.Status == MatchRowStatus.Invalid));
        Assert.Equal(counts.Duplicate, results.Count(r => r.Status == MatchRowStatus.Duplicate));
        Assert.All(results.Where(r => r.Status == MatchRowStatus.Duplicate), r => Assert.True(r.DuplicateOf < r.Row));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) try { Directory.Delete(_root, true); } catch (IOException) { }
    }
}
