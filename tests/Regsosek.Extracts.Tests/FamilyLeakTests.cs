using System.Globalization;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.DataAccess;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// Leak tracing through the 64-bit family pseudonyms (integers), from the investigator's side: a new-format file or a
/// cut of it names its grant; files whose integer columns are not pseudonyms (a tier-4 file with the real ids, a plain
/// copy, ages and codes) name no grant, whichever grants are tried; a column mixing two grants' families names both.
/// </summary>
public sealed class FamilyLeakTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    /// <summary>Many candidates, as a grant store would hold: the more keys tried, the more chance openings.</summary>
    private static readonly string[] Candidates = [.. Enumerable.Range(1, 40).Select(i => "grant-" + i.ToString(CultureInfo.InvariantCulture))];

    private static string Save(Harness h, Received r, string name)
    {
        var path = Path.Combine(h.Scratch, name);
        File.WriteAllBytes(path, r.Bytes);
        return path;
    }

    /// <summary>The default individu_with_keluarga extract of province 32 for <paramref name="caller"/>, saved as a file.</summary>
    private static string Province(Harness h, Caller caller, ExtractFormat format, string name) =>
        Save(h, h.Run(new ExtractRequest { Table = ExtractTable.IndividuWithKeluarga, Region = "32", Format = format }, caller),
            name + (format == ExtractFormat.Csv ? ".csv" : ".parquet"));

    [Theory]
    [InlineData(ExtractFormat.Parquet)]
    [InlineData(ExtractFormat.Csv)]
    public void A_default_tier_3_file_and_a_renamed_headerless_cut_of_25_rows_name_their_grant(ExtractFormat format)
    {
        using var h = new Harness(data);
        var file = Province(h, Grants.Caller("grant-17", Tier.Microdata), format, "leak");

        var whole = LeakTracer.Trace(file, Candidates, Grants.MasterKey);
        var only = Assert.Single(whole.Matches);
        Assert.Equal(("grant-17", 1.0), (only.GrantId, only.Share));
        Assert.Equal(data.Families(3201) + data.Families(3202), only.Matched);
        // The whole CSV is read without its header (DuckDB names the columns column00, column01…): family_id is the first.
        Assert.Equal(format == ExtractFormat.Parquet ? "family_id" : "column00", Assert.Single(whole.FamilyColumns).Column);

        // The leaker keeps 25 rows and three columns, renames them, puts the family last, drops the header.
        var cut = Path.Combine(h.Scratch, "cut.csv");
        // (A CSV's family_id is read as UBIGINT, as docs/extracts.md advises: DuckDB's type detection would guess DOUBLE.)
        var source = format == ExtractFormat.Csv ? $"read_csv('{file}', header = true, types = {{'family_id': 'UBIGINT'}})" : $"read_parquet('{file}')";
        using (var c = DuckDbSettings.Open(null))
            c.Execute($"COPY (SELECT r407 AS age, r405 AS sex, family_id AS hh FROM {source} ORDER BY r407 DESC, r405 LIMIT 25) TO '{cut}' (FORMAT csv, HEADER false)");
        var part = LeakTracer.Trace(cut, Candidates, Grants.MasterKey);
        Assert.Equal("grant-17", part.GrantId);
        Assert.Equal((25L, 0L), (part.RowsWithPseudonyms, part.RowsUnattributed));
        Assert.Equal("column2", Assert.Single(part.FamilyColumns).Column);
        Assert.StartsWith("the file came from grant grant-17", part.Describe(Candidates.Length)[0]);
    }

    [Theory]
    [InlineData(ExtractFormat.Parquet)]
    [InlineData(ExtractFormat.Csv)]
    public void A_tier_4_file_with_real_ids_and_codes_names_no_grant(ExtractFormat format)
    {
        using var h = new Harness(data);
        // Every integer column of the BNBA record: real family and person ids, village codes, ages, codes, counts.
        var file = Province(h, Grants.Caller("grant-4", Tier.Bnba, "32"), format, "bnba");
        // Tried against many grants, including tier-3 grants of the same region.
        var result = LeakTracer.Trace(file, [.. Candidates, "grant-4"], Grants.MasterKey);
        Assert.Null(result.GrantId);
        Assert.Empty(result.Matches);
        Assert.Empty(result.FamilyColumns);
        Assert.StartsWith("no tier-3 grant's key opens", result.Describe(Candidates.Length + 1)[0]);
    }

    [Fact]
    public void An_arrow_extract_is_traced_like_parquet_and_a_tier_4_arrow_file_names_no_grant()
    {
        using var h = new Harness(data);
        var request = new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "r405"], Region = "3202", Format = ExtractFormat.ArrowStream };
        // A tier-3 stream with the family pseudonym only (the default key) and one with the person UUID as text.
        var family = Save(h, h.Run(request with { Columns = ["r405"] }, Grants.Caller("grant-21", Tier.Microdata)), "family.arrows");
        var person = Save(h, h.Run(request, Grants.Caller("grant-22", Tier.Microdata)), "person.arrows");
        var bnba = Save(h, h.Run(request with { Columns = [] }, Grants.Caller("grant-4", Tier.Bnba, "32")), "bnba.arrows");

        var a = LeakTracer.Trace(family, Candidates, Grants.MasterKey);
        Assert.Equal(("grant-21", 1.0), (Assert.Single(a.Matches).GrantId, a.Matches[0].Share));
        Assert.Equal(("family_id", data.Families(3202)), (Assert.Single(a.FamilyColumns).Column, a.FamilyColumns[0].Opened["grant-21"]));
        Assert.Equal(a.RowsExamined, a.TotalRows);
        var b = LeakTracer.Trace(person, Candidates, Grants.MasterKey);
        Assert.Equal(("grant-22", 1.0), (Assert.Single(b.Matches).GrantId, b.Matches[0].Share));
        Assert.Empty(b.FamilyColumns); // found through the person UUIDs (no family_id in that file)
        var c = LeakTracer.Trace(bnba, [.. Candidates, "grant-4"], Grants.MasterKey);
        Assert.Empty(c.Matches);
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), "regsosek-leak-*.csv"));
    }

    [Fact]
    public void A_plain_copy_of_the_extracts_columns_names_no_grant()
    {
        using var h = new Harness(data);
        // What a leaker with the raw data would hold: the tier-3 columns with the ids as stored, no pseudonyms.
        var plain = Path.Combine(h.Scratch, "plain.parquet");
        using (var c = DuckDbSettings.Open(null))
            c.Execute($"COPY (SELECT family_id, person_id, r401, r405, r407, r417, regency_code FROM read_parquet('{data.Directory}/individu/*/*/data.parquet', hive_partitioning = true)) " +
                      $"TO '{plain}' (FORMAT parquet)");
        var result = LeakTracer.Trace(plain, Candidates, Grants.MasterKey);
        Assert.Empty(result.Matches);
        Assert.Empty(result.FamilyColumns);
        Assert.Equal(0, result.RowsWithPseudonyms);
    }

    [Fact]
    public void A_family_column_mixing_two_grants_names_both_with_their_rows()
    {
        using var h = new Harness(data);
        var a = Save(h, h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["r405"], Region = "3201", Format = ExtractFormat.Csv },
            Grants.Caller("grant-3", Tier.Microdata)), "a.csv");
        var b = Save(h, h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["r405"], Region = "3202" },
            Grants.Caller("grant-31", Tier.Microdata)), "b.parquet");
        var mixed = Path.Combine(h.Scratch, "mixed.csv");
        long rowsA, rowsB;
        using (var c = DuckDbSettings.Open(null))
        {
            rowsA = c.Scalar<long>($"SELECT count(*) FROM read_csv('{a}', header = true)");
            rowsB = c.Scalar<long>($"SELECT count(*) FROM read_parquet('{b}')");
            c.Execute($"COPY (SELECT * FROM (SELECT CAST(family_id AS UBIGINT) AS f, r401, r405 FROM read_csv('{a}', header = true, all_varchar = true) " +
                      $"UNION ALL SELECT family_id, r401, r405 FROM read_parquet('{b}')) ORDER BY r405, f) TO '{mixed}' (FORMAT csv, HEADER false)");
        }
        var result = LeakTracer.Trace(mixed, Candidates, Grants.MasterKey);
        Assert.Equal(["grant-3", "grant-31"], result.Matches.Select(m => m.GrantId).Order(StringComparer.Ordinal));
        Assert.Equal(rowsA, result.Matches.Single(m => m.GrantId == "grant-3").Rows);
        Assert.Equal(rowsB, result.Matches.Single(m => m.GrantId == "grant-31").Rows);
        Assert.Equal(0, result.RowsUnattributed);
        Assert.StartsWith("the file mixes extracts of 2 grants", result.Describe(Candidates.Length)[0]);
    }

    [Fact]
    public void A_column_where_fewer_than_90_percent_of_the_values_open_is_not_read_as_pseudonyms()
    {
        using var h = new Harness(data);
        var file = Save(h, h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["family_id"], Region = "3201" },
            Grants.Caller("grant-5", Tier.Microdata)), "k.parquet");
        // 120 family pseudonyms of grant-5 and 20 other integers (14 % of the column): 86 % open, below the 90 % needed.
        var diluted = Path.Combine(h.Scratch, "diluted.csv");
        using (var c = DuckDbSettings.Open(null))
            c.Execute($"COPY (SELECT family_id FROM read_parquet('{file}') UNION ALL SELECT CAST(range * 7919 + 1 AS UBIGINT) FROM range(20)) TO '{diluted}' (FORMAT csv, HEADER false)");
        var result = LeakTracer.Trace(diluted, Candidates, Grants.MasterKey);
        Assert.Empty(result.Matches);
        // With 12 of them instead (9 %), the column is read as grant-5's family pseudonyms; the 12 rows are unattributed.
        using (var c = DuckDbSettings.Open(null))
            c.Execute($"COPY (SELECT family_id FROM read_parquet('{file}') UNION ALL SELECT CAST(range * 7919 + 1 AS UBIGINT) FROM range(12)) TO '{diluted}' (FORMAT csv, HEADER false)");
        var found = LeakTracer.Trace(diluted, Candidates, Grants.MasterKey);
        Assert.Equal("grant-5", found.GrantId);
        Assert.Equal((120L, 12L), (Assert.Single(found.Matches).Rows, found.RowsUnattributed));
    }
}
