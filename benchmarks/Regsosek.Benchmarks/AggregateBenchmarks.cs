using BenchmarkDotNet.Attributes;
using Regsosek.Catalogue;
using Regsosek.Core;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Engine;
using Regsosek.Schema;

namespace Regsosek.Benchmarks;

/// <summary>
/// The aggregate engine against DuckDB used directly, for a typical Sepakat request: JKN coverage
/// and population of one province by regency and sex (a cube: every margin included). The engine
/// side is what the service pays: planning from the catalogue, a pooled connection, the cached
/// prepared statement, binding, streaming and reading every cell into an ExactTable. The direct
/// side runs the very same SQL and parameters on a plain connection (statement prepared once) and
/// reads the result minimally (one column's sum over spans). Both use the same DuckDB settings.
/// The dataset: REGSOSEK_BENCH_DATASET (a generated dataset), else data-samples/ if it holds one,
/// else (or with REGSOSEK_BENCH_DATASET=synthetic) a synthetic individu table of REGSOSEK_BENCH_PERSONS persons (default 2,000,000) over the
/// 27 regencies of province 32, written to a temp directory in the global setup.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AggregateBenchmarks
{
    private const int Threads = 2;
    private string _dataset = null!;
    private string? _syntheticDir;
    private QueryPlanner _planner = null!;
    private AggregateEngine _engine = null!;
    private AggregateRequest _request = null!;
    private RegionCode _region;
    private DuckDBConnection _connection = null!;
    private PreparedQuery _statement = null!;
    private QueryPlan _plan = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dataset = FindDataset() ?? (_syntheticDir = WriteSyntheticDataset());
        _planner = new QueryPlanner(IndicatorCatalogue.Load(DataDictionary.Default));
        _engine = new AggregateEngine(new AggregateEngineOptions { Threads = Threads, MaxConcurrentQueries = 2 });
        _region = RegionCode.Parse(Environment.GetEnvironmentVariable("REGSOSEK_BENCH_PROVINCE") ?? LargestProvince(_dataset));
        _request = new AggregateRequest(["jkn_coverage", "population"], _region, RegionLevel.Regency, ["sex"], []);

        _plan = _planner.PlanAggregate(_request, _region, _dataset);
        _connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = Threads, PreserveInsertionOrder = false });
        _statement = PreparedQuery.Prepare(_connection, _plan.Sql);
        BindAll();
        var cells = Engine().GetAwaiter().GetResult();
        Console.WriteLine($"// dataset {_dataset}: {cells} cells, population {Direct()}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _statement.Dispose();
        _connection.Dispose();
        _engine.Dispose();
        if (_syntheticDir is not null) Directory.Delete(_syntheticDir, recursive: true);
    }

    /// <summary>The same SQL on DuckDB directly, read minimally: the sum of the population counts' column.</summary>
    [Benchmark(Baseline = true, Description = "DuckDB directly, same SQL")]
    public long Direct()
    {
        long sum = 0;
        using var result = _statement.Execute();
        int column = result.ColumnCount - 2; // population count
        while (result.Next())
            foreach (var v in result.Column<long>(column)) sum += v;
        return sum;
    }

    /// <summary>The same SQL on DuckDB directly, binding the parameters afresh for each query as any caller must.</summary>
    [Benchmark(Description = "DuckDB directly, same SQL, rebound")]
    public long DirectRebound()
    {
        BindAll();
        return Direct();
    }

    /// <summary>The same SQL through DuckDB.NET's ADO.NET command, which prepares and binds on every execution.</summary>
    [Benchmark(Description = "DuckDB.NET ADO.NET command, same SQL")]
    public long DirectAdoNet()
    {
        long sum = 0;
        using var command = Commands.Create(_connection, _plan.Sql, _plan.Parameters);
        using var reader = command.ExecuteReader();
        int column = reader.FieldCount - 2; // population count
        while (reader.Read()) sum += reader.GetInt64(column);
        return sum;
    }

    private void BindAll() => _statement.Bind(_plan.Parameters);

    /// <summary>Plan + engine: the service's path from request to exact table.</summary>
    [Benchmark(Description = "planner + AggregateEngine")]
    public async Task<int> Engine()
    {
        var plan = _planner.PlanAggregate(_request, _region, _dataset);
        var table = await _engine.ExecuteAsync(plan, CancellationToken.None);
        return table.Rows.Count;
    }

    /// <summary>The province of the dataset with the most regency partitions.</summary>
    private static string LargestProvince(string dataset) =>
        Directory.EnumerateDirectories(Path.Combine(dataset, TableNames.Individu), "prov_code=*")
            .OrderByDescending(d => Directory.EnumerateDirectories(d, "regency_code=*").Count())
            .Select(d => Path.GetFileName(d)["prov_code=".Length..])
            .First();

    private static string? FindDataset()
    {
        var env = Environment.GetEnvironmentVariable("REGSOSEK_BENCH_DATASET");
        if (env == "synthetic") return null;
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var samples = Path.Combine(dir.FullName, "data-samples");
            if (Directory.Exists(samples))
            {
                var manifest = Directory.EnumerateFiles(samples, DatasetLayout.ManifestFileName, SearchOption.AllDirectories).FirstOrDefault();
                return manifest is null ? null : Path.GetDirectoryName(manifest);
            }
        }
        return null;
    }

    /// <summary>Persons with the columns the request reads, spread over the regencies of province 32.</summary>
    private static string WriteSyntheticDataset()
    {
        long persons = long.TryParse(Environment.GetEnvironmentVariable("REGSOSEK_BENCH_PERSONS"), out var n) ? n : 2_000_000;
        var dir = Path.Combine(Path.GetTempPath(), "regsosek-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var target = Path.Combine(dir, TableNames.Individu).Replace("'", "''");
        using var connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = Threads });
        connection.Execute($"""
            COPY (
                SELECT 32 AS prov_code, 3201 + CAST(i % 27 AS INTEGER) AS regency_code,
                       (3201 + i % 27) * 100 + 1 + CAST(i % 7 AS INTEGER) AS district_code,
                       CAST(((3201 + i % 27) * 100 + 1 + i % 7) * 10000 + 2001 + i % 13 AS BIGINT) AS village_code,
                       CAST(2 AS TINYINT) AS urban_rural,
                       CAST(CASE WHEN i % 50 = 0 THEN 2 ELSE 1 END AS TINYINT) AS r404,
                       CAST(1 + hash(i) % 2 AS TINYINT) AS r405, CAST(hash(i + 1) % 90 AS SMALLINT) AS r407,
                       CAST([0, 1, 2, 4, 5, 8, 99][CAST(1 + hash(i + 2) % 7 AS INTEGER)] AS TINYINT) AS r431a,
                       CAST(1 + hash(i + 3) % 10 AS TINYINT) AS desil, CAST(hash(i + 4) % 4096 AS INTEGER) AS record_key
                FROM range({persons}) t(i)
            ) TO '{target}' (FORMAT parquet, PARTITION_BY (prov_code, regency_code))
            """);
        return dir;
    }
}
