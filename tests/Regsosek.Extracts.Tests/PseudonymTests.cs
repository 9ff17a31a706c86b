using DuckDB.NET.Data;
using Regsosek.DataAccess;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts.Tests;

/// <summary>The per-grant pseudonym scheme.</summary>
public sealed class PseudonymTests
{
    [Fact]
    public void Property_pseudonyms_are_deterministic_per_grant_distinct_across_grants_and_reversible_only_with_the_key()
    {
        var keyring = Grants.Keyring;
        var gen =
            from id in Gen.Choose(0, int.MaxValue).Select(x => 11_0000_000_000L + x * 7919L)
            from kind in Gen.Elements(IdKind.Person, IdKind.Family)
            from a in Gen.Elements("g-1", "g-2", "g_01JABC", "Bappeda-32")
            from b in Gen.Elements("g-3", "g-4", "g_01JXYZ")
            select (id, kind, a, b);
        PropertyRunner.ForAll(gen.ToArbitrary(), t =>
        {
            using var ga = keyring.ForGrant(t.a);
            using var ga2 = keyring.ForGrant(t.a);
            using var gb = keyring.ForGrant(t.b);
            var pa = ga.Pseudonym(t.kind, t.id);
            Assert.Matches("^[0-9a-f]{32}$", pa);
            Assert.Equal(pa, ga2.Pseudonym(t.kind, t.id));
            Assert.NotEqual(pa, gb.Pseudonym(t.kind, t.id));
            Assert.NotEqual(pa, ga.Pseudonym(t.kind == IdKind.Person ? IdKind.Family : IdKind.Person, t.id));
            Assert.True(ga.TryReveal(pa.ToUpperInvariant(), out var kind, out var id));
            Assert.Equal((t.kind, t.id), (kind, id));
            Assert.False(gb.TryReveal(pa, out _, out _));
        }, maxTest: 300);
    }

    [Fact]
    public void Bulk_encryption_agrees_with_single_pseudonyms()
    {
        using var g = Grants.Keyring.ForGrant("g");
        long[] ids = [1, 2, 32010000000001, long.MaxValue, -5];
        var blocks = new byte[ids.Length * 16];
        g.Encrypt(IdKind.Person, ids, blocks);
        var hex = new byte[32];
        for (int i = 0; i < ids.Length; i++)
        {
            GrantPseudonymizer.WriteHex(blocks.AsSpan(i * 16, 16), hex);
            Assert.Equal(g.Pseudonym(IdKind.Person, ids[i]), System.Text.Encoding.ASCII.GetString(hex));
        }
    }

    [Fact]
    public void A_different_master_key_gives_different_pseudonyms()
    {
        var other = new PseudonymKeyring(RandomNumberGenerator.GetBytes(32));
        using var a = Grants.Keyring.ForGrant("g");
        using var b = other.ForGrant("g");
        Assert.NotEqual(a.Pseudonym(IdKind.Family, 42), b.Pseudonym(IdKind.Family, 42));
    }

    [Fact]
    public void Master_key_configuration_is_checked()
    {
        var e = Assert.Throws<ArgumentException>(() => new PseudonymKeyring(new byte[16]));
        Assert.Contains("32", e.Message);
        Assert.Throws<ArgumentException>(() => PseudonymKeyring.FromConfiguration(""));
        Assert.Throws<ArgumentException>(() => PseudonymKeyring.FromConfiguration("not base64!"));
        var fromBase64 = PseudonymKeyring.FromConfiguration(Convert.ToBase64String(Grants.MasterKey));
        var fromHex = PseudonymKeyring.FromConfiguration("hex:" + Convert.ToHexString(Grants.MasterKey));
        Assert.Equal(Grants.Keyring.GrantKey("g"), fromBase64.GrantKey("g"));
        Assert.Equal(Grants.Keyring.GrantKey("g"), fromHex.GrantKey("g"));
    }
}

/// <summary>Tracing a leaked file back to its grant.</summary>
public sealed class LeakTracerTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    private static readonly string[] Candidates = ["grant-1", "grant-2", "grant-3", "grant-4", "grant-5"];

    [Theory]
    [InlineData(ExtractFormat.Parquet)]
    [InlineData(ExtractFormat.Csv)]
    public void A_subset_of_a_leaked_extract_names_its_grant(ExtractFormat format)
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "r405", "r407"], Region = "3202", Format = format },
            Grants.Caller("grant-3", Tier.Microdata));
        var full = Path.Combine(h.Scratch, "full" + (format == ExtractFormat.Csv ? ".csv" : ".parquet"));
        File.WriteAllBytes(full, received.Bytes);

        // The leaker keeps 10 rows, drops the header and other columns, and saves it as CSV.
        var subset = Path.Combine(h.Scratch, "subset.csv");
        using (var c = DuckDbSettings.Open(null))
        {
            var source = format == ExtractFormat.Csv ? $"read_csv('{full}', header = true)" : $"read_parquet('{full}')";
            c.Execute($"COPY (SELECT r407, person_id FROM {source} ORDER BY r407 DESC LIMIT 10) TO '{subset}' (FORMAT csv, HEADER false)");
        }
        var result = LeakTracer.Trace(subset, Candidates, Grants.MasterKey);
        Assert.Equal("grant-3", result.GrantId);
        Assert.Equal(10, result.Examined);
        Assert.Equal(10, Assert.Single(result.Matches).Matched);

        var whole = LeakTracer.Trace(full, Candidates, Grants.MasterKey);
        Assert.Equal("grant-3", whole.GrantId);
    }

    [Fact]
    public void The_grant_is_not_found_among_candidates_that_did_not_make_the_file()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["family_id"], Region = "3201" }, Grants.Caller("grant-9", Tier.Microdata));
        var path = Path.Combine(h.Scratch, "leak.parquet");
        File.WriteAllBytes(path, received.Bytes);
        var result = LeakTracer.Trace(path, Candidates, Grants.MasterKey);
        Assert.Null(result.GrantId);
        Assert.Empty(result.Matches);
        // The 120 family pseudonyms are integers no candidate's key opens as a whole: no column is read as pseudonyms.
        Assert.Empty(result.FamilyColumns);
        Assert.Equal(0, result.RowsWithPseudonyms);
        // Among the candidates, grant-9 is found (every value opens under its key).
        var found = LeakTracer.Trace(path, [.. Candidates, "grant-9"], Grants.MasterKey);
        Assert.Equal("grant-9", found.GrantId);
        Assert.Equal(data.Families(3201), Assert.Single(found.FamilyColumns).Opened["grant-9"]);
    }

    [Fact]
    public void A_parquet_extracts_pseudonyms_rewritten_as_16_byte_binary_still_name_the_grant()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "family_id", "r405"], Region = "3202" },
            Grants.Caller("grant-2", Tier.Microdata));
        var full = Path.Combine(h.Scratch, "uuid.parquet");
        File.WriteAllBytes(full, received.Bytes);
        // The leaker converts the person UUID column to plain 16-byte binary (as a tool without the UUID type would) and
        // the family pseudonym (UBIGINT) to a signed BIGINT (as a tool without unsigned integers would: two's complement).
        var binary = Path.Combine(h.Scratch, "binary.parquet");
        using (var c = DuckDbSettings.Open(null))
            c.Execute($"COPY (SELECT unhex(replace(CAST(person_id AS VARCHAR), '-', '')) AS a, CAST(CAST(family_id AS HUGEINT) - CASE WHEN family_id >= 9223372036854775808 THEN CAST('18446744073709551616' AS HUGEINT) ELSE 0 END AS BIGINT) AS b, r405 " +
                      $"FROM read_parquet('{full}') LIMIT 50) TO '{binary}' (FORMAT parquet)");
        Assert.Equal(1L, Table.Scalar($"SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet('{binary}')) WHERE column_name = 'a' AND column_type = 'BLOB'"));
        Assert.Equal(1L, Table.Scalar($"SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet('{binary}')) WHERE column_name = 'b' AND column_type = 'BIGINT'"));
        var result = LeakTracer.Trace(binary, Candidates, Grants.MasterKey);
        Assert.Equal("grant-2", result.GrantId);
        var match = Assert.Single(result.Matches);
        Assert.Equal(50, match.Rows);
        Assert.Equal("b", Assert.Single(result.FamilyColumns).Column);
        Assert.True(match.Matched > 50, "both the person and the family column are opened");
    }

    [Fact]
    public void A_file_of_random_ids_matches_no_grant()
    {
        var dir = Path.Combine(Path.GetTempPath(), "regsosek-leak", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "random.csv");
            File.WriteAllLines(path, new[] { "person_id,r405" }
                .Concat(Enumerable.Range(0, 500).Select(i => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "," + (1 + i % 2))));
            var result = LeakTracer.Trace(path, Candidates, Grants.MasterKey);
            Assert.Null(result.GrantId);
            Assert.Equal(500, result.Examined);
            Assert.Empty(result.Matches);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

/// <summary>
/// Tier-3 extracts carry the family pseudonym as an unsigned 64-bit integer (Parquet INT64 unsigned, CSV decimal digits)
/// and an explicitly requested person pseudonym as a UUID in Parquet (FIXED_LEN_BYTE_ARRAY(16)), the same 16 bytes as the
/// CSV's 32 hex digits: in the same rows and order in both formats, and each opens under the grant's key to an id of its
/// own kind.
/// </summary>
public sealed class PseudonymColumnTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    [Theory]
    [InlineData(ExtractTable.Individu, false)]
    [InlineData(ExtractTable.Individu, true)]
    [InlineData(ExtractTable.Keluarga, false)]
    public void Parquet_and_csv_pseudonyms_hold_the_same_values_family_as_ubigint_person_as_uuid(ExtractTable table, bool askPersonId)
    {
        using var h = new Harness(data);
        var caller = Grants.Caller("grant-uuid", Tier.Microdata);
        ExtractRequest Request(ExtractFormat format) => new()
        {
            Table = table,
            // "All columns" has no person_id at tier 3; asked for by name, it is released as a UUID.
            Columns = askPersonId ? ["person_id", "family_id", "r401", "r405", "r407", "r417"] : [],
            Region = "3201",
            Format = format,
            KAnonymity = new KAnonymityOptions { AgeBands = AgeBanding.FiveYears, LocalSuppression = true },
        };
        var parquet = h.Run(Request(ExtractFormat.Parquet), caller);
        var csv = h.Run(Request(ExtractFormat.Csv), caller);
        var path = Path.Combine(h.Scratch, "uuid.parquet");
        File.WriteAllBytes(path, parquet.Bytes);
        var types = Table.ParquetTypes(path);
        // 8 bytes, unsigned: INT64 with the UINT_64 annotation, read back as UBIGINT.
        Assert.Equal("INT64()", types["family_id"]);
        Assert.Equal(1L, Table.Scalar($"SELECT count(*) FROM parquet_schema('{path}') WHERE name = 'family_id' AND converted_type = 'UINT_64'"));
        Assert.Equal(1L, Table.Scalar($"SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet('{path}')) WHERE column_name = 'family_id' AND column_type = 'UBIGINT'"));
        if (askPersonId) Assert.Equal("FIXED_LEN_BYTE_ARRAY(16) UUIDType()", types["person_id"]);

        // Table.Read gives a UUID as its text without dashes and an integer in decimal: the rows must be the CSV's,
        // value for value, in order.
        var (parquetColumns, parquetRows) = Table.Read(path, ExtractFormat.Parquet);
        var (csvColumns, csvRows) = csv.Read(h.Scratch, ExtractFormat.Csv);
        Assert.Equal(csvColumns, parquetColumns);
        Assert.True(csvRows.Count > 100, "the fixture must have rows");
        Assert.Equal(csvRows, parquetRows);

        using var pseudonymizer = Grants.Keyring.ForGrant("grant-uuid");
        int family = csvColumns.IndexOf("family_id");
        Assert.All(csvRows, row =>
        {
            long id = FamilyIds.Open(pseudonymizer, row[family]);
            Assert.Equal(row[family], pseudonymizer.FamilyPseudonym(id).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(3201, id / 10_000_000_000L);
        });
        if (!askPersonId) return;
        int person = csvColumns.IndexOf("person_id");
        Assert.All(csvRows, row =>
        {
            Assert.True(pseudonymizer.TryReveal(row[person], out var revealed, out long value), $"{row[person]} opens under the grant's key");
            Assert.Equal(IdKind.Person, revealed);
            Assert.Equal(row[person], pseudonymizer.Pseudonym(IdKind.Person, value));
            Assert.Equal(FamilyIds.Open(pseudonymizer, row[family]), value / 10);
        });
    }
}
