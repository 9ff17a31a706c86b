using Regsosek.Schema;
using System.Globalization;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.Extracts;

/// <summary>
/// What the parts of an extract run share: running a statement on the extract's DuckDB database, reading a few
/// counts back, quoting, naming work files and writing a query as Parquet parts.
/// </summary>
internal static class WorkSql
{
    /// <summary>Parquet options of the narrow work files (pseudonyms, flags): a few columns, DuckDB's row groups.</summary>
    public const string NarrowOptions = "FORMAT parquet, COMPRESSION snappy, WRITE_BLOOM_FILTER false";

    /// <summary>Runs <paramref name="sql"/> (interruptible by <paramref name="ct"/>).</summary>
    /// <returns>Rows changed or written.</returns>
    public static long Run(DuckDBConnection connection, string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct) =>
        connection.Execute(sql, parameters, ct);

    /// <summary>The first two BIGINT values of the first row of <paramref name="sql"/>, k bound as $1.</summary>
    public static (long, long) Pair(DuckDBConnection connection, string sql, QueryParameter k, CancellationToken ct)
    {
        var v = Counts(connection, sql, 2, ct, k);
        return (v[0], v[1]);
    }

    /// <summary>The first <paramref name="columns"/> BIGINT values of the first row of <paramref name="sql"/> (NULL as 0).</summary>
    public static long[] Counts(DuckDBConnection connection, string sql, int columns, CancellationToken ct, QueryParameter? k = null)
    {
        using var result = ChunkStream.Open(connection, sql, k is null ? null : [k], ct);
        var values = new long[columns];
        while (result.Next())
        {
            if (result.RowCount == 0) continue;
            for (int c = 0; c < columns; c++)
                values[c] = result.IsValid(c, 0) ? result.Column<long>(c)[0] : 0;
        }
        return values;
    }

    /// <summary>DuckDB's preserve_insertion_order for the statements that follow.</summary>
    public static void SetPreserveOrder(DuckDBConnection connection, bool preserve, CancellationToken ct) =>
        connection.Execute($"SET preserve_insertion_order = {(preserve ? "true" : "false")}", ct);

    /// <summary>A SQL string literal.</summary>
    public static string Literal(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>read_parquet over <paramref name="files"/>, in their order.</summary>
    public static string ReadParquet(IReadOnlyList<string> files) => $"read_parquet([{string.Join(", ", files.Select(Literal))}])";

    /// <summary>A work file's name: its index, six digits, so names sort in index order.</summary>
    public static string FileName(int index, string extension) =>
        index.ToString("D6", CultureInfo.InvariantCulture) + extension;

    /// <summary>⌈<paramref name="value"/> / <paramref name="divisor"/>⌉.</summary>
    public static long CeilingDivide(long value, long divisor) => value / divisor + (value % divisor > 0 ? 1 : 0);

    /// <summary>
    /// Has DuckDB write <paramref name="select"/> as Parquet files of at most <paramref name="rowGroupsPerFile"/> row
    /// groups each into the new directory <paramref name="directory"/> (one COPY, ROW_GROUPS_PER_FILE), so no writer
    /// holds more than one file's footer. With no rows, one file with the schema and no rows.
    /// </summary>
    /// <returns>Rows written, and the files in the order of the rows.</returns>
    public static (long Rows, List<string> Files) CopyToParts(DuckDBConnection connection, string select, IReadOnlyList<QueryParameter> parameters,
        string directory, string options, int rowGroupsPerFile, CancellationToken ct)
    {
        long rows = Run(connection, $"COPY ({select}) TO {Literal(directory)} ({options}, " +
                                    $"ROW_GROUPS_PER_FILE {rowGroupsPerFile.ToString(CultureInfo.InvariantCulture)})", parameters, ct);
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.parquet").OrderBy(PartIndex).ToList()
            : [];
        if (files.Count == 0)
        {
            Directory.CreateDirectory(directory);
            var empty = Path.Combine(directory, "data_0.parquet");
            Run(connection, $"COPY ({select}) TO {Literal(empty)} ({options})", parameters, ct);
            files.Add(empty);
        }
        return (rows, files);
    }

    /// <summary>The index i of DuckDB's part file "data_i.parquet" (parts are joined in this order).</summary>
    private static long PartIndex(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        int underscore = name.LastIndexOf('_');
        return underscore >= 0 && long.TryParse(name.AsSpan(underscore + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long index)
            ? index
            : throw new InvalidOperationException($"unexpected Parquet part file name {name}");
    }
}
