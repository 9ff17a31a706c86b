using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using DuckDB.NET.Data;
using Npgsql;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.LoadBenchmark;

/// <summary>
/// Loads a dataset's two tables (individu, keluarga) into PostgreSQL for the PostgreSQL baseline, as a data team
/// would: one ordinary table per unit with the Parquet files' columns (partition columns included) and PostgreSQL
/// types, filled with COPY (DuckDB writes each province as CSV, Npgsql streams it in), then B-tree indexes on the
/// region codes every question filters or groups by, and VACUUM ANALYZE. A table
/// <c>regsosek_bench_dataset</c> records the SHA-256 of the dataset's manifest.json, so the benchmark refuses a
/// database loaded from another dataset.
/// </summary>
public static class PostgresLoader
{
    /// <summary>The table recording which dataset was loaded.</summary>
    public const string MarkerTable = "regsosek_bench_dataset";

    /// <summary>Indexes per table: the partition columns, then each finer region code.</summary>
    private static readonly string[][] IndexedColumns =
    [
        ["prov_code", "regency_code"],
        ["district_code"],
        ["village_code"],
    ];

    /// <summary>The SHA-256 (hex) of the dataset's manifest.json: what a loaded database must match.</summary>
    public static string ManifestHash(string dataset) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dataset, DatasetLayout.ManifestFileName))));

    /// <summary>Loads <paramref name="dataset"/> into the database of <paramref name="connectionString"/>, replacing its two tables.</summary>
    public static async Task LoadAsync(string dataset, string connectionString, string scratch, TextWriter log, CancellationToken ct)
    {
        dataset = Path.GetFullPath(dataset);
        var manifest = DatasetManifest.Load(Path.Combine(dataset, DatasetLayout.ManifestFileName));
        Directory.CreateDirectory(scratch);
        using var duck = DuckDbSettings.Open(null, new DuckDbSettings { PreserveInsertionOrder = false });
        await using var pg = new NpgsqlConnection(connectionString);
        await pg.OpenAsync(ct);
        await ExecuteAsync(pg, $"DROP TABLE IF EXISTS {MarkerTable}", ct);
        var provinces = manifest.Files
            .Select(f => f.Path.Split('/')).Where(p => p.Length > 1 && p[1].StartsWith("prov_code=", StringComparison.Ordinal))
            .Select(p => int.Parse(p[1]["prov_code=".Length..], CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        foreach (var table in new[] { TableKind.Keluarga, TableKind.Individu })
        {
            var name = TableNames.Of(table);
            var clock = Stopwatch.StartNew();
            var columns = Describe(duck, DatasetLayout.ReadExpression(table, dataset));
            await ExecuteAsync(pg, $"DROP TABLE IF EXISTS {name}", ct);
            await ExecuteAsync(pg, $"CREATE TABLE {name} ({string.Join(", ", columns.Select(c => $"{c.Name} {c.PgType}"))})", ct);
            long rows = 0;
            foreach (var prov in provinces)
            {
                var csv = Path.Combine(scratch, $"{name}-{prov}.csv");
                var glob = DatasetLayout.PartitionGlob(dataset, table, prov, null).Replace("'", "''");
                rows += duck.Execute($"COPY (SELECT {string.Join(", ", columns.Select(c => c.Name))} FROM read_parquet('{glob}', {DatasetLayout.HiveOptions})) " +
                             $"TO '{csv.Replace("'", "''")}' (FORMAT csv, HEADER false)", ct);
                await using (var writer = await pg.BeginTextImportAsync($"COPY {name} FROM STDIN (FORMAT csv)", ct))
                using (var reader = new StreamReader(csv))
                {
                    var buffer = new char[1 << 16];
                    int n;
                    while ((n = await reader.ReadAsync(buffer, ct)) > 0) await writer.WriteAsync(buffer.AsMemory(0, n), ct);
                }
                File.Delete(csv);
                log.WriteLine($"  {name}: province {prov} loaded, {rows:N0} rows so far ({clock.Elapsed.TotalSeconds:N0} s)");
            }
            rows = await ScalarAsync(pg, $"SELECT count(*) FROM {name}", ct);
            long expected = table == TableKind.Keluarga ? manifest.Families : manifest.Persons;
            if (rows != expected)
                throw new BenchmarkFailureException($"{name}: {rows:N0} rows loaded into PostgreSQL, the manifest lists {expected:N0}");
            foreach (var index in IndexedColumns.Where(cols => cols.All(c => columns.Any(x => x.Name == c))))
            {
                await ExecuteAsync(pg, $"CREATE INDEX {name}_{string.Join("_", index)} ON {name} ({string.Join(", ", index)})", ct);
                log.WriteLine($"  {name}: index on ({string.Join(", ", index)}) ({clock.Elapsed.TotalSeconds:N0} s)");
            }
            await ExecuteAsync(pg, $"VACUUM ANALYZE {name}", ct);
            log.WriteLine($"  {name}: {rows:N0} rows, {columns.Count} columns, indexed and analysed in {clock.Elapsed.TotalSeconds:N0} s");
        }
        await ExecuteAsync(pg, $"CREATE TABLE {MarkerTable} (manifest_sha256 text NOT NULL, persons bigint NOT NULL, families bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())", ct);
        await using (var insert = new NpgsqlCommand($"INSERT INTO {MarkerTable} (manifest_sha256, persons, families) VALUES ($1, $2, $3)", pg))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = ManifestHash(dataset) });
            insert.Parameters.Add(new NpgsqlParameter { Value = manifest.Persons });
            insert.Parameters.Add(new NpgsqlParameter { Value = manifest.Families });
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Throws unless the database holds <paramref name="dataset"/> (its manifest's SHA-256, recorded by the loader).</summary>
    public static async Task EnsureLoadedAsync(NpgsqlConnection pg, string dataset, CancellationToken ct)
    {
        string? loaded;
        try
        {
            await using var cmd = new NpgsqlCommand($"SELECT manifest_sha256 FROM {MarkerTable}", pg);
            loaded = await cmd.ExecuteScalarAsync(ct) as string;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            loaded = null;
        }
        if (loaded != ManifestHash(dataset))
            throw new ArgumentException($"the PostgreSQL database does not hold {dataset} " +
                $"({(loaded is null ? "nothing loaded" : "another dataset loaded")}): run 'benchmarks/postgres-baseline load {dataset}' first");
    }

    private sealed record Column(string Name, string PgType);

    private static List<Column> Describe(DuckDBConnection duck, string readExpression)
    {
        using var cmd = duck.CreateCommand();
        cmd.CommandText = $"DESCRIBE SELECT * FROM {readExpression}";
        using var reader = cmd.ExecuteReader();
        var columns = new List<Column>();
        while (reader.Read()) columns.Add(new Column(reader.GetString(0), PgType(reader.GetString(1))));
        return columns;
    }

    /// <summary>The PostgreSQL type holding every value of a DuckDB type (unsigned types widen).</summary>
    private static string PgType(string duckType) => duckType.ToUpperInvariant() switch
    {
        "BOOLEAN" => "boolean",
        "TINYINT" or "SMALLINT" or "UTINYINT" => "smallint",
        "INTEGER" or "USMALLINT" => "integer",
        "BIGINT" or "UINTEGER" => "bigint",
        "UBIGINT" or "HUGEINT" => "numeric",
        "FLOAT" => "real",
        "DOUBLE" => "double precision",
        "DATE" => "date",
        "TIMESTAMP" => "timestamp",
        var t when t.StartsWith("DECIMAL", StringComparison.Ordinal) => "numeric" + t["DECIMAL".Length..],
        _ => "text",
    };

    private static async Task ExecuteAsync(NpgsqlConnection pg, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, pg) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection pg, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, pg) { CommandTimeout = 0 };
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
