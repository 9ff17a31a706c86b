using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// Writes the released rows to the extract file in the plan's format: either in one go (<see cref="Write"/>), or as
/// sorted runs that follow each other in the file (<see cref="BeginRuns"/>, <see cref="AppendRun"/> for each run in
/// order, <see cref="EndRuns"/>). By default each run is written by DuckDB to a file of its own in the work
/// directory and the run files are joined in order (<see cref="JoinRuns"/>); a run file is deleted once joined.
/// One writer per extract, not thread-safe.
/// </summary>
internal abstract class ReleaseWriter : IDisposable
{
    private readonly List<string> _runs = [];
    private string? _runDirectory;

    /// <summary>A writer of <paramref name="file"/>, with <paramref name="directory"/> for its work files.</summary>
    protected ReleaseWriter(DuckDBConnection connection, ExtractPlan plan, string directory, string file)
    {
        Connection = connection;
        Plan = plan;
        Directory = directory;
        File = file;
    }

    /// <summary>The extract's database.</summary>
    protected DuckDBConnection Connection { get; }

    /// <summary>The plan being run.</summary>
    protected ExtractPlan Plan { get; }

    /// <summary>The extract's work directory.</summary>
    protected string Directory { get; }

    /// <summary>The extract file.</summary>
    protected string File { get; }

    /// <summary>The writer of <paramref name="plan"/>'s format.</summary>
    public static ReleaseWriter Create(DuckDBConnection connection, ExtractPlan plan, ExtractOptions options, string directory, string file) =>
        plan.Format switch
        {
            ExtractFormat.Csv => new CsvReleaseWriter(connection, plan, directory, file),
            ExtractFormat.ArrowStream => new ArrowReleaseWriter(connection, plan, directory, file),
            _ => new ParquetReleaseWriter(connection, plan, options, directory, file),
        };

    /// <summary>The file name extension of <paramref name="format"/>.</summary>
    public static string Extension(ExtractFormat format) => format switch
    {
        ExtractFormat.Csv => ".csv",
        ExtractFormat.ArrowStream => ".arrows",
        _ => ".parquet",
    };

    /// <summary>Writes the rows of <paramref name="select"/> as the whole file.</summary>
    /// <returns>Rows written.</returns>
    public abstract long Write(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct);

    /// <summary>Starts a file written as sorted runs.</summary>
    public virtual void BeginRuns()
    {
        _runDirectory = Path.Combine(Directory, "runs");
        System.IO.Directory.CreateDirectory(_runDirectory);
    }

    /// <summary>Writes the rows of <paramref name="select"/> as the next run.</summary>
    /// <returns>Rows of the run.</returns>
    public virtual long AppendRun(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct)
    {
        var run = Path.Combine(_runDirectory!, FileName(_runs.Count, Extension(Plan.Format)));
        long rows = Run(Connection, $"COPY ({select}) TO {Literal(run)} ({CopyOptions(header: _runs.Count == 0)})", parameters, ct);
        _runs.Add(run);
        return rows;
    }

    /// <summary>Completes the file from the runs, which hold <paramref name="rows"/> rows in all.</summary>
    public virtual void EndRuns(long rows, CancellationToken ct)
    {
        JoinRuns(_runs, rows, ct);
        System.IO.Directory.Delete(_runDirectory!, recursive: true);
    }

    /// <summary>The options of DuckDB's COPY for this format; <paramref name="header"/>: the file's first part.</summary>
    protected abstract string CopyOptions(bool header);

    /// <summary>Joins the run files, in order, into <see cref="File"/>, which must then hold <paramref name="rows"/> rows.</summary>
    protected abstract void JoinRuns(List<string> runs, long rows, CancellationToken ct);

    /// <summary>Releases what the writer holds open.</summary>
    public virtual void Dispose()
    {
    }
}
