using System.Globalization;
using System.Text;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>One hand-built record: column values; unspecified columns are NULL except the ids,
/// region codes, urban_rural, record_key, desil and (for persons) r404 = 1, filled in by <see cref="TestDataset"/>.</summary>
public sealed class Row : Dictionary<string, object?>
{
    public Row() : base(StringComparer.Ordinal) { }

    public static Row Of(params (string Column, object? Value)[] values)
    {
        var row = new Row();
        foreach (var (c, v) in values) row[c] = v;
        return row;
    }

    public Row With(params (string Column, object? Value)[] values)
    {
        var row = new Row();
        foreach (var (k, v) in this) row[k] = v;
        foreach (var (c, v) in values) row[c] = v;
        return row;
    }
}

/// <summary>
/// A small hive-partitioned dataset in a temp directory, written by DuckDB from rows chosen by a
/// test, with every column of the data dictionary (so the files look like the generator's).
/// </summary>
public sealed class TestDataset : IDisposable
{
    private static readonly DataDictionary Dictionary = DataDictionary.Default;
    private long _nextId = 1;

    public TestDataset()
    {
        Directory = Path.Combine(Path.GetTempPath(), "regsosek-engine-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Writes <paramref name="rows"/> as one partition's file (village defaults to regency + "0010001": district 01, desa 001).</summary>
    /// <returns>The rows as written, with the filled-in columns (record_key, ids, region codes).</returns>
    public IReadOnlyList<Row> Write(TableKind table, int regency, IReadOnlyList<Row> rows)
    {
        var written = new List<Row>(rows.Count);
        int prov = regency / 100;
        using var connection = DuckDbSettings.Open(null);
        connection.Execute(Dictionary.CreateTableSql(table, "t"));
        var columns = Dictionary.Columns(table);
        if (rows.Count > 0)
        {
            var sql = new StringBuilder("INSERT INTO t VALUES ");
            for (int r = 0; r < rows.Count; r++)
            {
                var row = Complete(table, regency, rows[r]);
                written.Add(row);
                sql.Append(r == 0 ? "(" : ", (");
                for (int c = 0; c < columns.Count; c++)
                {
                    if (c > 0) sql.Append(", ");
                    sql.Append(Literal(row.TryGetValue(columns[c].Column, out var v) ? v : null));
                }
                sql.Append(')');
            }
            connection.Execute(sql.ToString());
        }
        var path = Path.Combine(Directory, DatasetLayout.PartitionPath(table, prov, regency));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        connection.Execute($"COPY (SELECT * EXCLUDE (prov_code, regency_code) FROM t) TO '{path.Replace("'", "''")}' (FORMAT parquet)");
        return written;
    }

    /// <summary>The file of one partition.</summary>
    public string PartitionFile(TableKind table, int regency) =>
        Path.Combine(Directory, DatasetLayout.PartitionPath(table, regency / 100, regency));

    private Row Complete(TableKind table, int regency, Row given)
    {
        var row = new Row();
        long id = _nextId++;
        long village = given.TryGetValue("village_code", out var v) && v is not null ? Convert.ToInt64(v) : regency * 1_000_000L + 12001;
        row["prov_code"] = regency / 100;
        row["regency_code"] = regency;
        row["district_code"] = (int)(village / 10_000);
        row["village_code"] = village;
        row["urban_rural"] = (village / 1000) % 10 == 1 ? 1 : 2;
        row["family_id"] = regency * 10_000_000_000L + id;
        row["record_key"] = (int)((id * 2654435761L) % 4096);
        row["desil"] = 5;
        row["percentile"] = 45;
        if (table == TableKind.Individu)
        {
            row["person_id"] = (regency * 10_000_000_000L + id) * 100 + 1;
            row["r404"] = 1;
        }
        foreach (var (k, value) in given) row[k] = value;
        return row;
    }

    private static string Literal(object? value) => value switch
    {
        null => "NULL",
        string s => "'" + s.Replace("'", "''") + "'",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"unsupported test value {value}"),
    };

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
