using Regsosek.Schema;
using System.Globalization;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Core;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// Parquet extracts (zstd, the licence and attribution as key-value metadata). A Parquet writer holds every row
/// group's metadata until the footer, memory that grows with the file (docs/extracts.md), so DuckDB writes parts of
/// <see cref="ExtractOptions.ParquetRowGroupsPerPart"/> row groups each, and
/// <see cref="ParquetConcatenation"/> joins them into one file.
/// </summary>
internal sealed class ParquetReleaseWriter(DuckDBConnection connection, ExtractPlan plan, ExtractOptions options, string directory, string file)
    : ReleaseWriter(connection, plan, directory, file)
{
    /// <inheritdoc/>
    public override long Write(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct)
    {
        var parts = Path.Combine(Directory, "parts");
        var (rows, files) = CopyToParts(Connection, select, parameters, parts, CopyOptions(header: true), options.ParquetRowGroupsPerPart, ct);
        if (files.Count == 1)
            System.IO.File.Move(files[0], File);
        else
            JoinParts(files, rows, ct);
        System.IO.Directory.Delete(parts, recursive: true);
        return rows;
    }

    private string CopyOptions(bool header) =>
        $"FORMAT parquet, COMPRESSION zstd, WRITE_BLOOM_FILTER false, ROW_GROUP_SIZE {options.ParquetRowGroupSize.ToString(CultureInfo.InvariantCulture)}, " +
        $"KV_METADATA {{licence: {Literal(Licences.ForExtract(Plan.Tier))}, attribution: {Literal(Licences.Attribution)}}}";

    /// <summary>Joins the Parquet files with <see cref="ParquetConcatenation"/> and checks the row count.</summary>
    private void JoinParts(List<string> runs, long rows, CancellationToken ct)
    {
        long joined = ParquetConcatenation.Concatenate(runs, File, Path.Combine(Directory, "row-groups.scratch"), ct);
        if (joined != rows)
            throw new InvalidOperationException($"the joined Parquet file has {joined} rows, DuckDB wrote {rows}; the extract was not completed");
    }
}
