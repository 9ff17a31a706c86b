using Regsosek.DataAccess;
using System.Globalization;
using Regsosek.Schema;

namespace Regsosek.Generator.Tests;

/// <summary>Properties of a generated national dataset of 1,000,000 persons (generated once for the class).</summary>
public class NationalDatasetTests(NationalDataset data) : IClassFixture<NationalDataset>
{
    private readonly DuckDB.NET.Data.DuckDBConnection _con = data.Connection;

    // BPS mid-2022 estimates (thousands) as in the brief; the 2022 Papua split approximated as the brief says.
    private static readonly Dictionary<int, double> Bps = new()
    {
        [11] = 5407.9, [12] = 15115.2, [13] = 5640.6, [14] = 6614.4, [15] = 3631.1, [16] = 8657.0, [17] = 2060.0, [18] = 9176.5,
        [19] = 1482.0, [21] = 2179.8, [31] = 10679.9, [32] = 49405.8, [33] = 37032.4, [34] = 3712.9, [35] = 41150.0, [36] = 12252.0,
        [51] = 4346.2, [52] = 5473.7, [53] = 5466.3, [61] = 5541.4, [62] = 2702.2, [63] = 4162.5, [64] = 3859.8, [65] = 713.6,
        [71] = 2659.5, [72] = 3066.1, [73] = 9225.7, [74] = 2704.7, [75] = 1180.9, [76] = 1451.9, [81] = 1881.7, [82] = 1317.8,
        [91] = 1060 * 4418.6 / 4420, [93] = 530 * 4418.6 / 4420, [94] = 1430 * 4418.6 / 4420, [95] = 1400 * 4418.6 / 4420,
        [92] = 560, [96] = 596.8,
    };

    [Fact]
    public void The_run_reports_exactly_the_requested_persons()
    {
        Assert.Equal(NationalDataset.Persons, data.Result.Persons);
        Assert.Equal(NationalDataset.Persons, _con.Scalar("SELECT count(*) FROM individu"));
        Assert.Equal(data.Result.Families, _con.Scalar("SELECT count(*) FROM keluarga"));
    }

    /// <summary>"Within 1 %": for every province, |observed share − BPS share| ≤ 1 % of the BPS share (relative).</summary>
    [Fact]
    public void Province_population_shares_are_within_one_percent_of_BPS()
    {
        double total = Bps.Values.Sum();
        var counts = _con.Rows("SELECT prov_code, count(*) FROM individu GROUP BY prov_code").ToDictionary(r => (int)r[0]!, r => (long)r[1]!);
        Assert.Equal(Bps.Keys.Order(), counts.Keys.Order());
        foreach (var (prov, thousands) in Bps)
        {
            double expected = thousands / total;
            double observed = counts[prov] / (double)NationalDataset.Persons;
            Assert.True(Math.Abs(observed - expected) <= 0.01 * expected,
                $"province {prov}: share {observed:P3}, BPS {expected:P3}");
        }
    }

    [Fact]
    public void Each_desil_holds_ten_percent_of_families_give_or_take_half_a_point()
    {
        long families = _con.Scalar("SELECT count(*) FROM keluarga");
        var byDesil = _con.Rows("SELECT desil, count(*) FROM keluarga GROUP BY desil ORDER BY desil");
        Assert.Equal(Enumerable.Range(1, 10), byDesil.Select(r => (int)r[0]!));
        foreach (var r in byDesil)
        {
            double share = (long)r[1]! / (double)families;
            Assert.InRange(share, 0.095, 0.105);
        }
    }

    [Fact]
    public void Desil_and_percentile_rise_with_the_welfare_score_and_agree()
    {
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM (
              SELECT desil, min(welfare_score) lo, max(welfare_score) hi, lead(min(welfare_score)) OVER (ORDER BY desil) next_lo
              FROM keluarga GROUP BY desil) WHERE hi > next_lo
            """));
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM keluarga WHERE desil <> (percentile + 9) // 10"));
        Assert.Equal(100, _con.Scalar("SELECT count(DISTINCT percentile) FROM keluarga"));
    }

    [Fact]
    public void Members_carry_their_family_s_rank_and_region()
    {
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM individu i JOIN keluarga k USING (family_id)
            WHERE i.desil <> k.desil OR i.percentile <> k.percentile OR i.village_code <> k.village_code
               OR i.prov_code <> k.prov_code OR i.regency_code <> k.regency_code OR i.urban_rural <> k.urban_rural
            """));
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM individu WHERE family_id NOT IN (SELECT family_id FROM keluarga)"));
    }

    [Fact]
    public void Family_size_112_counts_the_resident_members_and_averages_3_0_to_3_4()
    {
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM keluarga k JOIN (SELECT family_id, count(*) n FROM individu WHERE r404 IN (1, 5) GROUP BY family_id) m USING (family_id)
            WHERE k.r112 <> m.n
            """));
        Assert.InRange(_con.ScalarDouble("SELECT avg(r112) FROM keluarga"), 3.0, 3.4);
        // About 12 % of families are one person (the brief's target), not a flat distribution.
        Assert.InRange(_con.ScalarDouble("SELECT avg(CASE WHEN r112 = 1 THEN 1 ELSE 0 END) FROM keluarga"), 0.10, 0.17);
    }

    [Fact]
    public void Every_family_has_exactly_one_head_listed_first()
    {
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM (SELECT family_id, count(*) FILTER (WHERE r409 = 1) heads FROM individu GROUP BY family_id) WHERE heads <> 1"));
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM individu WHERE r409 = 1 AND r401 <> 1"));
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM keluarga k JOIN individu i ON i.family_id = k.family_id AND i.r401 = 1 WHERE k.r108 <> i.r402"));
    }

    [Fact]
    public void Ages_within_a_family_are_consistent()
    {
        // Children are at least 15 years younger than their mother, the head's wife.
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM individu c JOIN individu m ON m.family_id = c.family_id AND m.r409 = 2 AND m.r405 = 2
            WHERE c.r409 = 3 AND c.r407 > m.r407 - 15
            """));
        // Spouses are within 20 years of the head.
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM individu s JOIN individu h ON h.family_id = s.family_id AND h.r409 = 1
            WHERE s.r409 = 2 AND abs(s.r407 - h.r407) > 20
            """));
    }

    [Fact]
    public void The_age_pyramid_is_young_heavy_like_Indonesia_s()
    {
        double under15 = _con.ScalarDouble("SELECT avg(CASE WHEN r407 < 15 THEN 1 ELSE 0 END) FROM individu WHERE r407 IS NOT NULL");
        double over65 = _con.ScalarDouble("SELECT avg(CASE WHEN r407 >= 65 THEN 1 ELSE 0 END) FROM individu WHERE r407 IS NOT NULL");
        double age30to34 = _con.ScalarDouble("SELECT avg(CASE WHEN r407 BETWEEN 30 AND 34 THEN 1 ELSE 0 END) FROM individu WHERE r407 IS NOT NULL");
        double age70to74 = _con.ScalarDouble("SELECT avg(CASE WHEN r407 BETWEEN 70 AND 74 THEN 1 ELSE 0 END) FROM individu WHERE r407 IS NOT NULL");
        Assert.InRange(under15, 0.20, 0.32);
        Assert.InRange(over65, 0.03, 0.10);
        Assert.True(age30to34 > 2.5 * age70to74, $"30-34: {age30to34:P1}, 70-74: {age70to74:P1}: the pyramid should taper after 50");
    }

    [Fact]
    public void Members_who_died_or_moved_are_rare()
    {
        double share = _con.ScalarDouble("SELECT avg(CASE WHEN r404 IN (2, 3, 4, 6) THEN 1 ELSE 0 END) FROM individu");
        Assert.InRange(share, 0.001, 0.02);
    }

    [Fact]
    public void Programmes_go_mostly_to_the_poor()
    {
        double bpnt1 = _con.ScalarDouble("SELECT avg(CASE WHEN r501a = 1 THEN 1 ELSE 0 END) FROM keluarga WHERE desil = 1");
        double bpnt10 = _con.ScalarDouble("SELECT avg(CASE WHEN r501a = 1 THEN 1 ELSE 0 END) FROM keluarga WHERE desil = 10");
        double pkh1 = _con.ScalarDouble("SELECT avg(CASE WHEN r501b = 1 THEN 1 ELSE 0 END) FROM keluarga WHERE desil = 1");
        double pkh10 = _con.ScalarDouble("SELECT avg(CASE WHEN r501b = 1 THEN 1 ELSE 0 END) FROM keluarga WHERE desil = 10");
        Assert.True(bpnt1 > 3 * bpnt10, $"BPNT: desil 1 {bpnt1:P1}, desil 10 {bpnt10:P1}");
        Assert.True(pkh1 > 3 * pkh10, $"PKH: desil 1 {pkh1:P1}, desil 10 {pkh10:P1}");
        // Poorer provinces are poorer in the data: Papua Pegunungan's desil-1 share exceeds Bali's.
        double papua = _con.ScalarDouble("SELECT avg(CASE WHEN desil = 1 THEN 1 ELSE 0 END) FROM keluarga WHERE prov_code = 95");
        double bali = _con.ScalarDouble("SELECT avg(CASE WHEN desil = 1 THEN 1 ELSE 0 END) FROM keluarga WHERE prov_code = 51");
        Assert.True(papua > 1.5 * bali, $"desil 1 share: Papua Pegunungan {papua:P1}, Bali {bali:P1}");
    }

    [Theory]
    [InlineData(TableKind.Keluarga)]
    [InlineData(TableKind.Individu)]
    public void No_answer_breaks_a_skip_rule(TableKind table)
    {
        var name = TableNames.Of(table);
        var failures = new List<string>();
        foreach (var v in DataDictionary.Default.Columns(table).Where(v => v.UniverseRule is not null))
        {
            var universe = v.UniverseRule!.ToSql();
            long outside = _con.Scalar($"SELECT count(*) FROM {name} WHERE NOT ({universe}) AND {v.Column} IS NOT NULL");
            if (outside > 0) failures.Add($"{v.Column}: {outside} answers outside its universe ({v.Universe})");
            if (!v.Optional)
            {
                long missing = _con.Scalar($"SELECT count(*) FROM {name} WHERE ({universe}) AND {v.Column} IS NULL");
                if (missing > 0) failures.Add($"{v.Column}: {missing} missing answers inside its universe ({v.Universe})");
            }
            else
            {
                Assert.True(_con.Scalar($"SELECT count(*) FROM {name} WHERE {v.Column} IS NOT NULL") > 0, $"{v.Column} is never answered");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData(TableKind.Keluarga)]
    [InlineData(TableKind.Individu)]
    public void Every_value_is_in_its_code_list_or_range(TableKind table)
    {
        var name = TableNames.Of(table);
        var failures = new List<string>();
        foreach (var v in DataDictionary.Default.Columns(table))
        {
            string? bad = null;
            if (v.HasCodes && !v.MultiSelectSum)
                bad = $"{v.Column} NOT IN ({string.Join(", ", v.Codes.Select(c => c.Code))})";
            else if (v.MultiSelectSum)
            {
                int flags = v.Codes.Where(c => c.Code > 0 && (c.Code & (c.Code - 1)) == 0).Sum(c => c.Code);
                var sentinel = v.Codes.Where(c => c.Code > flags).Select(c => c.Code.ToString(CultureInfo.InvariantCulture)).ToList();
                bad = $"NOT ({v.Column} BETWEEN 0 AND {flags}" + (sentinel.Count > 0 ? $" OR {v.Column} IN ({string.Join(", ", sentinel)}))" : ")");
            }
            else if (v.Min is not null || v.Max is not null)
                bad = $"NOT ({v.Column} BETWEEN {v.Min ?? double.MinValue} AND {v.Max ?? double.MaxValue})";
            if (bad is null) continue;
            long n = _con.Scalar($"SELECT count(*) FROM {name} WHERE {v.Column} IS NOT NULL AND ({bad})");
            if (n > 0) failures.Add($"{v.Column}: {n} values outside the dictionary");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void NIK_are_16_digits_well_formed_and_unique()
    {
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM individu WHERE NOT regexp_full_match(r403, '[0-9]{16}')"));
        Assert.Equal(NationalDataset.Persons, _con.Scalar("SELECT count(DISTINCT r403) FROM individu"));
        // District code matches the person's district.
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM individu WHERE CAST(substr(r403, 1, 6) AS INTEGER) <> district_code"));
        // DDMMYY is the birth date (406), with 40 added to the day for women.
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM individu WHERE r406 IS NOT NULL AND (
                CAST(substr(r403, 7, 2) AS INTEGER) <> day(r406) + CASE WHEN r405 = 2 THEN 40 ELSE 0 END
             OR CAST(substr(r403, 9, 2) AS INTEGER) <> month(r406)
             OR CAST(substr(r403, 11, 2) AS INTEGER) <> year(r406) % 100)
            """));
        // Members without 405/406 (died, moved) still carry a valid date in their NIK.
        Assert.Equal(0, _con.Scalar("""
            SELECT count(*) FROM individu WHERE r406 IS NULL AND try_strptime(
                lpad(CAST(CAST(substr(r403, 7, 2) AS INTEGER) % 40 AS VARCHAR), 2, '0') || substr(r403, 9, 4), '%d%m%y') IS NULL
            """));
        Assert.True(_con.Scalar("SELECT count(*) FROM individu WHERE r406 IS NULL") > 0, "the dataset should contain members who died or moved");
        // Age 407 agrees with the birth date on the reference date (15 October 2022).
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM individu WHERE r406 IS NOT NULL AND date_diff('year', r406, DATE '2022-10-15') - CASE WHEN strftime(r406, '%m%d') > '1015' THEN 1 ELSE 0 END <> r407"));
    }

    [Fact]
    public void KK_numbers_are_16_digits_of_the_district_and_unique()
    {
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM keluarga WHERE NOT regexp_full_match(r114, '[0-9]{16}') OR CAST(substr(r114, 1, 6) AS INTEGER) <> district_code"));
        Assert.Equal(_con.Scalar("SELECT count(*) FROM keluarga"), _con.Scalar("SELECT count(DISTINCT r114) FROM keluarga"));
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM keluarga WHERE respondent_phone IS NOT NULL AND NOT regexp_full_match(respondent_phone, '08[0-9]{9,10}')"));
    }

    [Fact]
    public void Region_codes_exist_in_idn_area_data_and_nest()
    {
        var villages = Path.Combine(TestData.RegionData, "villages.csv").Replace('\\', '/');
        foreach (var t in new[] { "keluarga", "individu" })
        {
            Assert.Equal(0, _con.Scalar($"""
                SELECT count(*) FROM (SELECT DISTINCT prov_code, regency_code, district_code, village_code FROM {t}) d
                WHERE village_code NOT IN (SELECT CAST(replace(code, '.', '') AS BIGINT) FROM read_csv('{villages}', header = true, all_varchar = true))
                   OR village_code // 10000 <> district_code OR district_code // 100 <> regency_code OR regency_code // 100 <> prov_code
                """));
            Assert.Equal(0, _con.Scalar($"SELECT count(*) FROM {t} WHERE urban_rural <> CASE WHEN (village_code // 1000) % 10 = 1 THEN 1 ELSE 2 END"));
        }
        // At 1 M persons most of the 514 regencies are present.
        Assert.True(_con.Scalar("SELECT count(DISTINCT regency_code) FROM keluarga") >= 500);
    }

    [Fact]
    public void Dwellings_lie_in_their_province_s_rough_box()
    {
        // Jakarta (31) is small: every dwelling lies within half a degree of its centre.
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM keluarga WHERE prov_code = 31 AND (abs(latitude + 6.2) > 0.5 OR abs(longitude - 106.85) > 0.5)"));
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM keluarga WHERE latitude NOT BETWEEN -11.5 AND 6.5 OR longitude NOT BETWEEN 94.5 AND 141.5"));
    }

    [Theory]
    [InlineData(TableKind.Keluarga)]
    [InlineData(TableKind.Individu)]
    public void Parquet_schema_equals_the_data_dictionary(TableKind table)
    {
        var file = Directory.EnumerateFiles(DatasetLayout.TableDirectory(data.Directory, table), "*.parquet", SearchOption.AllDirectories).First().Replace('\\', '/');
        var inFile = _con.Rows($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{file}', hive_partitioning = false))").Select(r => ((string)r[0]!, (string)r[1]!)).ToList();
        var expected = DatasetGenerator.FileColumns(DataDictionary.Default, table).Select(v => (v.Column, v.SqlType)).ToList();
        Assert.Equal(expected, inFile);
        // Through the hive read expression, the partition columns come back as INTEGER.
        var all = _con.Rows($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {DatasetLayout.ReadExpression(table, data.Directory)})").Select(r => ((string)r[0]!, (string)r[1]!)).ToHashSet();
        Assert.Equal(DataDictionary.Default.Columns(table).Select(v => (v.Column, v.SqlType)).ToHashSet(), all);
    }

    [Fact]
    public void Manifest_lists_every_file_and_its_checksums_verify()
    {
        var manifest = DatasetManifest.Load(data.Result.ManifestPath);
        Assert.Empty(manifest.Verify(data.Directory));
        Assert.Equal(DataDictionary.Default.SchemaVersion, manifest.SchemaVersion);
        Assert.Equal(NationalDataset.Persons, manifest.Tables[TableNames.Individu]);
        Assert.Equal(manifest.Tables[TableNames.Individu], manifest.Files.Where(f => f.Path.StartsWith("individu/")).Sum(f => f.Rows));
        Assert.Equal(manifest.Tables[TableNames.Keluarga], manifest.Files.Where(f => f.Path.StartsWith("keluarga/")).Sum(f => f.Rows));
        var onDisk = Directory.EnumerateFiles(data.Directory, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(data.Directory, p).Replace('\\', '/')).Where(p => p != DatasetLayout.ManifestFileName).Order(StringComparer.Ordinal);
        Assert.Equal(onDisk, manifest.Files.Select(f => f.Path));
        Assert.Contains(manifest.Files, f => f.Path == "wilayah/LICENSE.md");
    }

    [Fact]
    public void Region_reference_tables_hold_all_of_idn_area_data()
    {
        Assert.Equal(38, _con.Scalar($"SELECT count(*) FROM read_parquet('{DatasetLayout.RegionTablePath(data.Directory, Regsosek.Core.RegionLevel.Province)}')"));
        Assert.Equal(514, _con.Scalar($"SELECT count(*) FROM read_parquet('{DatasetLayout.RegionTablePath(data.Directory, Regsosek.Core.RegionLevel.Regency)}')"));
        Assert.Equal(83762, _con.Scalar($"SELECT count(*) FROM read_parquet('{DatasetLayout.RegionTablePath(data.Directory, Regsosek.Core.RegionLevel.Village)}')"));
        Assert.Equal("Kabupaten Bogor", _con.Scalar<string>($"SELECT name FROM read_parquet('{DatasetLayout.RegionTablePath(data.Directory, Regsosek.Core.RegionLevel.Regency)}') WHERE code = 3201 AND parent = 32"));
    }

    [Fact]
    public void Record_keys_are_spread_over_0_to_4095()
    {
        Assert.Equal(0, _con.Scalar("SELECT count(*) FROM individu WHERE record_key NOT BETWEEN 0 AND 4095"));
        double mean = _con.ScalarDouble("SELECT avg(record_key) FROM individu");
        Assert.InRange(mean, 2047.5 - 15, 2047.5 + 15);
    }
}
