using DuckDB.NET.Data;
using Regsosek.DataAccess;
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

    public static long Scalar(this DuckDBConnection con, string sql) => con.Scalar<long>(sql);

    public static double ScalarDouble(this DuckDBConnection con, string sql) => con.Scalar<double>(sql);

    public static List<object?[]> Rows(this DuckDBConnection con, string sql)
    {
        var rows = new List<object?[]>();
        using var command = Commands.Create(con, sql);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int c = 0; c < row.Length; c++)
                row[c] = reader.IsDBNull(c) ? null : reader.GetValue(c) switch
                {
                    string or long or int or double => reader.GetValue(c),
                    sbyte v => (int)v,
                    short v => (int)v,
                    var v => throw new NotSupportedException(v.GetType().Name),
                };
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Creates views keluarga and individu over a dataset.</summary>
    public static void CreateViews(DuckDBConnection con, string dataset)
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
        Connection = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 2 });
        TestData.CreateViews(Connection, Directory);
    }

    public string Directory { get; }
    public GenerationResult Result { get; }
    public DuckDBConnection Connection { get; }

    public void Dispose()
    {
        Connection.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
