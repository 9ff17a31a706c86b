using System.Globalization;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.DataAccess;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// The 64-bit family pseudonym: a keyed Feistel permutation of (17-bit tag ‖ 47-bit family id) under the grant key
/// (GrantPseudonymizer.FamilyPseudonyms), released as family_id (UBIGINT) at tier 3.
/// </summary>
public sealed class FamilyPseudonymTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Family ids anywhere in [0, 2^47), the edges included.</summary>
    private static Gen<long> FamilyIds47 =>
        Gen.OneOf(
            Gen.Choose(0, int.MaxValue).Two().Select(t => (((long)t.Item1 << 16) ^ t.Item2) & (GrantPseudonymizer.FamilyIdLimit - 1)),
            Gen.Elements(0L, 1L, GrantPseudonymizer.FamilyIdLimit - 1, 3201_0000000001L, 9471_9999999999L));

    [Fact]
    public void Property_the_family_pseudonym_round_trips_under_its_key_and_differs_under_another()
    {
        var gen =
            from n in Gen.Choose(1, 300)
            from ids in Gen.ListOf(FamilyIds47, n)
            from keyA in Gen.Choose(0, int.MaxValue)
            from keyB in Gen.Choose(0, int.MaxValue)
            select (Ids: ids.Distinct().ToArray(), KeyA: keyA, KeyB: keyB);
        PropertyRunner.ForAll(gen.ToArbitrary(), t =>
        {
            // Two unrelated master keys (random keys drawn from the case), one grant each.
            var masterA = SHA256.HashData(BitConverter.GetBytes(t.KeyA));
            var masterB = SHA256.HashData(BitConverter.GetBytes(~(long)t.KeyB));
            using var a = new PseudonymKeyring(masterA).ForGrant("grant-a");
            using var a2 = new PseudonymKeyring(masterA).ForGrant("grant-a");
            using var b = new PseudonymKeyring(masterB).ForGrant("grant-a");
            var pa = new ulong[t.Ids.Length];
            a.FamilyPseudonyms(t.Ids, pa);
            // Injective: distinct families, distinct pseudonyms.
            Assert.Equal(t.Ids.Length, pa.Distinct().Count());
            // Deterministic, and the batch agrees with one id at a time.
            Assert.Equal(pa, t.Ids.Select(a2.FamilyPseudonym));
            // The key inverts it: the plaintext is the tag above the id.
            var back = pa.ToArray();
            a.DecryptFamilies(back);
            for (int i = 0; i < t.Ids.Length; i++)
            {
                Assert.Equal((ulong)t.Ids[i], back[i] & (GrantPseudonymizer.FamilyIdLimit - 1));
                Assert.Equal(back[0] >> GrantPseudonymizer.FamilyIdBits, back[i] >> GrantPseudonymizer.FamilyIdBits);
                Assert.NotEqual(0UL, back[i] >> GrantPseudonymizer.FamilyIdBits);
            }
            // Another key: other pseudonyms, and the first one does not decrypt to its plaintext.
            var pb = new ulong[t.Ids.Length];
            b.FamilyPseudonyms(t.Ids, pb);
            Assert.NotEqual(pa[0], pb[0]);
            Assert.True(pa.Zip(pb).Count(x => x.First == x.Second) <= 1);
            var wrong = pa.ToArray();
            b.DecryptFamilies(wrong);
            Assert.NotEqual(back[0], wrong[0]);
        }, maxTest: 200);
    }

    /// <summary>
    /// The records of a family come together, so FamilyPseudonyms enciphers each run of equal ids once and spreads it
    /// back: over runs of any length (a family seen again later, runs across the 2,048-id batches, one long run), every
    /// position gets exactly its own id's pseudonym, as one id at a time gives it.
    /// </summary>
    [Fact]
    public void Property_runs_of_equal_ids_get_each_id_its_own_pseudonym()
    {
        var gen =
            from runs in Gen.Choose(1, 600)
            from pool in Gen.ListOf(FamilyIds47, 40)
            from lengths in Gen.ListOf(Gen.Frequency((20, Gen.Choose(1, 6)), (1, Gen.Choose(7, 2500))), runs)
            from picks in Gen.ListOf(Gen.Choose(0, 39), runs)
            select lengths.Zip(picks, (length, pick) => Enumerable.Repeat(pool[pick], length)).SelectMany(x => x).ToArray();
        using var one = new PseudonymKeyring(new byte[32]).ForGrant("grant-runs");
        using var bulk = new PseudonymKeyring(new byte[32]).ForGrant("grant-runs");
        PropertyRunner.ForAll(gen.ToArbitrary(), ids =>
        {
            var got = new ulong[ids.Length + 1];
            got[^1] = 42; // one past the ids: never written
            bulk.FamilyPseudonyms(ids, got);
            Assert.Equal(ids.Select(one.FamilyPseudonym), got[..^1]);
            Assert.Equal(42UL, got[^1]);
        }, 40);
    }

    [Fact]
    public void Property_plausible_family_ids_are_revealed_under_their_grant_only()
    {
        var gen =
            from regency in Gen.Choose(1101, 9999)
            from sequence in Gen.Choose(0, int.MaxValue)
            from grantB in Gen.Elements("g-2", "g-3", "Bappeda-32")
            select (Id: regency * 10_000_000_000L + sequence, GrantB: grantB);
        PropertyRunner.ForAll(gen.ToArbitrary(), t =>
        {
            using var a = Grants.Keyring.ForGrant("g-1");
            using var b = Grants.Keyring.ForGrant(t.GrantB);
            var p = a.FamilyPseudonym(t.Id);
            Assert.True(a.TryRevealFamily(p, out long id));
            Assert.Equal(t.Id, id);
            Assert.NotEqual(p, (ulong)t.Id);
            Assert.NotEqual(p, b.FamilyPseudonym(t.Id));
        }, maxTest: 300);
    }

    [Fact]
    public void Another_grants_key_opens_about_one_value_in_2_to_the_17()
    {
        // 2^20 random 64-bit values: under a key that did not make them, about 2^20 × 2^-17 × 0.63 (the plausible share
        // of 47-bit ids: regency 1101–9999) ≈ 5 open; far fewer than the thresholds of LeakTracer need.
        using var g = Grants.Keyring.ForGrant("g-1");
        var values = new ulong[1 << 20];
        var bytes = new byte[values.Length * 8];
        new Random(20221015).NextBytes(bytes);
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        g.DecryptFamilies(values);
        int opened = values.Count(v => GrantPseudonymizer.IsFamilyPlaintext(v, out _));
        Assert.InRange(opened, 0, 20);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(1L << 47)]
    [InlineData((1L << 47) + 3201_0000000001L)]
    public void An_id_outside_47_bits_is_refused_never_wrapped(long id)
    {
        using var g = Grants.Keyring.ForGrant("g");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => g.FamilyPseudonym(id));
        Assert.Contains($"family id {id.ToString(Inv)} is outside [0, 2^47)", e.Message);
        // In a batch, nothing is written: one bad id fails it whole.
        var output = new ulong[3];
        Assert.Throws<ArgumentOutOfRangeException>(() => g.FamilyPseudonyms([3201_0000000001L, id, 5], output));
        Assert.Equal(new ulong[3], output);
        // The edges of the domain are accepted.
        Assert.True(g.TryRevealFamily(g.FamilyPseudonym(3201_0000000001L), out long ok) && ok == 3201_0000000001L);
        g.FamilyPseudonym(0);
        g.FamilyPseudonym(GrantPseudonymizer.FamilyIdLimit - 1);
    }
}

/// <summary>A family id outside [0, 2^47) in the data fails the extract (fail closed), with the id in the error.</summary>
public sealed class FamilyIdOutOfRangeTests
{
    [Theory]
    [InlineData(ExtractFormat.Parquet)]
    [InlineData(ExtractFormat.Csv)]
    public void An_extract_over_a_family_id_of_48_bits_fails_and_sends_nothing(ExtractFormat format)
    {
        // Regency 3201's 7th family id is 2^47 + its regular id: 48 bits.
        using var data = new GeneratedFixture([(3201, 30)], "i + CASE WHEN i = 7 THEN 140737488355328 ELSE 0 END");
        using var h = new Harness(data);
        var e = Assert.ThrowsAny<Exception>(() => h.Run(new ExtractRequest { Table = ExtractTable.Individu, Region = "3201", Format = format },
            Grants.Caller("grant-range", Tier.Microdata)));
        var all = string.Join(" | ", Chain(e).Select(x => x.Message));
        Assert.Contains("outside [0, 2^47)", all);
        Assert.Contains((32010000000007L + (1L << 47)).ToString(CultureInfo.InvariantCulture), all);
        Assert.Empty(Directory.EnumerateFileSystemEntries(h.TempRoot));

        // Tier 4 carries the real id and is not affected.
        var bnba = h.Run(new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["family_id"], Region = "3201", Format = format },
            Grants.Caller("g4", Tier.Bnba, "3201"));
        Assert.Equal(30, bnba.Summary.Rows);
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x;
    }
}

/// <summary>
/// Over generated datasets (family ids of any sequence, sparse or near the regency's 10^10 limit): in a tier-3 extract
/// no two families share a pseudonym, each family has exactly one, and (family_id, r401) is unique.
/// </summary>
public sealed class FamilyPseudonymExtractTests
{
    [Fact]
    public void Property_distinct_families_never_share_a_pseudonym_and_each_has_one()
    {
        var gen =
            from families in Gen.Choose(20, 150)
            from stride in Gen.Choose(1, 50_000_000)
            from offset in Gen.Choose(0, 1_000_000)
            select (Families: families, Stride: (long)stride, Offset: (long)offset);
        PropertyRunner.ForAll(gen.ToArbitrary(), t =>
        {
            // Sequences offset + i × stride, kept below 10^10 (the regency's block).
            var sequence = $"({t.Offset} + i * {t.Stride}) % 9999999999 + 1";
            using var data = new GeneratedFixture([(3201, t.Families), (3202, 15)], sequence);
            using var h = new Harness(data);
            var received = h.Run(new ExtractRequest { Table = ExtractTable.Individu, Columns = ["r405"], Region = "32", Format = ExtractFormat.Csv },
                Grants.Caller("grant-gen", Tier.Microdata));
            var (columns, rows) = received.Read(h.Scratch, ExtractFormat.Csv);
            Assert.Equal(["family_id", "r401", "r405"], columns);
            Assert.Equal(rows.Count, rows.Select(r => (r[0], r[1])).Distinct().Count());

            using var real = DuckDbSettings.Open(null);
            var persons = new HashSet<long>();
            using (var r = ChunkStream.Open(real, $"SELECT CAST(person_id AS VARCHAR) FROM read_parquet('{data.Directory}/individu/*/*/data.parquet')"))
                while (r.Next())
                    for (int i = 0; i < r.RowCount; i++)
                        persons.Add(long.Parse(r.String(0, i), CultureInfo.InvariantCulture));
            Assert.Equal(persons.Count, rows.Count);

            using var key = Grants.Keyring.ForGrant("grant-gen");
            var familyOf = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                long family = FamilyIds.Open(key, row[0]);
                // One pseudonym, one family: the same pseudonym always opens to the same id …
                Assert.Equal(family, familyOf.TryGetValue(row[0]!, out var seen) ? seen : familyOf[row[0]!] = family);
                Assert.Contains(family * 10 + int.Parse(row[1]!, CultureInfo.InvariantCulture), persons);
            }
            // … and no two pseudonyms open to the same family: as many pseudonyms as families.
            Assert.Equal(data.Families(), familyOf.Count);
            Assert.Equal(familyOf.Count, familyOf.Values.Distinct().Count());
        }, maxTest: 4);
    }
}
