using DuckDB.NET.Data;
using Regsosek.DataAccess;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Core.Policy;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// Parquet parts written by DuckDB (COPY … ROW_GROUPS_PER_FILE) joined by <see cref="ParquetConcatenation"/> must be
/// one valid Parquet file that DuckDB reads back as exactly the rows, in order, of the same COPY to a single file —
/// whatever the number of rows, row groups per part and column types (strings, NULLs, dictionary-encoded values).
/// (Often the bytes agree too, but not always: a part may cut its last row group short.)
/// </summary>
public sealed class ParquetConcatenationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "regsosek-parquet-concat-" + Guid.NewGuid().ToString("N"));

    public ParquetConcatenationTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string Lit(string path) => "'" + path.Replace("'", "''") + "'";

    /// <summary>Writes <paramref name="rows"/> rows both ways; returns (single file, joined file, parts, rows joined).</summary>
    private (string Single, string Joined, int Parts, long Rows) Write(DuckDBConnection c, int rows, int rowGroupsPerPart, int seed, string name)
    {
        var source = $"SELECT i AS id, CASE WHEN (i * {seed}) % 7 = 0 THEN NULL ELSE 'name ' || ((i * {seed}) % 101) END AS label, " +
                     $"CAST((i * {seed}) % 3 AS TINYINT) AS code, i * 0.5 AS half, (i % 5 = 0) AS flag FROM range({rows}) t(i) ORDER BY i";
        var options = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048, KV_METADATA {licence: 'L', attribution: 'A'}";
        var single = Path.Combine(_dir, name + "-single.parquet");
        var parts = Path.Combine(_dir, name + "-parts");
        var joined = Path.Combine(_dir, name + "-joined.parquet");
        c.Execute($"COPY ({source}) TO {Lit(single)} ({options})");
        c.Execute($"COPY ({source}) TO {Lit(parts)} ({options}, ROW_GROUPS_PER_FILE {rowGroupsPerPart})");
        var files = Directory.GetFiles(parts, "*.parquet")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f).Split('_')[^1], CultureInfo.InvariantCulture)).ToList();
        long joinedRows = ParquetConcatenation.Concatenate(files, joined, Path.Combine(_dir, name + ".scratch"));
        return (single, joined, files.Count, joinedRows);
    }

    [Fact]
    public void Property_joined_parts_read_back_as_the_single_file_row_for_row()
    {
        var gen =
            from rows in Gen.Choose(0, 40_000)
            from perPart in Gen.Choose(1, 4)
            from seed in Gen.Choose(1, 1000)
            select (rows, perPart, seed);
        int run = 0;
        PropertyRunner.ForAll(gen.ToArbitrary(), input =>
        {
            var (rows, perPart, seed) = input;
            using var c = DuckDbSettings.Open(null);
            c.Execute("SET threads = 1");
            c.Execute("SET preserve_insertion_order = true");
            var w = Write(c, rows, perPart, seed, "p" + run++);
            if (rows == 0) return; // DuckDB writes no part for no rows; the runner then writes the single file
            Assert.Equal(rows, w.Rows);
            Assert.Equal(rows, c.Scalar<long>($"SELECT count(*) FROM read_parquet({Lit(w.Joined)})"));
            // Row for row, in order, every column (NULLs equal only to NULLs).
            Assert.Equal(0L, c.Scalar<long>(
                $"SELECT count(*) FROM read_parquet({Lit(w.Single)}) AS a POSITIONAL JOIN read_parquet({Lit(w.Joined)}) AS b " +
                "WHERE a.id IS DISTINCT FROM b.id OR a.label IS DISTINCT FROM b.label OR a.code IS DISTINCT FROM b.code " +
                "OR a.half IS DISTINCT FROM b.half OR a.flag IS DISTINCT FROM b.flag"));
            // The footer lists every part's row groups, with offsets that point into the joined file.
            long groups = c.Scalar<long>($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata({Lit(w.Joined)})");
            Assert.Equal(c.Scalar<long>($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata({Lit(w.Single)})"), groups);
            Assert.Equal(0L, c.Scalar<long>(
                $"SELECT count(*) FROM parquet_metadata({Lit(w.Joined)}) WHERE data_page_offset >= {new FileInfo(w.Joined).Length} OR data_page_offset < 4"));
            Assert.Equal("L", c.Scalar<string>($"SELECT decode(value) FROM parquet_kv_metadata({Lit(w.Joined)}) WHERE decode(key) = 'licence'"));
            Assert.True(w.Parts >= 1);
        }, maxTest: 25);
    }

    [Fact]
    public void Parts_of_different_schemas_are_refused()
    {
        using var c = DuckDbSettings.Open(null);
        var a = Path.Combine(_dir, "a.parquet");
        var b = Path.Combine(_dir, "b.parquet");
        c.Execute($"COPY (SELECT 1 AS x) TO {Lit(a)} (FORMAT parquet)");
        c.Execute($"COPY (SELECT 'one' AS x) TO {Lit(b)} (FORMAT parquet)");
        var ex = Assert.Throws<InvalidDataException>(() => ParquetConcatenation.Concatenate([a, b], Path.Combine(_dir, "ab.parquet"), Path.Combine(_dir, "ab.scratch")));
        Assert.Contains("schema", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_Parquet_is_refused()
    {
        var bad = Path.Combine(_dir, "bad.parquet");
        File.WriteAllText(bad, "this is not a parquet file at all");
        Assert.Throws<InvalidDataException>(() => ParquetConcatenation.Concatenate([bad], Path.Combine(_dir, "bad-out.parquet"), Path.Combine(_dir, "bad.scratch")));
    }
}

/// <summary>A tier-3 and a tier-4 Parquet extract written in many parts hold exactly the rows of one written in one part.</summary>
public sealed class ParquetPartsExtractTests(LargeRegencyFixture data) : IClassFixture<LargeRegencyFixture>
{
    [Theory]
    [InlineData(Tier.Microdata)]
    [InlineData(Tier.Bnba)]
    public void An_extract_joined_from_many_parts_reads_back_as_the_one_written_whole(Tier tier)
    {
        var request = new ExtractRequest
        {
            Table = ExtractTable.Individu,
            Region = "3201",
            Format = ExtractFormat.Parquet,
            KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = tier == Tier.Microdata },
        };
        var caller = Grants.Caller("g-parts", tier);
        using var whole = new Harness(data, parquetRowGroupSize: 2048, parquetRowGroupsPerPart: 1_000_000);
        using var parts = new Harness(data, parquetRowGroupSize: 2048, parquetRowGroupsPerPart: 1);
        var a = whole.Run(request, caller);
        var b = parts.Run(request, caller);
        Assert.True(a.Summary.Rows > 2048 * 2, "the fixture must need several row groups");
        Assert.Equal(a.Summary.Rows, b.Summary.Rows);
        var (columnsA, rowsA) = a.Read(whole.Scratch, ExtractFormat.Parquet);
        var (columnsB, rowsB) = b.Read(parts.Scratch, ExtractFormat.Parquet);
        Assert.Equal(columnsA, columnsB);
        Assert.Equal(rowsA, rowsB);
        var fb = Path.Combine(parts.Scratch, "b.parquet");
        File.WriteAllBytes(fb, b.Bytes);
        using var c = DuckDbSettings.Open(null);
        Assert.True(c.Scalar<long>($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{fb}')") > 2);
    }
}

/// <summary>
/// A tier-3 Parquet extract written in many parts (one row group of 256 rows each) and joined holds the rows of the
/// one written in a single part, in the same order.
/// </summary>
public sealed class PartedTier3ExtractTests(LargeRegencyFixture data) : IClassFixture<LargeRegencyFixture>
{
    [Theory]
    [InlineData(ExtractTable.Individu)]
    [InlineData(ExtractTable.Keluarga)]
    [InlineData(ExtractTable.IndividuWithKeluarga)]
    public void Writing_in_many_parts_gives_the_same_rows(ExtractTable table)
    {
        var request = new ExtractRequest
        {
            Table = table,
            Region = "3201",
            Format = ExtractFormat.Parquet,
            KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = true },
        };
        var caller = Grants.Caller("g-stage", Tier.Microdata);
        using var single = new Harness(data, parquetRowGroupsPerPart: 1_000_000);
        using var many = new Harness(data, parquetRowGroupSize: 256, parquetRowGroupsPerPart: 1);
        var a = single.Run(request, caller);
        var b = many.Run(request, caller);
        Assert.True(a.Summary.Rows > 2048, "the fixture must need many parts");
        Assert.Equal(a.Summary.Rows, b.Summary.Rows);
        var (columnsA, rowsA) = a.Read(single.Scratch, ExtractFormat.Parquet);
        var (columnsB, rowsB) = b.Read(many.Scratch, ExtractFormat.Parquet);
        Assert.Equal(columnsA, columnsB);
        Assert.Equal(rowsA, rowsB);
        Assert.Equal(a.Summary.KAnonymity!.SuppressedValues, b.Summary.KAnonymity!.SuppressedValues);
    }
}
