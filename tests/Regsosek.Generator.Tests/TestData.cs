using Regsosek.DuckDb;
using Regsosek.Generator;
using Regsosek.Schema;

namespace Regsosek.Generator.Tests;

/// <summary>Paths and small helpers shared by the tests.</summary>
internal static class TestData
{
    /// <summary>The repository root (the directory holding Directory.Build.props).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>.deps/idn-area-data, installed by scripts/bootstrap.</summary>
    public static string RegionData => Path.Combine(RepoRoot, ".deps", "idn-area-data");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }

    public static string NewTempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "regsosek-gen-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        return dir;
    }

    public static GenerationResult Generate(string dir, long persons, ulong seed, IReadOnlyList<string>? regencies = null, int? threads = null) =>
        new DatasetGenerator().RunAsync(new GeneratorOptions
        {
            Persons = persons,
            Seed = seed,
            OutputDirectory = dir,
            RegionDataDirectory = RegionData,
            Regencies = regencies,
            Threads = threads,
            MemoryLimit = "1GB",
        }).GetAwaiter().GetResult();

    public static long Scalar(this DuckDbConnection con, string sql) => con.ExecuteScalar<long>(sql);

    public static double ScalarDouble(this DuckDbConnection con, string sql) => con.ExecuteScalar<double>(sql);

    public static List<object?[]> Rows(this DuckDbConnection con, string sql)
    {
        var rows = new List<object?[]>();
        using var result = con.Query(sql);
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                for (int r = 0; r < chunk.RowCount; r++)
                {
                    var row = new object?[chunk.ColumnCount];
                    for (int c = 0; c < chunk.ColumnCount; c++)
                    {
                        var v = chunk.GetVector(c);
                        row[c] = !v.IsValid(r) ? null : v.Type switch
                        {
                            DuckDbType.Varchar => v.GetString(r),
                            DuckDbType.BigInt => v.GetData<long>(r + 1)[r],
                            DuckDbType.Integer => v.GetData<int>(r + 1)[r],
                            DuckDbType.Double => v.GetData<double>(r + 1)[r],
                            DuckDbType.TinyInt => (int)v.GetData<sbyte>(r + 1)[r],
                            DuckDbType.SmallInt => (int)v.GetData<short>(r + 1)[r],
                            _ => throw new NotSupportedException(v.Type.ToString()),
                        };
                    }
                    rows.Add(row);
                }
            }
        }
        return rows;
    }

    /// <summary>Creates views keluarga and individu over a dataset.</summary>
    public static void CreateViews(DuckDbConnection con, string dataset)
    {
        con.Execute($"CREATE OR REPLACE VIEW keluarga AS SELECT * FROM {DatasetLayout.ReadExpression(TableKind.Keluarga, dataset)}");
        con.Execute($"CREATE OR REPLACE VIEW individu AS SELECT * FROM {DatasetLayout.ReadExpression(TableKind.Individu, dataset)}");
    }
}

/// <summary>One national dataset of 1,000,000 persons, generated once for the national tests.</summary>
public sealed class NationalDataset : IDisposable
{
    public const long Persons = 1_000_000;

    public NationalDataset()
    {
        Directory = TestData.NewTempDir("national");
        Result = TestData.Generate(Directory, Persons, seed: 20221015);
        Database = DuckDbDatabase.Open(null, new DuckDbOptions { Threads = 2 });
        Connection = Database.Connect();
        TestData.CreateViews(Connection, Directory);
    }

    public string Directory { get; }
    public GenerationResult Result { get; }
    public DuckDbDatabase Database { get; }
    public DuckDbConnection Connection { get; }

    public void Dispose()
    {
        Connection.Dispose();
        Database.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
