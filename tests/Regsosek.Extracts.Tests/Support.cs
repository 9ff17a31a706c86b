using DuckDB.NET.Data;
using Regsosek.DataAccess;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Extracts.Tests;

/// <summary>Runs FsCheck properties inside xunit facts with a fixed replay seed, so a failure reproduces.</summary>
internal static class PropertyRunner
{
    public const ulong Seed = 20221015;

    public static Config Config(int maxTest) =>
        FsCheck.Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None)));

    public static void ForAll<T>(Arbitrary<T> arb, Action<T> property, int maxTest) =>
        Check.One(Config(maxTest), Prop.ForAll(arb, property));
}

/// <summary>Released 64-bit family pseudonyms (family_id at tier 3: a UBIGINT, read back as decimal text).</summary>
internal static class FamilyIds
{
    /// <summary>Opens a released family_id under <paramref name="pseudonymizer"/>'s key; fails the test when it does not open.</summary>
    public static long Open(GrantPseudonymizer pseudonymizer, string? text)
    {
        Assert.True(ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value),
            $"family_id '{text}' is an unsigned 64-bit integer in decimal");
        Assert.True(pseudonymizer.TryRevealFamily(value, out long id), $"family_id {value} opens under {pseudonymizer.GrantId}'s key");
        return id;
    }
}

/// <summary>Grants and callers for tests.</summary>
internal static class Grants
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static Grant Make(string id, Tier tier, string region) => new()
    {
        Id = id,
        Organisation = "Bappeda Jawa Barat",
        Unit = "Bidang Sosial",
        Tier = tier,
        Region = RegionCode.Parse(region),
        Purpose = "test",
        ValidFrom = Now.AddYears(-1),
        ValidUntil = Now.AddYears(1),
    };

    public static Caller Caller(string id, Tier tier, string region = "32") => new(Make(id, tier, region));

    public static readonly byte[] MasterKey = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    public static PseudonymKeyring Keyring => new(MasterKey);
}

/// <summary>
/// A small hive-partitioned dataset written by DuckDB, with every column of the data dictionary: families in
/// regencies 3201 (120), 3202 (80) and 3301 (40), 1–4 persons each; values are deterministic hashes of the ids
/// drawn from each variable's code list or range.
/// </summary>
public class DatasetFixture : IDisposable
{
    public static readonly (int Regency, int Families)[] Regencies = [(3201, 120), (3202, 80), (3301, 40)];

    public DatasetFixture() : this(Regencies)
    {
    }

    private readonly (int Regency, int Families)[] _regencies;

    protected DatasetFixture((int Regency, int Families)[] regencies) : this(regencies, "i")
    {
    }

    /// <summary>A dataset whose family ids are regency × 10^10 + <paramref name="sequence"/> (SQL over i = 1…families).</summary>
    protected DatasetFixture((int Regency, int Families)[] regencies, string sequence)
    {
        _regencies = regencies;
        Directory = Path.Combine(Path.GetTempPath(), "regsosek-extract-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        using var c = DuckDbSettings.Open(null);
        foreach (var (regency, families) in regencies)
        {
            c.Execute($"""
                CREATE OR REPLACE TABLE fam AS
                SELECT CAST({regency} AS BIGINT) * 10000000000 + ({sequence}) AS fid, {regency} AS reg
                FROM range(1, {families + 1}) r(i)
                """);
            c.Execute($"""
                CREATE OR REPLACE TABLE per AS
                SELECT fid * 10 + j AS pid, fid, reg FROM fam, range(1, 2 + CAST(fid % 4 AS INTEGER)) p(j)
                """);
            Write(c, TableKind.Keluarga, regency, "fam", "fid");
            Write(c, TableKind.Individu, regency, "per", "pid");
        }
    }

    public string Directory { get; }

    public int Families(int? regency = null) => _regencies.Where(r => regency is null || r.Regency == regency).Sum(r => r.Families);

    private void Write(DuckDBConnection c, TableKind table, int regency, string from, string key)
    {
        var select = DataDictionary.Default.Columns(table)
            .Where(v => !DatasetLayout.IsPartitionColumn(v.Column))
            .Select(v => $"{Expression(v, key)} AS \"{v.Column}\"");
        var path = Path.Combine(Directory, DatasetLayout.PartitionPath(table, regency / 100, regency));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        c.Execute($"COPY (SELECT {string.Join(", ", select)} FROM {from} ORDER BY {key}) TO '{path}' (FORMAT parquet)");
    }

    private static string Expression(Variable v, string key)
    {
        string h = $"hash({key}, '{v.Column}')";
        string district = "(reg * 100 + 1 + CAST(fid % 3 AS INTEGER))";
        return v.Column switch
        {
            "family_id" => "fid",
            "person_id" => "pid",
            "r401" => "CAST(pid % 10 AS TINYINT)", // the member number: pid = fid × 10 + member
            "district_code" => district,
            "village_code" => $"(CAST({district} AS BIGINT) * 10000 + 2001 + fid % 2)",
            "urban_rural" => "CAST(2 AS TINYINT)",
            "r407" => $"CAST({h} % 90 AS SMALLINT)",
            "r112" => $"CAST(1 + {h} % 6 AS TINYINT)",
            _ when v.HasCodes => $"CAST([{string.Join(", ", v.Codes.Select(x => x.Code))}][1 + CAST({h} % {v.Codes.Count} AS INTEGER)] AS {v.SqlType})",
            _ => v.Type switch
            {
                ColumnType.Varchar => $"'{v.Column}-' || CAST({key} AS VARCHAR)",
                ColumnType.Date => $"DATE '1940-01-01' + CAST({h} % 30000 AS INTEGER)",
                ColumnType.Double => $"{Num(v.Min ?? 0)} + CAST({h} % 1000 AS DOUBLE) / 1000.0",
                ColumnType.Boolean => $"{h} % 2 = 0",
                _ => $"CAST({Num(v.Min ?? 0)} + {h} % {Math.Min(50, (long)((v.Max ?? 50) - (v.Min ?? 0)) + 1)} AS {v.SqlType})",
            },
        };
    }

    private static string Num(double d) => d.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

/// <summary>A dataset of <paramref name="regencies"/> whose family ids are regency × 10^10 + <paramref name="sequence"/> (SQL over i = 1…families).</summary>
public sealed class GeneratedFixture((int Regency, int Families)[] regencies, string sequence) : DatasetFixture(regencies, sequence);

/// <summary>One regency (3201) of 3,000 families (about 7,500 persons): enough records for several Parquet row groups.</summary>
public sealed class LargeRegencyFixture() : DatasetFixture([(3201, 3000)]);

/// <summary>An extract received in a test: the chunks, the file they make, the summary.</summary>
internal sealed class Received
{
    public List<byte[]> Chunks { get; } = [];
    public ExtractSummary Summary { get; set; } = null!;
    public byte[] Bytes => Chunks.SelectMany(c => c).ToArray();

    public ValueTask Sink(ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        Chunks.Add(chunk.ToArray());
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the file to <paramref name="directory"/> and reads it back: column names and rows as strings (null = NULL).</summary>
    public (List<string> Columns, List<string?[]> Rows) Read(string directory, ExtractFormat format)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + (format == ExtractFormat.Csv ? ".csv" : ".parquet"));
        File.WriteAllBytes(path, Bytes);
        return Table.Read(path, format);
    }
}

/// <summary>Reads a Parquet or CSV file with DuckDB as strings.</summary>
internal static class Table
{
    /// <summary>
    /// The file's columns and rows as text. A UUID column (a Parquet extract's pseudonyms) is read as 32 hex digits, its
    /// text without dashes, which is what CSV and Arrow extracts hold; <see cref="Types"/> tells the column types.
    /// </summary>
    public static (List<string> Columns, List<string?[]> Rows) Read(string path, ExtractFormat format)
    {
        using var c = DuckDbSettings.Open(null);
        var source = format == ExtractFormat.Csv ? $"read_csv('{path}', header = true, all_varchar = true)" : $"read_parquet('{path}')";
        c.Execute($"CREATE VIEW f AS SELECT * FROM {source}");
        var columns = new List<string>();
        var uuids = new HashSet<string>(StringComparer.Ordinal);
        using (var d = ChunkStream.Open(c, "SELECT column_name, column_type FROM (DESCRIBE f)"))
            while (d.Next())
                for (int i = 0; i < d.RowCount; i++)
                {
                    columns.Add(d.String(0, i));
                    if (d.String(1, i) == "UUID") uuids.Add(d.String(0, i));
                }
        var rows = new List<string?[]>();
        if (columns.Count == 0) return (columns, rows);
        using var r = ChunkStream.Open(c, "SELECT " + string.Join(", ", columns.Select(x =>
            uuids.Contains(x) ? $"replace(CAST(\"{x}\" AS VARCHAR), '-', '')" : $"CAST(\"{x}\" AS VARCHAR)")) + " FROM f");
        while (r.Next())
            for (int i = 0; i < r.RowCount; i++)
            {
                var row = new string?[columns.Count];
                for (int j = 0; j < columns.Count; j++)
                    row[j] = r.IsValid(j, i) ? r.String(j, i) : null;
                rows.Add(row);
            }
        return (columns, rows);
    }

    /// <summary>The file's Parquet physical type, type length and logical type per column (parquet_schema), leaf columns only.</summary>
    public static Dictionary<string, string> ParquetTypes(string path)
    {
        using var c = DuckDbSettings.Open(null);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        using var d = ChunkStream.Open(c, $"SELECT name, type, CAST(type_length AS VARCHAR), CAST(logical_type AS VARCHAR) FROM parquet_schema('{path}') WHERE num_children IS NULL OR num_children = 0");
        while (d.Next())
            for (int i = 0; i < d.RowCount; i++)
                types[d.String(0, i)] = $"{d.String(1, i)}({(d.IsValid(2, i) ? d.String(2, i) : "")}) {(d.IsValid(3, i) ? d.String(3, i) : "")}".Trim();
        return types;
    }

    public static long Scalar(string sql)
    {
        using var c = DuckDbSettings.Open(null);
        return c.Scalar<long>(sql);
    }
}

/// <summary>Runs extracts against a fixture dataset.</summary>
internal sealed class Harness : IDisposable
{
    public Harness(DatasetFixture data, int chunkBytes = ExtractOptions.MaxChunkBytes, string memoryLimit = "256MB",
        int parquetRowGroupSize = 32_768, int parquetRowGroupsPerPart = 32, long releaseJoinCombinations = 1_000_000)
    {
        Data = data;
        TempRoot = Path.Combine(Path.GetTempPath(), "regsosek-extract-tests-tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(TempRoot);
        Scratch = Path.Combine(TempRoot, "..", Path.GetFileName(TempRoot) + "-scratch");
        Directory.CreateDirectory(Scratch);
        Runner = new ExtractRunner(Grants.Keyring, new ExtractOptions { TempRoot = TempRoot, ChunkBytes = chunkBytes, Threads = 1, MemoryLimit = memoryLimit,
            ParquetRowGroupSize = parquetRowGroupSize, ParquetRowGroupsPerPart = parquetRowGroupsPerPart,
            ReleaseJoinCombinations = releaseJoinCombinations });
        Planner = new ExtractPlanner(DataDictionary.Default);
    }

    public DatasetFixture Data { get; }
    public string TempRoot { get; }
    public string Scratch { get; }
    public ExtractRunner Runner { get; }
    public ExtractPlanner Planner { get; }

    public ExtractPlan Plan(ExtractRequest request, Caller caller) => Planner.Plan(request, caller, Grants.Now, Data.Directory);

    /// <summary>A tier-3 request of <paramref name="table"/> for <paramref name="region"/>, five-year age bands, local suppression.</summary>
    public static ExtractRequest SuppressedTier3(ExtractTable table, string region, ExtractFormat format) => new()
    {
        Table = table,
        Region = region,
        Format = format,
        KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = true },
    };

    /// <summary>Two runs made the same file: CSV byte for byte, Parquet the same columns and rows in order (row groups may differ).</summary>
    public static void AssertSameFile(ExtractFormat format, Received a, Harness ha, Received b, Harness hb)
    {
        if (format == ExtractFormat.Csv)
        {
            Assert.Equal(a.Summary.Sha256, b.Summary.Sha256);
            return;
        }
        var (columnsA, rowsA) = a.Read(ha.Scratch, format);
        var (columnsB, rowsB) = b.Read(hb.Scratch, format);
        Assert.Equal(columnsA, columnsB);
        Assert.Equal(rowsA, rowsB);
    }

    public Received Run(ExtractRequest request, Caller caller, CancellationToken ct = default)
    {
        var received = new Received();
        received.Summary = Runner.RunAsync(Plan(request, caller), received.Sink, null, ct).GetAwaiter().GetResult();
        return received;
    }

    public void Dispose()
    {
        try { Directory.Delete(TempRoot, true); } catch (IOException) { }
        try { Directory.Delete(Scratch, true); } catch (IOException) { }
    }
}
