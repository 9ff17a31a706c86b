using DuckDB.NET.Data;
using Regsosek.DataAccess;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Extracts.Pseudonyms;
using Regsosek.Schema;

namespace Regsosek.Extracts.Tests;

/// <summary>Extracts run end to end over a small dataset.</summary>
public sealed class ExtractRunTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    private static readonly HashSet<string> Identity = DataDictionary.Default.Variables.Where(v => v.Identity).Select(v => v.Column).ToHashSet();

    /// <summary>A random tier-3 request: a table, a random column subset or "all columns", random filters, a format.</summary>
    private static Arbitrary<ExtractRequest> Tier3Requests()
    {
        var gen =
            from table in Gen.Elements(ExtractTable.Keluarga, ExtractTable.Individu, ExtractTable.IndividuWithKeluarga)
            from all in Gen.Elements(true, false)
            from picks in Gen.ListOf(Gen.Choose(0, 1000), 8)
            from filterPicks in Gen.ListOf(Gen.Choose(0, 1000), 2)
            from format in Gen.Elements(ExtractFormat.Parquet, ExtractFormat.Csv)
            from regency in Gen.Elements("3201", "3202")
            select Build(table, all, picks.ToList(), filterPicks.ToList(), format, regency);
        return gen.ToArbitrary();
    }

    private static ExtractRequest Build(ExtractTable table, bool all, List<int> picks, List<int> filterPicks, ExtractFormat format, string regency)
    {
        // Columns a tier-3 user may name (identity variables and fine geography are refused, tested elsewhere).
        var source = ExtractPlanner.ExtractSource.Of(table, DataDictionary.Default).Columns.Select(c => c.Variable)
            .Where(v => !v.Identity && v.MinTier <= Tier.Microdata).ToList();
        var columns = all ? [] : picks.Select(p => source[p % source.Count].Column).Distinct().ToList();
        var coded = source.Where(v => v.HasCodes && !v.MultiSelectSum).ToList();
        var filters = filterPicks.Select(p =>
        {
            var v = coded[p % coded.Count];
            return new ExtractFilter(v.Column, Codes: v.Codes.Where((c, i) => (i + p) % 2 == 0).Select(c => (long)c.Code).ToList());
        }).GroupBy(f => f.Column).Select(g => g.First()).ToList();
        return new ExtractRequest { Table = table, Columns = columns, Filters = filters, Format = format, Region = regency };
    }

    [Fact]
    public void Tier3_outputs_have_no_identity_no_fine_geography_and_grant_scoped_pseudonyms()
    {
        using var h = new Harness(data);
        var grantA = Grants.Caller("grant-A", Tier.Microdata);
        var grantB = Grants.Caller("grant-B", Tier.Microdata);
        PropertyRunner.ForAll(Tier3Requests(), request =>
        {
            // Ask for the ids too, so that pseudonyms can be compared.
            var withIds = request.Columns.Count == 0 ? request
                : request with { Columns = request.Columns.Where(c => c is not ("person_id" or "family_id")).Prepend("family_id").ToList() };
            var a1 = h.Run(withIds, grantA);
            var a2 = h.Run(withIds, grantA);
            var b = h.Run(withIds, grantB);
            var (columns, rows) = a1.Read(h.Scratch, request.Format);

            Assert.DoesNotContain(columns, c => Identity.Contains(c));
            Assert.DoesNotContain(columns, c => c is "district_code" or "village_code" or "r406");
            Assert.Equal(a1.Summary.Rows, rows.Count);
            int regency = columns.IndexOf("regency_code");
            if (regency >= 0) Assert.All(rows, r => Assert.Equal(request.Region, r[regency]));

            int fid = columns.IndexOf("family_id");
            Assert.True(fid >= 0);
            // No person pseudonym unless asked for by name (never here); a person row is keyed by (family pseudonym, r401), unique.
            Assert.DoesNotContain("person_id", columns);
            if (request.Table != ExtractTable.Keluarga)
            {
                int member = columns.IndexOf("r401");
                Assert.True(member >= 0);
                Assert.Equal(rows.Count, rows.Select(r => (r[fid], r[member])).Distinct().Count());
            }
            var pa = rows.Select(r => r[fid]!).ToList();
            // The 64-bit family pseudonym: decimal digits of a UBIGINT that open under grant A's key to a family of the
            // region; no raw id (regency × 10^10 + n) survives.
            using var keyA = Grants.Keyring.ForGrant("grant-A");
            Assert.All(pa, p =>
            {
                Assert.Matches("^[0-9]{1,20}$", p);
                Assert.StartsWith(request.Region, FamilyIds.Open(keyA, p).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.DoesNotContain(request.Region + "000000", p);
            });
            // Same grant, same request: byte-identical file; another grant: no pseudonym in common.
            Assert.Equal(a1.Summary.Sha256, a2.Summary.Sha256);
            var pb = b.Read(h.Scratch, request.Format).Rows.Select(r => r[fid]!).ToHashSet();
            if (pa.Count > 0) Assert.Empty(pb.Intersect(pa));
            Assert.Equal(pa.Distinct().Count(), pb.Count);
        }, maxTest: 12);
    }

    [Fact]
    public void Tier3_row_count_matches_an_independent_count_of_the_filtered_records()
    {
        using var h = new Harness(data);
        var request = new ExtractRequest
        {
            Table = ExtractTable.Individu,
            Columns = ["r405", "r407"],
            Region = "3201",
            Filters = [new ExtractFilter("r405", Codes: [2]), new ExtractFilter("r407", Min: 15, Max: 64)],
        };
        var received = h.Run(request, Grants.Caller("g", Tier.Microdata));
        var expected = Table.Scalar(
            $"SELECT count(*) FROM read_parquet('{data.Directory}/individu/prov_code=32/regency_code=3201/data.parquet') WHERE r405 = 2 AND r407 BETWEEN 15 AND 64");
        Assert.True(expected > 0);
        Assert.Equal(expected, received.Summary.Rows);
        var (columns, rows) = received.Read(h.Scratch, ExtractFormat.Parquet);
        Assert.Equal(["family_id", "r401", "r405", "r407"], columns); // the person key first
        Assert.All(rows, r => { Assert.Equal("2", r[2]); Assert.InRange(int.Parse(r[3]!), 15, 64); });
    }

    [Fact]
    public void Person_pseudonyms_link_a_persons_family_across_the_grants_keluarga_and_individu_extracts()
    {
        using var h = new Harness(data);
        var caller = Grants.Caller("grant-link", Tier.Microdata);
        var persons = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["person_id", "family_id"], Region = "3202" }, caller)
            .Read(h.Scratch, ExtractFormat.Parquet).Rows;
        var families = h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["family_id"], Region = "3202" }, caller)
            .Read(h.Scratch, ExtractFormat.Parquet).Rows.Select(r => r[0]).ToHashSet();
        Assert.Equal(data.Families(3202), families.Count);
        Assert.All(persons, p => Assert.Contains(p[1], families));
        Assert.Empty(persons.Select(p => p[0]).Intersect(families));
        // Each pseudonym decrypts, under this grant's key, to the right kind of id.
        using var pseudonymizer = Grants.Keyring.ForGrant("grant-link");
        Assert.All(persons, p =>
        {
            Assert.True(pseudonymizer.TryReveal(p[0], out var kind, out var pid));
            Assert.Equal(IdKind.Person, kind);
            Assert.Equal(FamilyIds.Open(pseudonymizer, p[1]), pid / 10); // the fixture's person ids are family id × 10 + member number
        });
    }

    [Fact]
    public void Tier4_sees_identity_columns_and_villages_with_real_ids()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Region = "3201", Format = ExtractFormat.Csv },
            Grants.Caller("g4", Tier.Bnba, "3201"));
        var (columns, rows) = received.Read(h.Scratch, ExtractFormat.Csv);
        Assert.Equal(DataDictionary.Default.Columns(TableKind.Individu).Select(v => v.Column), columns);
        Assert.Null(received.Summary.KAnonymity);
        int pid = columns.IndexOf("person_id"), nik = columns.IndexOf("r403"), village = columns.IndexOf("village_code");
        Assert.All(rows, r =>
        {
            Assert.Equal("r403-" + r[pid], r[nik]);
            Assert.StartsWith("3201", r[village]);
            Assert.Equal(10, r[village]!.Length);
        });
        Assert.Equal(Licences.Bnba, received.Summary.Licence);
    }

    [Fact]
    public void Tier4_village_region_extracts_only_that_village()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["village_code"], Region = "3201012001" },
            Grants.Caller("g4", Tier.Bnba, "3201"));
        var rows = received.Read(h.Scratch, ExtractFormat.Parquet).Rows;
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("3201012001", r[0]));
    }

    [Fact]
    public void Joined_table_has_one_row_per_person_with_the_family_columns()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.IndividuWithKeluarga, Columns = ["person_id", "r405", "r112", "r301a"], Region = "3202" },
            Grants.Caller("g4", Tier.Bnba, "32"));
        var rows = received.Read(h.Scratch, ExtractFormat.Parquet).Rows;
        var persons = Table.Scalar($"SELECT count(*) FROM read_parquet('{data.Directory}/individu/prov_code=32/regency_code=3202/data.parquet')");
        Assert.Equal(persons, rows.Count);
        Assert.Equal(persons, rows.Select(r => r[0]).Distinct().Count());
        Assert.All(rows, r => Assert.NotNull(r[3]));
    }

    [Fact]
    public void Chunks_are_bounded_and_their_sha256_is_the_summarys()
    {
        using var h = new Harness(data, chunkBytes: 4096);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Region = "32", Format = ExtractFormat.Csv },
            Grants.Caller("g4", Tier.Bnba, "32"));
        Assert.True(received.Chunks.Count > 3);
        Assert.All(received.Chunks, c => Assert.InRange(c.Length, 1, 4096));
        Assert.All(received.Chunks.SkipLast(1), c => Assert.Equal(4096, c.Length));
        var bytes = received.Bytes;
        Assert.Equal(bytes.Length, received.Summary.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), received.Summary.Sha256);
        Assert.Empty(Directory.GetFileSystemEntries(h.TempRoot));
    }

    [Fact]
    public void Chunks_larger_than_one_mebibyte_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ExtractRunner(Grants.Keyring, new ExtractOptions { ChunkBytes = ExtractOptions.MaxChunkBytes + 1 }));
    }

    [Fact]
    public async Task The_audit_hook_sees_the_final_checksum_before_any_byte_and_can_stop_the_extract()
    {
        using var h = new Harness(data, chunkBytes: 1024);
        var plan = h.Plan(new ExtractRequest { Table = ExtractTable.Keluarga, Region = "3201" }, Grants.Caller("g", Tier.Microdata));
        var received = new Received();
        ExtractSummary? announced = null;
        var summary = await h.Runner.RunAsync(plan, received.Sink, (s, _) =>
        {
            Assert.Empty(received.Chunks);
            announced = s;
            return ValueTask.CompletedTask;
        });
        Assert.Equal(summary.Sha256, announced!.Sha256);
        Assert.Equal(summary.Bytes, announced.Bytes);

        var blocked = new Received();
        await Assert.ThrowsAsync<IOException>(() => h.Runner.RunAsync(plan, blocked.Sink, (_, _) => throw new IOException("audit store down")));
        Assert.Empty(blocked.Chunks);
        Assert.Empty(Directory.GetFileSystemEntries(h.TempRoot));
    }

    [Fact]
    public void Cancellation_mid_stream_throws_and_leaves_no_temp_files()
    {
        using var h = new Harness(data, chunkBytes: 2048);
        using var cts = new CancellationTokenSource();
        var plan = h.Plan(new ExtractRequest { Table = ExtractTable.Individu, Region = "32", Format = ExtractFormat.Csv }, Grants.Caller("g", Tier.Microdata));
        int chunks = 0;
        bool sawFiles = false;
        ValueTask Sink(ReadOnlyMemory<byte> chunk, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            sawFiles |= Directory.GetFileSystemEntries(h.TempRoot).Length > 0;
            if (++chunks == 2) cts.Cancel();
            return ValueTask.CompletedTask;
        }
        Assert.ThrowsAny<OperationCanceledException>(() => h.Runner.RunAsync(plan, Sink, null, cts.Token).GetAwaiter().GetResult());
        Assert.True(sawFiles, "the extract's temp directory existed while streaming");
        Assert.Equal(2, chunks);
        Assert.Empty(Directory.GetFileSystemEntries(h.TempRoot));
    }

    [Fact]
    public void Cancellation_before_the_query_throws_and_leaves_no_temp_files()
    {
        using var h = new Harness(data);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var plan = h.Plan(new ExtractRequest { Region = "3201" }, Grants.Caller("g", Tier.Microdata));
        Assert.ThrowsAny<OperationCanceledException>(() => h.Runner.RunAsync(plan, new Received().Sink, null, cts.Token).GetAwaiter().GetResult());
        Assert.Empty(Directory.GetFileSystemEntries(h.TempRoot));
    }

    [Fact]
    public async Task Region_predicates_prune_partitions_so_other_regencies_files_are_never_read()
    {
        // A copy of the dataset whose 3301 partition is not Parquet at all: an extract of 3201 must not touch it.
        using var h = new Harness(data);
        var copy = CopyOfDataset(h);
        File.WriteAllText(Path.Combine(copy, DatasetLayout.PartitionPath(TableKind.Individu, 33, 3301)), "not parquet");
        var planner = new ExtractPlanner(DataDictionary.Default);
        var caller = Grants.Caller("g", Tier.Microdata, "");
        var ok = planner.Plan(new ExtractRequest { Region = "3201" }, caller, Grants.Now, copy);
        var received = new Received();
        var summary = await h.Runner.RunAsync(ok, received.Sink);
        Assert.True(summary.Rows > 0);
        var bad = planner.Plan(new ExtractRequest { Region = "33" }, caller, Grants.Now, copy);
        await Assert.ThrowsAnyAsync<Exception>(() => h.Runner.RunAsync(bad, new Received().Sink));
        Assert.Empty(Directory.GetFileSystemEntries(h.TempRoot));
    }

    [Fact]
    public async Task With_the_partitions_listed_an_extract_reads_only_its_regency_and_gives_the_same_bytes_and_an_empty_region_is_empty()
    {
        using var h = new Harness(data);
        var copy = CopyOfDataset(h);
        var planner = new ExtractPlanner(DataDictionary.Default);
        var caller = Grants.Caller("g", Tier.Microdata, "");
        var request = new ExtractRequest { Region = "3201" };
        var scanned = DatasetPartitions.Scan(copy);

        var wide = await h.Runner.RunAsync(planner.Plan(request, caller, Grants.Now, copy), new Received().Sink);
        var narrowPlan = planner.Plan(request, caller, Grants.Now, scanned);
        Assert.Contains(narrowPlan.Parameters, p => p is StringParameter { Value: var g } && g.EndsWith("/prov_code=32/regency_code=3201/*.parquet", StringComparison.Ordinal));
        var narrow = await h.Runner.RunAsync(narrowPlan, new Received().Sink);
        Assert.Equal(wide.Rows, narrow.Rows);
        Assert.Equal(wide.Sha256, narrow.Sha256);

        // A region with no partition in this dataset: the whole-table glob, an empty extract rather than an error.
        var emptyPlan = planner.Plan(new ExtractRequest { Region = "3204" }, caller, Grants.Now, scanned);
        Assert.Contains(emptyPlan.Parameters, p => p is StringParameter { Value: var g } && g.EndsWith("/prov_code=*/regency_code=*/*.parquet", StringComparison.Ordinal));
        Assert.Equal(0, (await h.Runner.RunAsync(emptyPlan, new Received().Sink)).Rows);
        Assert.Empty(Directory.GetFileSystemEntries(h.TempRoot));
    }

    /// <summary>A copy of the fixture's Parquet files in the harness's scratch directory, for tests that alter it.</summary>
    private string CopyOfDataset(Harness h)
    {
        var copy = Path.Combine(h.Scratch, "dataset");
        foreach (var file in Directory.GetFiles(data.Directory, "*.parquet", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(data.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    [Fact]
    public void Parquet_extracts_carry_their_licence_in_the_file_metadata()
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Region = "3201" }, Grants.Caller("g", Tier.Microdata));
        var path = Path.Combine(h.Scratch, "licence.parquet");
        File.WriteAllBytes(path, received.Bytes);
        using var c = DuckDbSettings.Open(null);
        var licence = c.Scalar<string>($"SELECT decode(value) FROM parquet_kv_metadata('{path}') WHERE decode(key) = 'licence'");
        Assert.Equal(Licences.Microdata, licence);
        Assert.Equal(Licences.Microdata, received.Summary.Licence);
        Assert.Equal(Licences.Attribution, received.Summary.Attribution);
    }
}
