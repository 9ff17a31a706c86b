using DuckDB.NET.Data;
using Regsosek.DataAccess;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Extracts.KAnonymity;
using Regsosek.Schema;

namespace Regsosek.Extracts.Tests;

/// <summary>The k-anonymity report and local suppression on constructed keluarga data (quasi-identifiers: regency_code, urban_rural, r112).</summary>
public sealed class KAnonymityTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "regsosek-extract-kanon", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    /// <summary>Writes families of regency 3201 with the given (urban_rural, r112); every other column NULL.</summary>
    private string Dataset(IReadOnlyList<(int Urban, int Size)> families)
    {
        var dir = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        var path = Path.Combine(dir, DatasetLayout.PartitionPath(TableKind.Keluarga, 32, 3201));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var c = DuckDbSettings.Open(null);
        c.Execute(DataDictionary.Default.CreateTableSql(TableKind.Keluarga, "t"));
        var sql = new StringBuilder("INSERT INTO t (family_id, urban_rural, r112) VALUES ");
        for (int i = 0; i < families.Count; i++)
            sql.Append(i == 0 ? "" : ", ").Append($"({32010000000000L + i + 1}, {families[i].Urban}, {families[i].Size})");
        if (families.Count > 0) c.Execute(sql.ToString());
        c.Execute($"COPY (SELECT * EXCLUDE (prov_code, regency_code) FROM t) TO '{path}' (FORMAT parquet)");
        return dir;
    }

    private (ExtractSummary Summary, List<string> Columns, List<string?[]> Rows) Run(string dataset, KAnonymityOptions options)
    {
        var temp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(temp);
        var plan = new ExtractPlanner(DataDictionary.Default).Plan(
            new ExtractRequest { Table = ExtractTable.Keluarga, Columns = ["family_id", "regency_code", "urban_rural", "r112", "r301a"], Region = "3201", KAnonymity = options },
            Grants.Caller("g", Tier.Microdata), Grants.Now, dataset);
        var received = new Received();
        received.Summary = new ExtractRunner(Grants.Keyring, new ExtractOptions { TempRoot = temp, Threads = 1 })
            .RunAsync(plan, received.Sink).GetAwaiter().GetResult();
        var (columns, rows) = received.Read(_root, ExtractFormat.Parquet);
        return (received.Summary, columns, rows);
    }

    private static List<(int, int)> Repeat(params (int Count, int Urban, int Size)[] groups) =>
        groups.SelectMany(g => Enumerable.Repeat((g.Urban, g.Size), g.Count)).ToList();

    [Fact]
    public void Report_counts_records_and_classes_below_k_on_a_constructed_example()
    {
        // Classes (urban_rural, r112): (1,4)×5, (2,5)×4, (2,3)×2, (1,7)×1 → below k = 3: 3 records in 2 classes.
        var dataset = Dataset(Repeat((5, 1, 4), (4, 2, 5), (2, 2, 3), (1, 1, 7)));
        var (summary, _, _) = Run(dataset, new KAnonymityOptions { K = 3 });
        var report = summary.KAnonymity!;
        Assert.Equal(12, report.Records);
        Assert.Equal(3, report.RecordsBelowKBefore);
        Assert.Equal(2, report.ClassesBelowKBefore);
        Assert.Equal(3, report.RecordsBelowK);
        Assert.Equal(2, report.ClassesBelowK);
        Assert.False(report.Satisfied);
        Assert.Equal(["r112", "urban_rural", "regency_code"], report.QuasiIdentifiers);
        // Smallest first, values aligned with the quasi-identifiers (r112, urban_rural, regency_code).
        Assert.Equal(2, report.SmallestClasses.Count);
        Assert.Equal(new long?[] { 7, 1, 3201 }, report.SmallestClasses[0].Values);
        Assert.Equal(1, report.SmallestClasses[0].Size);
        Assert.Equal(new long?[] { 3, 2, 3201 }, report.SmallestClasses[1].Values);
        Assert.Equal(2, report.SmallestClasses[1].Size);
        Assert.All(report.SuppressedValues.Values, v => Assert.Equal(0, v));

        // k = 5 also catches the class of 4.
        var k5 = Run(dataset, new KAnonymityOptions { K = 5 }).Summary.KAnonymity!;
        Assert.Equal(7, k5.RecordsBelowK);
        Assert.Equal(3, k5.ClassesBelowK);
    }

    [Fact]
    public void Local_suppression_reaches_k_and_counts_the_values_it_suppressed()
    {
        // Round 1 blanks r112 of the 3 unsafe records: (1,∅)×1 and (2,∅)×2 are still below 3;
        // round 2 blanks their urban_rural: (∅,∅)×3 reaches k. regency_code is never touched.
        var dataset = Dataset(Repeat((5, 1, 4), (4, 2, 5), (2, 2, 3), (1, 1, 7)));
        var (summary, columns, rows) = Run(dataset, new KAnonymityOptions { K = 3, LocalSuppression = true });
        var report = summary.KAnonymity!;
        Assert.True(report.Satisfied);
        Assert.Equal(0, report.RecordsBelowK);
        Assert.Equal(3, report.RecordsBelowKBefore);
        Assert.Equal(3, report.SuppressedValues["r112"]);
        Assert.Equal(3, report.SuppressedValues["urban_rural"]);
        Assert.Equal(0, report.SuppressedValues["regency_code"]);
        int size = columns.IndexOf("r112"), urban = columns.IndexOf("urban_rural");
        Assert.Equal(3, rows.Count(r => r[size] is null && r[urban] is null));
        Assert.Equal(5, rows.Count(r => r[size] == "4" && r[urban] == "1"));
        Assert.Equal(12, rows.Count);
    }

    [Fact]
    public void Local_suppression_that_cannot_reach_k_blanks_everything_and_says_so()
    {
        var dataset = Dataset(Repeat((4, 1, 4), (1, 2, 3), (1, 1, 7)));
        var report = Run(dataset, new KAnonymityOptions { K = 3, LocalSuppression = true }).Summary.KAnonymity!;
        Assert.Equal(2, report.RecordsBelowK);
        Assert.False(report.Satisfied);
        Assert.Equal(new long?[] { null, null, null }, report.SmallestClasses.Single().Values);
        Assert.Equal(2, report.SuppressedValues["regency_code"]);
    }

    [Fact]
    public void Property_suppression_output_is_k_anonymous_and_the_report_agrees_with_a_recount()
    {
        var gen =
            from families in Gen.ListOf(Gen.Zip(Gen.Choose(1, 2), Gen.Choose(1, 6)))
            from k in Gen.Choose(2, 5)
            select (families.Select(f => (f.Item1, f.Item2)).ToList(), k);
        PropertyRunner.ForAll(gen.ToArbitrary(), input =>
        {
            var (families, k) = input;
            var dataset = Dataset(families);
            var (summary, columns, rows) = Run(dataset, new KAnonymityOptions { K = k, LocalSuppression = true });
            var report = summary.KAnonymity!;

            // Before: an independent count over the input.
            var before = families.GroupBy(f => f).Where(g => g.Count() < k).ToList();
            Assert.Equal(before.Sum(g => g.Count()), report.RecordsBelowKBefore);
            Assert.Equal(before.Count, report.ClassesBelowKBefore);

            // After: recount the released file.
            int[] qi = [columns.IndexOf("regency_code"), columns.IndexOf("urban_rural"), columns.IndexOf("r112")];
            var classes = rows.GroupBy(r => string.Join("|", qi.Select(i => r[i] ?? "∅"))).ToList();
            var small = classes.Where(g => g.Count() < k).ToList();
            Assert.Equal(small.Sum(g => g.Count()), report.RecordsBelowK);
            Assert.Equal(small.Count, report.ClassesBelowK);
            // Whatever is still below k has lost every quasi-identifier: suppression went as far as it can.
            Assert.All(small.SelectMany(g => g), r => Assert.All(qi, i => Assert.Null(r[i])));
            // Safe records were never touched; the suppressed counts are the NULLs in the file.
            Assert.Equal(rows.Count(r => r[qi[2]] is null), report.SuppressedValues["r112"]);
            Assert.Equal(rows.Count(r => r[qi[1]] is null), report.SuppressedValues["urban_rural"]);
            var safeBefore = families.GroupBy(f => f).Where(g => g.Count() >= k).Sum(g => g.Count());
            Assert.True(rows.Count(r => r[qi[2]] is not null) >= safeBefore);
            Assert.Equal(families.Count, rows.Count);
        }, maxTest: 15);
    }
}

/// <summary>Age bands, checked against the source through the grant's own pseudonyms.</summary>
public sealed class AgeBandTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    [Theory]
    [InlineData(AgeBanding.FiveYears, 5)]
    [InlineData(AgeBanding.TenYears, 10)]
    public void Age_becomes_the_lower_bound_of_its_band(AgeBanding banding, int width)
    {
        using var h = new Harness(data);
        var received = h.Run(new ExtractRequest
        {
            Table = ExtractTable.Individu,
            Columns = ["person_id", "r407"],
            Region = "3201",
            KAnonymity = new KAnonymityOptions { AgeBands = banding },
        }, Grants.Caller("g-age", Tier.Microdata));
        var rows = received.Read(h.Scratch, ExtractFormat.Parquet).Rows;
        using var c = DuckDbSettings.Open(null);
        var source = new Dictionary<long, int>();
        using (var r = ChunkStream.Open(c, $"SELECT person_id, CAST(r407 AS INTEGER) FROM read_parquet('{data.Directory}/individu/prov_code=32/regency_code=3201/data.parquet')"))
            while (r.Next()) for (int i = 0; i < r.RowCount; i++) source[r.Column<long>(0)[i]] = r.Column<int>(1)[i];
        using var pseudonymizer = Grants.Keyring.ForGrant("g-age");
        Assert.Equal(source.Count, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.True(pseudonymizer.TryReveal(row[0], out _, out var pid));
            Assert.Equal(source[pid] / width * width, int.Parse(row[1]!));
        });
        Assert.Equal(banding, received.Summary.KAnonymity!.AgeBands);
    }
}

/// <summary>
/// Local suppression on the class table (one row per quasi-identifier combination, weighted by its size) against
/// the record-level formulation it replaced (a window count over the records per round), on random records.
/// </summary>
public sealed class ClassTableSuppressionTests
{
    private static readonly string[] Qis = ["a", "b", "c"];

    /// <summary>
    /// Suppresses <paramref name="records"/> both ways in DuckDB and returns the two results, each as "id|a|b|c" lines,
    /// with the released file's records and classes below k counted over the suppressed records and as the report
    /// counts them from the suppressed class table. The class table is suppressed in batches of the last
    /// quasi-identifier's field values, cut after the values in <paramref name="cuts"/>.
    /// </summary>
    /// <paramref name="scale"/> multiplies every value: 2^40 spreads the three columns over 123 bits, so the key is a
    /// HUGEINT (Int128 in memory) instead of a BIGINT.
    private static (List<string> Records, List<string> Classes, long[] Recount, long[] Report, string KeyType) SuppressBothWays(
        IReadOnlyList<(int? A, int? B, int? C)> records, long k, IReadOnlySet<int> cuts, long scale = 1)
    {
        using var c = DuckDbSettings.Open(null);
        // Narrow values as SMALLINT (the release joins on the columns' own types), wide ones as BIGINT.
        var type = scale == 1 ? "SMALLINT" : "BIGINT";
        c.Execute($"CREATE TABLE stage (id INTEGER, a {type}, b {type}, c {type})");
        if (records.Count > 0)
        {
            string V(int? v) => v is { } x ? (x * scale).ToString(System.Globalization.CultureInfo.InvariantCulture) : "NULL";
            c.Execute("INSERT INTO stage VALUES " + string.Join(", ", records.Select((r, i) => $"({i}, {V(r.A)}, {V(r.B)}, {V(r.C)})")));
        }
        void Run(string sql, params long[] more)
        {
            c.Execute(sql, [new Int64Parameter(k), .. more.Select(m => new Int64Parameter(m))]);
        }
        Run(KAnonymitySql.SuppressRecords("stage", Qis, "by_records"));
        var key = ClassTable.Create(c, "stage", [], Qis, default);
        // Batches are [low, high] ranges of c's field codes (0 = NULL), cut after the i-th distinct code for i in cuts.
        var codes = new List<long>();
        using (var result = ChunkStream.Open(c, $"SELECT DISTINCT CAST({key.Field(KAnonymitySql.Key, 2)} AS BIGINT) AS v FROM {ClassTable.Name} ORDER BY v"))
            while (result.Next())
                codes.AddRange(result.Column<long>(0));
        var batches = new List<(long, long)>();
        for (int i = 0, start = 0; i < codes.Count; i++)
        {
            if (i < codes.Count - 1 && !cuts.Contains(i)) continue;
            batches.Add((codes[start], codes[i]));
            start = i + 1;
        }
        if (batches.Count == 0) batches.Add((0, 0));
        LocalSuppression.Run(c, key, k, batches, default);
        // The records are then released as the runner releases them: joined on their packed key with the changed combinations.
        var current = string.Join(", ", Qis.Select((q, i) => $"CASE WHEN m.{KAnonymitySql.Suppressed} > {i} THEN NULL ELSE r.{q} END AS {q}"));
        c.Execute($"CREATE TABLE by_classes AS SELECT r.id, {current} FROM stage AS r LEFT JOIN {KAnonymitySql.Changed(LocalSuppression.Table, key)} AS m ON {KAnonymitySql.ChangedJoin(key, "m", "r")}");
        Assert.Equal(records.Count, c.Scalar<long>("SELECT count(*) FROM by_classes"));
        List<string> Rows(string table)
        {
            var rows = new List<string>();
            using var result = ChunkStream.Open(c, $"SELECT id, CAST(a AS BIGINT), CAST(b AS BIGINT), CAST(c AS BIGINT) FROM {table} ORDER BY id");
            while (result.Next())
                for (int i = 0; i < result.RowCount; i++)
                    rows.Add(string.Join("|", Enumerable.Range(0, 4).Select(col =>
                        result.IsValid(col, i) ? (col == 0 ? result.Column<int>(col)[i] : result.Column<long>(col)[i]).ToString(System.Globalization.CultureInfo.InvariantCulture) : "∅")));
            return rows;
        }
        long[] Pair(string sql)
        {
            using var result = ChunkStream.Open(c, sql, [new Int64Parameter(k)]);
            Assert.True(result.Next());
            return [result.Column<long>(0)[0], result.Column<long>(1)[0]];
        }
        var recount = Pair("SELECT CAST(coalesce(sum(n), 0) AS BIGINT), CAST(count(*) AS BIGINT) FROM " +
                           "(SELECT count(*) AS n FROM by_records GROUP BY a, b, c) WHERE n < $1");
        var report = Pair(KAnonymitySql.BelowKAfter(KAnonymitySql.ReleasedClasses(LocalSuppression.Table, suppressed: true)));
        return (Rows("by_records"), Rows("by_classes"), recount, report, key.SqlType);
    }

    [Fact]
    public void Property_class_table_suppression_in_any_batches_gives_every_record_the_same_values_as_the_window_formulation()
    {
        // Small domains with NULLs, so classes collide and suppression runs several rounds.
        var value = Gen.Frequency((1, Gen.Constant<int?>(null)), (6, Gen.Choose(1, 4).Select(v => (int?)v)));
        var gen =
            from records in Gen.ListOf(
                from a in value
                from b in value
                from c in value
                select (A: a, B: b, C: c))
            from k in Gen.Choose(2, 6)
            from cuts in Gen.SubListOf(new[] { 0, 1, 2, 3 })
            from wide in Gen.Elements(false, true)
            select (records.ToList(), k, cuts.ToHashSet(), wide);
        PropertyRunner.ForAll(gen.ToArbitrary(), input =>
        {
            var (records, k, cuts, wide) = input;
            var (byRecords, byClasses, recount, report, keyType) = SuppressBothWays(records, k, cuts, wide ? 1L << 40 : 1);
            Assert.Equal(records.Count, byClasses.Count);
            Assert.Equal(byRecords, byClasses);
            Assert.Equal(recount, report);
            // Two columns with a spread of 2^40 or more need more than 62 bits between them.
            int spread = new[] { records.Select(r => r.A), records.Select(r => r.B), records.Select(r => r.C) }
                .Count(column => column.Where(v => v is not null).Distinct().Count() > 1);
            Assert.Equal(wide && spread >= 2 ? "HUGEINT" : "BIGINT", keyType);
        }, maxTest: 80);
    }

    [Fact]
    public void Class_table_report_counts_agree_with_a_recount_of_the_records()
    {
        // (1,1,1)×4, (1,1,2)×1, (1,2,2)×2, (∅,1,1)×1 with k = 3: 4 records in 3 classes below k; 7 non-NULL a.
        using var c = DuckDbSettings.Open(null);
        c.Execute("CREATE TABLE stage (a INTEGER, b INTEGER, c INTEGER)");
        c.Execute("INSERT INTO stage VALUES (1,1,1),(1,1,1),(1,1,1),(1,1,1),(1,1,2),(1,2,2),(1,2,2),(NULL,1,1)");
        var key = ClassTable.Create(c, "stage", [], Qis, default);
        long[] Pair(string sql)
        {
            using var result = ChunkStream.Open(c, sql, [new Int64Parameter(3)]);
            Assert.True(result.Next());
            return [result.Column<long>(0)[0], result.Column<long>(1)[0]];
        }
        Assert.Equal(new long[] { 4, 3 }, Pair(KAnonymitySql.BelowKBefore("classes")));
        Assert.Equal(new long[] { 4, 3 }, Pair(KAnonymitySql.BelowKAfter(KAnonymitySql.ReleasedClasses("classes", suppressed: false))));
        Assert.Equal(7L, c.Scalar<long>(KAnonymitySql.NonNullCounts("classes", KAnonymitySql.Key, key)));
    }
}

/// <summary>
/// A tier-3 extract whose changed combinations exceed one release batch is released batch by batch of regencies (each
/// joined with its own changed combinations, then one sort): the same file as the release in one statement.
/// </summary>
public sealed class ReleaseBatchTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    [Theory]
    [InlineData(ExtractTable.Individu, ExtractFormat.Csv)]
    [InlineData(ExtractTable.IndividuWithKeluarga, ExtractFormat.Csv)]
    [InlineData(ExtractTable.Individu, ExtractFormat.Parquet)]
    public void Releasing_in_batches_gives_the_same_file_as_one_statement(ExtractTable table, ExtractFormat format)
    {
        var request = Harness.SuppressedTier3(table, "32", format);
        var caller = Grants.Caller("g-batches", Tier.Microdata);
        using var one = new Harness(data);
        using var many = new Harness(data, releaseJoinCombinations: 5);
        var a = one.Run(request, caller);
        var b = many.Run(request, caller);
        Assert.True(a.Summary.KAnonymity!.SuppressedValues.Values.Sum() > 10, "suppression must change enough combinations for several batches");
        Assert.Equal(a.Summary.Rows, b.Summary.Rows);
        Harness.AssertSameFile(format, a, one, b, many);
        Assert.Equal(a.Summary.KAnonymity.SuppressedValues, b.Summary.KAnonymity!.SuppressedValues);
    }
}

/// <summary>
/// Tier-3 files are in pseudonym order (family, then person), and DuckDB's sort gives the same file whether it runs in
/// memory or under a memory limit small enough to make it spill (CSV: byte for byte; Parquet: the same rows in order).
/// </summary>
public sealed class SortOrderTests(DatasetFixture data) : IClassFixture<DatasetFixture>
{
    [Theory]
    [InlineData(ExtractTable.Individu, ExtractFormat.Parquet)]
    [InlineData(ExtractTable.Individu, ExtractFormat.Csv)]
    [InlineData(ExtractTable.Keluarga, ExtractFormat.Csv)]
    public void The_file_is_in_pseudonym_order_whatever_the_memory_limit(ExtractTable table, ExtractFormat format)
    {
        var request = Harness.SuppressedTier3(table, "32", format);
        var caller = Grants.Caller("g-runs", Tier.Microdata);
        using var one = new Harness(data, memoryLimit: "1GB");
        using var many = new Harness(data, memoryLimit: "24MB");
        var a = one.Run(request, caller);
        var b = many.Run(request, caller);
        Assert.True(a.Summary.Rows > 100, "the fixture must have rows to order");
        Assert.Equal(a.Summary.Rows, b.Summary.Rows);
        Harness.AssertSameFile(format, a, one, b, many);
        Assert.Equal(a.Summary.KAnonymity!.SuppressedValues, b.Summary.KAnonymity!.SuppressedValues);
        // And the rows are in the order of the family pseudonym (an unsigned 64-bit integer, in every format), then of
        // the member number r401; the pair is unique, and so is the family pseudonym of a keluarga row.
        var (columns, rows) = b.Read(many.Scratch, format);
        int family = columns.IndexOf("family_id"), member = columns.IndexOf("r401");
        Assert.DoesNotContain("person_id", columns);
        Assert.Equal(table != ExtractTable.Keluarga, member >= 0);
        var keys = rows.Select(r => (Family: ulong.Parse(r[family]!, System.Globalization.CultureInfo.InvariantCulture), Member: member >= 0 ? int.Parse(r[member]!) : 0)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(keys.OrderBy(x => x.Family).ThenBy(x => x.Member), keys);
    }
}
