using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// CSV extracts: DuckDB writes the file in one COPY.
/// </summary>
internal sealed class CsvReleaseWriter(DuckDBConnection connection, ExtractPlan plan, string directory, string file)
    : ReleaseWriter(connection, plan, directory, file)
{
    /// <inheritdoc/>
    public override long Write(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct) =>
        Run(Connection, $"COPY ({select}) TO {Literal(File)} ({CopyOptions(header: true)})", parameters, ct);

    private string CopyOptions(bool header) => $"FORMAT csv, HEADER {(header ? "true" : "false")}, DELIMITER ','";
}
