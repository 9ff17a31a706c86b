using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.DataAccess;
using Regsosek.Extracts.Jobs;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// At tier 3 a person is identified by (family pseudonym, member number r401), not by a per-person pseudonym, unless
/// person_id is asked for by name (ExtractPlanner.PersonKey). The fixture's person ids are family id × 10 + r401.
/// </summary>
public sealed class PersonKeyTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    /// <summary>The fixture's persons of one regency: person id → (r405, r407) as text.</summary>
    private Dictionary<long, (string R405, string R407)> Persons(int regency)
    {
        using var c = DuckDbSettings.Open(null);
        var result = new Dictionary<long, (string, string)>();
        using var r = ChunkStream.Open(c, $"SELECT CAST(person_id AS VARCHAR), CAST(r405 AS VARCHAR), CAST(r407 AS VARCHAR) FROM read_parquet('{data.Directory}/individu/prov_code=32/regency_code={regency}/data.parquet')");
        while (r.Next())
            for (int i = 0; i < r.RowCount; i++)
                result[long.Parse(r.String(0, i))] = (r.String(1, i), r.String(2, i));
        return result;
    }

    [Theory]
    [InlineData(ExtractTable.Individu, ExtractFormat.Parquet)]
    [InlineData(ExtractTable.IndividuWithKeluarga, ExtractFormat.Csv)]
    public void All_columns_at_tier_3_has_no_person_pseudonym_but_a_unique_family_and_member_pair(ExtractTable table, ExtractFormat format)
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = table, Region = "3202", Format = format }, Grants.Caller("grant-pair", Tier.Microdata));
        var (columns, rows) = received.Read(h.Scratch, format);

        Assert.DoesNotContain("person_id", columns);
        int family = columns.IndexOf("family_id"), member = columns.IndexOf("r401");
        Assert.True(family >= 0 && member >= 0, string.Join(",", columns));
        Assert.Equal(Persons(3202).Count, rows.Count);
        Assert.All(rows, r => Assert.True(r[family] is not null && r[member] is not null));
        Assert.Equal(rows.Count, rows.Select(r => (r[family], r[member])).Distinct().Count());
        // The pair opens, under the grant's key, to the person's real id: family id × 10 + r401 in the fixture.
        var persons = Persons(3202);
        using var pseudonymizer = Grants.Keyring.ForGrant("grant-pair");
        Assert.All(rows, r =>
        {
            long fid = FamilyIds.Open(pseudonymizer, r[family]);
            Assert.True(persons.ContainsKey(fid * 10 + int.Parse(r[member]!)));
        });
    }

    [Fact]
    public void The_same_person_has_the_same_pair_in_every_extract_of_a_grant_and_none_in_common_with_another_grant()
    {
        using var h = new Harness(data);
        var grant = Grants.Caller("grant-same", Tier.Microdata);
        // Two different extracts of one grant: a regency with all columns, its province with two columns (the key is added).
        var (ca, regency) = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Region = "3202" }, grant).Read(h.Scratch, ExtractFormat.Parquet);
        var (cb, province) = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["r407", "r405"], Region = "32", Format = ExtractFormat.Csv }, grant)
            .Read(h.Scratch, ExtractFormat.Csv);
        var (cc, other) = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Region = "3202" }, Grants.Caller("grant-other", Tier.Microdata))
            .Read(h.Scratch, ExtractFormat.Parquet);
        Assert.Equal(["family_id", "r401", "r407", "r405"], cb);

        Dictionary<(string, string), (string?, string?)> ByPair(List<string> columns, List<string?[]> rows)
        {
            int f = columns.IndexOf("family_id"), m = columns.IndexOf("r401"), sex = columns.IndexOf("r405"), age = columns.IndexOf("r407");
            return rows.ToDictionary(r => (r[f]!, r[m]!), r => (r[sex], r[age]));
        }
        var a = ByPair(ca, regency);
        var b = ByPair(cb, province);
        var c = ByPair(cc, other);
        Assert.True(a.Count > 100 && b.Count > a.Count, $"{a.Count} and {b.Count} persons");
        // Every person of the regency is in the province's extract under the same pair, with the same values.
        Assert.All(a, x => Assert.Equal(x.Value, b[x.Key]));
        // Under another grant: as many persons, no pair and no family pseudonym in common.
        Assert.Equal(a.Count, c.Count);
        Assert.Empty(a.Keys.Intersect(c.Keys));
        Assert.Empty(a.Keys.Select(k => k.Item1).Intersect(c.Keys.Select(k => k.Item1)));
        // And the family pseudonym is the one of the grant's keluarga extract.
        var families = h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["family_id"], Region = "3202" }, grant)
            .Read(h.Scratch, ExtractFormat.Parquet).Rows.Select(r => r[0]!).ToHashSet();
        Assert.Equal(families, a.Keys.Select(k => k.Item1).ToHashSet());
    }

    [Fact]
    public void Person_id_asked_for_by_name_is_the_per_person_pseudonym_and_nothing_is_added()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "r405"], Region = "3202" },
            Grants.Caller("grant-explicit", Tier.Microdata));
        var path = Path.Combine(h.Scratch, "explicit.parquet");
        File.WriteAllBytes(path, received.Bytes);
        Assert.Equal("FIXED_LEN_BYTE_ARRAY(16) UUIDType()", Table.ParquetTypes(path)["person_id"]);
        var (columns, rows) = Table.Read(path, ExtractFormat.Parquet);
        Assert.Equal(["person_id", "r405"], columns);
        var persons = Persons(3202);
        Assert.Equal(persons.Count, rows.Count);
        using var pseudonymizer = Grants.Keyring.ForGrant("grant-explicit");
        Assert.All(rows, r =>
        {
            Assert.True(pseudonymizer.TryReveal(r[0], out var kind, out long pid));
            Assert.Equal(IdKind.Person, kind);
            Assert.Equal(persons[pid].R405, r[1]);
        });
        Assert.Equal(rows.Count, rows.Select(r => r[0]).Distinct().Count());
    }

    [Fact]
    public void A_leaked_default_file_is_traced_to_its_grant_through_the_family_pseudonym()
    {
        using var h = new Harness(data);
        var received = h.Run(Harness.SuppressedTier3(ExtractTable.Individu, "3201", ExtractFormat.Parquet), Grants.Caller("grant-leak", Tier.Microdata));
        var file = Path.Combine(h.Scratch, "leak.parquet");
        File.WriteAllBytes(file, received.Bytes);
        string[] candidates = ["grant-a", "grant-leak", "grant-b"];

        var whole = LeakTracer.Trace(file, candidates, Grants.MasterKey);
        Assert.Equal("grant-leak", whole.GrantId);
        Assert.Equal(1.0, Assert.Single(whole.Matches).Share);

        // The leaker keeps a few columns and rows, renames the family column, writes CSV without a header.
        var cut = Path.Combine(h.Scratch, "cut.csv");
        using (var c = DuckDbSettings.Open(null))
            c.Execute($"COPY (SELECT r405, CAST(family_id AS VARCHAR) AS household, r401 FROM read_parquet('{file}') ORDER BY r405, r401 LIMIT 25) TO '{cut}' (FORMAT csv, HEADER false)");
        var part = LeakTracer.Trace(cut, candidates, Grants.MasterKey);
        Assert.Equal("grant-leak", part.GrantId);
        Assert.Equal(25, part.RowsWithPseudonyms);
        Assert.Equal(1.0, Assert.Single(part.Matches).Share);
        // Found through the renamed family column (the second of the headerless CSV), not through r405 or r401.
        var column = Assert.Single(part.FamilyColumns);
        Assert.Equal("column1", column.Column);
        Assert.Equal(column.DistinctValues, column.Opened["grant-leak"]);
    }

    [Fact]
    public void The_codebook_says_how_a_person_is_identified()
    {
        using var h = new Harness(data);
        var caller = Grants.Caller("grant-book", Tier.Microdata);
        ExtractCodebook Book(ExtractRequest request, Caller? who = null)
        {
            var plan = h.Plan(request, who ?? caller);
            var summary = h.Runner.RunAsync(plan, (_, _) => ValueTask.CompletedTask, null, default).GetAwaiter().GetResult();
            return new ExtractCodebook("job", plan, request, summary, "test");
        }
        var pair = Book(new ExtractRequest { Table = ExtractTable.Individu, Region = "3202" });
        Assert.Equal(["family_id", "r401"], pair.RowKey);
        Assert.Contains("\"row_key\": [\n    \"family_id\",\n    \"r401\"\n  ]", pair.ToJson().ReplaceLineEndings("\n"));
        Assert.Contains("(family_id, r401)", pair.ToMarkdown());
        Assert.Contains("| `family_id` | Family id (keluarga.family_id) / ID keluarga | UBIGINT |", pair.ToMarkdown());
        Assert.Contains("\"type\": \"UBIGINT\"", pair.ToJson());
        Assert.Contains("unsigned 64-bit integer, unique per family", pair.Identification);

        var person = Book(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "r405"], Region = "3202", Format = ExtractFormat.Csv });
        Assert.Equal(["person_id"], person.RowKey);
        Assert.Contains("16 bytes a record", person.ToMarkdown());
        Assert.Contains("never as a floating-point number", Book(new ExtractRequest { Table = ExtractTable.Keluarga, Region = "3202", Format = ExtractFormat.Csv }).ToMarkdown());
        Assert.DoesNotContain("floating-point", pair.ToMarkdown()); // Parquet carries the type
        Assert.Contains("| `person_id` | Person id (family_id x 100 + member sequence 401) / ID individu | VARCHAR |", person.ToMarkdown());

        Assert.Equal(["family_id"], Book(new ExtractRequest { Table = ExtractTable.Keluarga, Region = "3202" }).RowKey);
        // Tier 4 carries the real ids: no pseudonym key to explain.
        var bnba = Book(new ExtractRequest { Table = ExtractTable.Individu, Region = "3202" }, Grants.Caller("g4", Tier.Bnba, "3202"));
        Assert.Empty(bnba.RowKey);
        Assert.DoesNotContain("row_key", bnba.ToJson());
    }
}
