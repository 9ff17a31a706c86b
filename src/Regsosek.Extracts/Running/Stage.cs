using Regsosek.Schema;
using System.Globalization;
using DuckDB.NET.Data;
using Regsosek.Extracts.KAnonymity;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts;

/// <summary>
/// The tier-3 stage: the plan's records with their position (<see cref="KAnonymitySql.Position"/>), written as
/// Parquet files in the dataset's partition order. The records of a regency are then one run of positions, which
/// lets the suppression flags be built a batch of regencies at a time; the pseudonym and flag files are aligned with
/// the stage by position. Files, not a table: DuckDB keeps bookkeeping for every row group and column segment of a
/// table in memory, outside its limit, which grew with the extract (~1.2 bytes a record); a Parquet scan holds the
/// metadata of one file at a time.
/// </summary>
internal static class Stage
{
    /// <summary>Writes the stage into <paramref name="directory"/> (insertion order must be preserved).</summary>
    /// <returns>Records staged, and the read_parquet expression of the stage in its stored order.</returns>
    public static (long Rows, string Source) Write(DuckDBConnection connection, ExtractPlan plan, string directory,
        ExtractOptions options, CancellationToken ct)
    {
        var (staged, files) = CopyToParts(connection,
            $"SELECT *, row_number() OVER () - 1 AS {KAnonymitySql.Position} FROM ({plan.SelectSql})", plan.Parameters,
            directory, ParquetOptions(options), options.ParquetRowGroupsPerPart, ct);
        return (staged, ReadParquet(files));
    }

    /// <summary>
    /// Parquet options of the stage: snappy (the stage is read √runs times, and snappy decodes faster than zstd),
    /// row groups of <see cref="ExtractOptions.ParquetRowGroupSize"/> rows like the extract's, which bounds the
    /// writer's and the readers' buffers.
    /// </summary>
    private static string ParquetOptions(ExtractOptions options) =>
        $"FORMAT parquet, COMPRESSION snappy, WRITE_BLOOM_FILTER false, ROW_GROUP_SIZE {options.ParquetRowGroupSize.ToString(CultureInfo.InvariantCulture)}";
}
