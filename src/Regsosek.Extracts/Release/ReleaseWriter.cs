using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// Writes the released rows to the extract file in the plan's format, in one go (<see cref="Write"/>). One writer per
/// extract, not thread-safe.
/// </summary>
internal abstract class ReleaseWriter : IDisposable
{
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

    /// <summary>Releases what the writer holds open.</summary>
    public virtual void Dispose()
    {
    }
}
