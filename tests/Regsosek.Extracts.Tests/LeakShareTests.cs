using System.Globalization;
using System.Security.Cryptography;
using Regsosek.Core;
using Regsosek.DataAccess;

namespace Regsosek.Extracts.Tests;

/// <summary>A leaked file that mixes several grants' extracts names every grant found, with its share of the rows.</summary>
public sealed class LeakShareTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    private static readonly string[] Candidates = ["grant-1", "grant-2", "grant-3", "grant-4"];

    /// <summary>Two real extracts (grant-1: regency 3201 as CSV, grant-4: regency 3202 as Parquet), their row counts, and a scratch folder.</summary>
    private static (string Csv, long CsvRows, string Parquet, long ParquetRows) TwoExtracts(Harness h)
    {
        var a = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "family_id", "r405", "r407"], Region = "3201", Format = ExtractFormat.Csv },
            Grants.Caller("grant-1", Tier.Microdata));
        var b = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "r405", "r407"], Region = "3202", Format = ExtractFormat.Parquet },
            Grants.Caller("grant-4", Tier.Microdata));
        var csv = Path.Combine(h.Scratch, "grant-1.csv");
        var parquet = Path.Combine(h.Scratch, "grant-4.parquet");
        File.WriteAllBytes(csv, a.Bytes);
        File.WriteAllBytes(parquet, b.Bytes);
        using var c = DuckDbSettings.Open(null);
        long csvRows = c.Scalar<long>($"SELECT count(*) FROM read_csv('{csv}', header = true)");
        long parquetRows = c.Scalar<long>($"SELECT count(*) FROM read_parquet('{parquet}')");
        Assert.True(csvRows > 100 && parquetRows > 50, $"{csvRows} and {parquetRows} rows");
        return (csv, csvRows, parquet, parquetRows);
    }

    /// <summary>The two extracts' common columns in one CSV, rows interleaved by r407 then person_id, plus <paramref name="randomRows"/> rows of random ids.</summary>
    private static string Mix(Harness h, (string Csv, long, string Parquet, long) x, int randomRows, bool header = true)
    {
        var mixed = Path.Combine(h.Scratch, $"mixed-{randomRows}.csv");
        var random = Path.Combine(h.Scratch, "random.csv");
        File.WriteAllLines(random, new[] { "person_id,r405,r407" }.Concat(Enumerable.Range(0, randomRows)
            .Select(i => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "," + (1 + i % 2) + "," + (20 + i % 50))));
        using var c = DuckDbSettings.Open(null);
        c.Execute($"""
            COPY (
              SELECT person_id, CAST(r405 AS VARCHAR) AS r405, CAST(r407 AS VARCHAR) AS r407 FROM read_csv('{x.Csv}', header = true, all_varchar = true)
              UNION ALL SELECT person_id, CAST(r405 AS VARCHAR), CAST(r407 AS VARCHAR) FROM read_parquet('{x.Parquet}')
              UNION ALL SELECT person_id, r405, r407 FROM read_csv('{random}', header = true, all_varchar = true)
              ORDER BY r407, person_id
            ) TO '{mixed}' (FORMAT csv, HEADER {(header ? "true" : "false")})
            """);
        return mixed;
    }

    [Fact]
    public void A_file_mixing_two_grants_extracts_names_both_with_their_share_of_the_rows()
    {
        using var h = new Harness(data);
        var x = TwoExtracts(h);
        var mixed = Mix(h, x, randomRows: 0);

        var result = LeakTracer.Trace(mixed, Candidates, Grants.MasterKey);

        long total = x.CsvRows + x.ParquetRows;
        Assert.False(result.Sampled);
        Assert.Equal(total, result.RowsWithPseudonyms);
        Assert.Equal(total + 1, result.TotalRows); // the header line has no pseudonym
        Assert.Equal(0, result.RowsUnattributed);
        Assert.Equal(["grant-1", "grant-4"], result.Matches.Select(m => m.GrantId).Order());
        var one = result.Matches.Single(m => m.GrantId == "grant-1");
        var four = result.Matches.Single(m => m.GrantId == "grant-4");
        Assert.Equal((x.CsvRows, x.ParquetRows), (one.Rows, four.Rows));
        Assert.Equal((double)x.CsvRows / total, one.Share, 12);
        Assert.Equal((double)x.ParquetRows / total, four.Share, 12);
        Assert.Equal(result.Matches[0].GrantId, result.GrantId); // the larger part is named first
        Assert.True(result.Matches[0].Rows >= result.Matches[1].Rows);
    }

    [Fact]
    public void Rows_no_candidate_opens_are_reported_apart_and_do_not_count_for_any_grant()
    {
        using var h = new Harness(data);
        var x = TwoExtracts(h);
        var mixed = Mix(h, x, randomRows: 90, header: false);

        var result = LeakTracer.Trace(mixed, Candidates, Grants.MasterKey);

        long total = x.CsvRows + x.ParquetRows + 90;
        Assert.Equal(total, result.RowsWithPseudonyms);
        Assert.Equal(90, result.RowsUnattributed);
        Assert.Equal(x.CsvRows, result.Matches.Single(m => m.GrantId == "grant-1").Rows);
        Assert.Equal(x.ParquetRows, result.Matches.Single(m => m.GrantId == "grant-4").Rows);
        Assert.Equal(1.0, result.Matches.Sum(m => m.Share) + (double)result.RowsUnattributed / result.RowsWithPseudonyms, 12);

        var report = result.Describe(Candidates.Length);
        Assert.StartsWith("the file mixes extracts of 2 grants", report[0]);
        var inv = CultureInfo.InvariantCulture;
        Assert.Contains(report, l => l.Contains("grant-1: " + x.CsvRows.ToString("N0", inv) + " rows, " + (100.0 * x.CsvRows / total).ToString("0.0", inv) + " %"));
        Assert.Contains(report, l => l.Contains("grant-4: " + x.ParquetRows.ToString("N0", inv) + " rows, " + (100.0 * x.ParquetRows / total).ToString("0.0", inv) + " %"));
        Assert.Contains(report, l => l.Contains("no candidate: 90 rows"));
    }

    [Fact]
    public void A_large_file_is_sampled_uniformly_and_still_names_both_grants()
    {
        using var h = new Harness(data);
        var x = TwoExtracts(h);
        var mixed = Mix(h, x, randomRows: 0);
        long total = x.CsvRows + x.ParquetRows;

        var result = LeakTracer.Trace(mixed, Candidates, Grants.MasterKey, sampleRows: 200);

        Assert.True(result.Sampled);
        Assert.Equal(200, result.RowsExamined);
        Assert.Equal(["grant-1", "grant-4"], result.Matches.Select(m => m.GrantId).Order());
        Assert.Equal(result.RowsWithPseudonyms, result.Matches.Sum(m => m.Rows));
        // A uniform sample of 200 (not the first 200 rows, which the ordering by age would skew): each share
        // within 0.15 of the truth.
        Assert.InRange(result.Matches.Single(m => m.GrantId == "grant-1").Share, (double)x.CsvRows / total - 0.15, (double)x.CsvRows / total + 0.15);
        Assert.Contains("uniform sample of 200", result.Describe(Candidates.Length)[0]);
        // The same file gives the same answer every time.
        Assert.Equal(result.Matches, LeakTracer.Trace(mixed, Candidates, Grants.MasterKey, sampleRows: 200).Matches);
    }

    [Fact]
    public void A_single_grants_file_is_named_as_its_only_source()
    {
        using var h = new Harness(data);
        var x = TwoExtracts(h);

        var result = LeakTracer.Trace(x.Parquet, Candidates, Grants.MasterKey);

        var only = Assert.Single(result.Matches);
        Assert.Equal(("grant-4", x.ParquetRows, 1.0), (only.GrantId, only.Rows, only.Share));
        Assert.StartsWith("the file came from grant grant-4", result.Describe(Candidates.Length)[0]);
    }
}
