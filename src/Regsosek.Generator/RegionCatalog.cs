using System.Globalization;
using System.Text;

namespace Regsosek.Generator;

/// <summary>A village of the catalogue, with its place in the tree.</summary>
internal sealed record Village(long Code, int DistrictCode, string Name)
{
    /// <summary>1 = kelurahan (urban): the 4-digit part starts with 1; else 2 = desa (rural).</summary>
    public byte UrbanRural => (byte)((Code / 1000) % 10 == 1 ? 1 : 2);
}

/// <summary>A regency/city with its districts and villages, in code order.</summary>
internal sealed record Regency(int Code, int ProvinceCode, string Name, IReadOnlyList<int> Districts, IReadOnlyList<Village> Villages);

/// <summary>
/// The official Kemendagri region codes from idn-area-data (provinces.csv, regencies.csv,
/// districts.csv, villages.csv), as plain numbers.
/// </summary>
internal sealed class RegionCatalog
{
    public required IReadOnlyList<(int Code, string Name)> Provinces { get; init; }
    public required IReadOnlyList<Regency> Regencies { get; init; }
    public required IReadOnlyList<(int Code, int RegencyCode, string Name)> Districts { get; init; }

    /// <summary>Reads the four CSV files of <paramref name="directory"/>.</summary>
    public static RegionCatalog Load(string directory)
    {
        string PathOf(string file)
        {
            var p = Path.Combine(directory, file);
            if (!File.Exists(p))
                throw new FileNotFoundException($"region data file {p} is missing; run scripts/bootstrap or pass the idn-area-data directory (.deps/idn-area-data)", p);
            return p;
        }

        var provinces = ReadCsv(PathOf("provinces.csv"), 2).Select(r => (ParseCode(r[0]), r[1])).Select(x => ((int)x.Item1, x.Item2)).OrderBy(x => x.Item1).ToList();
        var regencyRows = ReadCsv(PathOf("regencies.csv"), 3).Select(r => (Code: (int)ParseCode(r[0]), Prov: (int)ParseCode(r[1]), Name: r[2])).ToList();
        var districts = ReadCsv(PathOf("districts.csv"), 3).Select(r => (Code: (int)ParseCode(r[0]), Regency: (int)ParseCode(r[1]), Name: r[2])).OrderBy(x => x.Code).ToList();
        var villages = ReadCsv(PathOf("villages.csv"), 3).Select(r => new Village(ParseCode(r[0]), (int)ParseCode(r[1]), r[2])).OrderBy(v => v.Code).ToList();

        var districtsByRegency = districts.GroupBy(d => d.Regency).ToDictionary(g => g.Key, g => g.Select(d => d.Code).ToList());
        var villagesByRegency = villages.GroupBy(v => v.DistrictCode / 100).ToDictionary(g => g.Key, g => g.ToList());
        var regencies = regencyRows.OrderBy(r => r.Code)
            .Where(r => villagesByRegency.ContainsKey(r.Code))
            .Select(r => new Regency(r.Code, r.Prov, r.Name, districtsByRegency.GetValueOrDefault(r.Code) ?? [], villagesByRegency[r.Code]))
            .ToList();
        return new RegionCatalog { Provinces = provinces, Regencies = regencies, Districts = districts };
    }

    private static long ParseCode(string dotted)
    {
        long v = 0;
        foreach (var c in dotted)
        {
            if (c == '.') continue;
            if (c is < '0' or > '9') throw new FormatException($"'{dotted}' is not a Kemendagri region code");
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /// <summary>Minimal RFC 4180 reader (quoted fields with doubled quotes); skips the header line.</summary>
    internal static IEnumerable<string[]> ReadCsv(string path, int fields)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        reader.ReadLine();
        string? line;
        int lineNo = 1;
        var sb = new StringBuilder();
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var row = new List<string>(fields);
            int i = 0;
            while (i <= line.Length)
            {
                sb.Clear();
                if (i < line.Length && line[i] == '"')
                {
                    i++;
                    while (i < line.Length)
                    {
                        if (line[i] == '"')
                        {
                            if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        sb.Append(line[i++]);
                    }
                }
                else
                {
                    while (i < line.Length && line[i] != ',') sb.Append(line[i++]);
                }
                row.Add(sb.ToString());
                if (i < line.Length && line[i] == ',') { i++; if (i == line.Length) { row.Add(""); break; } }
                else break;
            }
            if (row.Count != fields)
                throw new FormatException($"{path} line {lineNo}: expected {fields} fields, found {row.Count}");
            yield return row.ToArray();
        }
    }
}

/// <summary>How many persons each regency gets, and each village of it.</summary>
internal sealed class PopulationPlan
{
    /// <summary>Relative weight of a kelurahan (urban village) against a desa: kelurahan are denser.</summary>
    public const double KelurahanWeight = 3.0;

    private PopulationPlan(IReadOnlyList<(Regency Regency, long Persons)> regencies) => Regencies = regencies;

    /// <summary>The regencies to generate, with their person counts (summing exactly to the total).</summary>
    public IReadOnlyList<(Regency Regency, long Persons)> Regencies { get; }

    /// <summary>
    /// Province totals follow the BPS 2022 shares (<see cref="ProvinceTable"/>); within a province,
    /// regency shares are proportional to their number of villages (a proxy for population: more
    /// villages, more people) times a deterministic ±30 % variation from a hash of the code. Rounding
    /// by largest remainder, so counts sum exactly. With <paramref name="only"/>, just those
    /// regencies share the total, in the same proportions.
    /// </summary>
    public static PopulationPlan Create(RegionCatalog catalog, long persons, IReadOnlyCollection<int>? only)
    {
        var weights = new List<(Regency Regency, double Weight)>();
        foreach (var group in catalog.Regencies.GroupBy(r => r.ProvinceCode))
        {
            var share = ProvinceTable.Share(group.Key);
            var raw = group.Select(r => (r, W: RegencyWeight(r))).ToList();
            double sum = raw.Sum(x => x.W);
            foreach (var (r, w) in raw) weights.Add((r, share * w / sum));
        }
        if (only is not null)
        {
            var unknown = only.Where(c => !catalog.Regencies.Any(r => r.Code == c)).ToList();
            if (unknown.Count > 0)
                throw new ArgumentException($"unknown regency code(s) {string.Join(", ", unknown)}: use 4-digit Kemendagri codes such as 3201 (Kabupaten Bogor)");
            weights = weights.Where(x => only.Contains(x.Regency.Code)).ToList();
        }
        var counts = LargestRemainder(weights.Select(w => w.Weight).ToArray(), persons);
        return new PopulationPlan(weights.Select((w, i) => (w.Regency, counts[i])).ToList());
    }

    private static double RegencyWeight(Regency r)
    {
        double villages = r.Villages.Sum(v => v.UrbanRural == 1 ? KelurahanWeight : 1.0);
        return villages * Variation((ulong)r.Code, 1);
    }

    /// <summary>Relative village weights of a regency: kelurahan heavier, ±30 % by hash.</summary>
    public static double[] VillageWeights(Regency r) =>
        r.Villages.Select(v => (v.UrbanRural == 1 ? KelurahanWeight : 1.0) * Variation((ulong)v.Code, 2)).ToArray();

    /// <summary>A deterministic factor in [0.7, 1.3) from a region code.</summary>
    public static double Variation(ulong code, ulong salt) => 0.7 + 0.6 * Rng.HashUnit(code, salt);

    /// <summary>Splits <paramref name="total"/> in proportion to <paramref name="weights"/>, exactly (Hamilton's method).</summary>
    public static long[] LargestRemainder(double[] weights, long total)
    {
        var result = new long[weights.Length];
        if (weights.Length == 0) return result;
        double sum = weights.Sum();
        var rema = new (double Rem, int Index)[weights.Length];
        long assigned = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double exact = total * weights[i] / sum;
            result[i] = (long)Math.Floor(exact);
            assigned += result[i];
            rema[i] = (exact - result[i], i);
        }
        foreach (var (_, i) in rema.OrderByDescending(x => x.Rem).ThenBy(x => x.Index).Take((int)(total - assigned)))
            result[i]++;
        return result;
    }
}
