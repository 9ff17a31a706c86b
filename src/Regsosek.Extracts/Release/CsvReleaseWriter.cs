using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// CSV extracts: DuckDB writes the file in one COPY; sorted runs are CSV files (the header in the first only)
/// appended to each other byte for byte.
/// </summary>
internal sealed class CsvReleaseWriter(DuckDBConnection connection, ExtractPlan plan, string directory, string file)
    : ReleaseWriter(connection, plan, directory, file)
{
    /// <inheritdoc/>
    public override long Write(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct) =>
        Run(Connection, $"COPY ({select}) TO {Literal(File)} ({CopyOptions(header: true)})", parameters, ct);

    /// <inheritdoc/>
    protected override string CopyOptions(bool header) => $"FORMAT csv, HEADER {(header ? "true" : "false")}, DELIMITER ','";

    /// <summary>Appends the runs to the file byte for byte, deleting each once copied.</summary>
    protected override void JoinRuns(List<string> runs, long rows, CancellationToken ct)
    {
        using var target = new FileStream(File, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        foreach (var run in runs)
        {
            ct.ThrowIfCancellationRequested();
            using (var source = new FileStream(run, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                source.CopyTo(target, 1 << 20);
            System.IO.File.Delete(run);
        }
    }
}
