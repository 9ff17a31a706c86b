namespace Regsosek.Generator;

/// <summary>Ethnic name pools (see <see cref="Names"/>).</summary>
internal enum NamePool { Aceh, Batak, Minang, Melayu, Jawa, Sunda, Betawi, Bali, Sasak, Bugis, Minahasa, Timur, Papua, Tionghoa }

/// <summary>What the generator knows about a province.</summary>
/// <param name="Code">Kemendagri code.</param>
/// <param name="PopulationThousands">Mid-2022 population, thousands (see <see cref="ProvinceTable"/>).</param>
/// <param name="PovertyRate">Headline poverty rate, percent; drives the regional welfare effect.</param>
/// <param name="Latitude">Rough centroid latitude.</param>
/// <param name="Longitude">Rough centroid longitude.</param>
/// <param name="Spread">Half-width of the box, in degrees, that dwellings fall in.</param>
/// <param name="Names">Name pools with weights.</param>
/// <param name="PigKeeping">True where pig keeping is common (largely non-Muslim regions).</param>
internal sealed record ProvinceProfile(int Code, double PopulationThousands, double PovertyRate, double Latitude, double Longitude, double Spread,
    (NamePool Pool, double Weight)[] Names, bool PigKeeping);

/// <summary>
/// The one table of province facts the generator uses.
/// <para>Population: BPS mid-year 2022 population estimates (Proyeksi Penduduk, thousands), on the
/// 34-province boundaries. Papua (4418.6) and Papua Barat (1156.8) were split in late 2022 (UU 14, 15,
/// 16 and 29 of 2022); BPS had no estimates for the new provinces yet, so we approximate: Papua 1060,
/// Papua Selatan 530, Papua Tengah 1430, Papua Pegunungan 1400 (these four rescaled to the exact
/// 4418.6 total), Papua Barat 560 and Papua Barat Daya 596.8 (summing to 1156.8).</para>
/// <para>Poverty rates: BPS September 2022 headline rates as we remember them (percent), used only
/// as a relative regional welfare effect; the new Papuan provinces take approximate values.</para>
/// <para>Centroids and spreads: rough, for plausible dwelling coordinates only.</para>
/// </summary>
internal static class ProvinceTable
{
    private const double PapuaOld = 4418.6;
    private const double PapuaSplitSum = 1060 + 530 + 1430 + 1400;
    private static double Papua(double approx) => approx * PapuaOld / PapuaSplitSum;

    public static readonly IReadOnlyList<ProvinceProfile> All =
    [
        new(11, 5407.9, 14.75, 4.4, 96.9, 1.1, [(NamePool.Aceh, 0.88), (NamePool.Jawa, 0.08), (NamePool.Melayu, 0.04)], false),
        new(12, 15115.2, 8.33, 2.3, 99.2, 1.2, [(NamePool.Batak, 0.45), (NamePool.Jawa, 0.30), (NamePool.Melayu, 0.15), (NamePool.Tionghoa, 0.07), (NamePool.Minang, 0.03)], true),
        new(13, 5640.6, 5.95, -0.8, 100.6, 0.9, [(NamePool.Minang, 0.90), (NamePool.Jawa, 0.05), (NamePool.Batak, 0.05)], false),
        new(14, 6614.4, 6.84, 0.5, 101.8, 1.1, [(NamePool.Melayu, 0.45), (NamePool.Jawa, 0.28), (NamePool.Minang, 0.12), (NamePool.Batak, 0.10), (NamePool.Tionghoa, 0.05)], false),
        new(15, 3631.1, 7.70, -1.6, 103.0, 0.9, [(NamePool.Melayu, 0.55), (NamePool.Jawa, 0.30), (NamePool.Minang, 0.10), (NamePool.Tionghoa, 0.05)], false),
        new(16, 8657.0, 11.95, -3.3, 104.0, 1.1, [(NamePool.Melayu, 0.65), (NamePool.Jawa, 0.30), (NamePool.Tionghoa, 0.05)], false),
        new(17, 2060.0, 14.34, -3.6, 102.3, 0.8, [(NamePool.Melayu, 0.60), (NamePool.Jawa, 0.25), (NamePool.Minang, 0.15)], false),
        new(18, 9176.5, 11.44, -4.9, 105.2, 0.8, [(NamePool.Jawa, 0.62), (NamePool.Melayu, 0.20), (NamePool.Sunda, 0.12), (NamePool.Bali, 0.06)], false),
        new(19, 1482.0, 4.61, -2.4, 106.4, 0.8, [(NamePool.Melayu, 0.65), (NamePool.Tionghoa, 0.25), (NamePool.Jawa, 0.10)], true),
        new(21, 2179.8, 6.03, 1.0, 104.4, 0.8, [(NamePool.Melayu, 0.40), (NamePool.Jawa, 0.25), (NamePool.Tionghoa, 0.15), (NamePool.Batak, 0.12), (NamePool.Minang, 0.08)], true),
        new(31, 10679.9, 4.61, -6.2, 106.85, 0.12, [(NamePool.Betawi, 0.30), (NamePool.Jawa, 0.35), (NamePool.Sunda, 0.15), (NamePool.Tionghoa, 0.08), (NamePool.Batak, 0.05), (NamePool.Minang, 0.07)], false),
        new(32, 49405.8, 7.98, -6.9, 107.6, 0.7, [(NamePool.Sunda, 0.80), (NamePool.Jawa, 0.12), (NamePool.Betawi, 0.06), (NamePool.Tionghoa, 0.02)], false),
        new(33, 37032.4, 10.98, -7.2, 110.1, 0.7, [(NamePool.Jawa, 0.97), (NamePool.Tionghoa, 0.02), (NamePool.Sunda, 0.01)], false),
        new(34, 3712.9, 11.49, -7.85, 110.4, 0.18, [(NamePool.Jawa, 0.97), (NamePool.Tionghoa, 0.03)], false),
        new(35, 41150.0, 10.49, -7.6, 112.5, 0.9, [(NamePool.Jawa, 0.92), (NamePool.Melayu, 0.05), (NamePool.Tionghoa, 0.03)], false),
        new(36, 12252.0, 6.24, -6.4, 106.1, 0.35, [(NamePool.Sunda, 0.55), (NamePool.Jawa, 0.25), (NamePool.Betawi, 0.15), (NamePool.Tionghoa, 0.05)], false),
        new(51, 4346.2, 4.53, -8.4, 115.2, 0.35, [(NamePool.Bali, 0.88), (NamePool.Jawa, 0.10), (NamePool.Tionghoa, 0.02)], true),
        new(52, 5473.7, 13.82, -8.6, 117.4, 0.8, [(NamePool.Sasak, 0.70), (NamePool.Melayu, 0.25), (NamePool.Bali, 0.05)], false),
        new(53, 5466.3, 20.23, -9.4, 121.5, 1.6, [(NamePool.Timur, 0.92), (NamePool.Melayu, 0.08)], true),
        new(61, 5541.4, 6.81, 0.0, 110.5, 1.4, [(NamePool.Melayu, 0.50), (NamePool.Timur, 0.20), (NamePool.Tionghoa, 0.12), (NamePool.Jawa, 0.18)], true),
        new(62, 2702.2, 5.22, -1.6, 113.4, 1.4, [(NamePool.Melayu, 0.45), (NamePool.Jawa, 0.35), (NamePool.Timur, 0.15), (NamePool.Bugis, 0.05)], false),
        new(63, 4162.5, 4.61, -3.0, 115.3, 0.7, [(NamePool.Melayu, 0.78), (NamePool.Jawa, 0.18), (NamePool.Bugis, 0.04)], false),
        new(64, 3859.8, 6.44, 0.5, 116.5, 1.4, [(NamePool.Jawa, 0.35), (NamePool.Bugis, 0.30), (NamePool.Melayu, 0.25), (NamePool.Timur, 0.10)], false),
        new(65, 713.6, 6.86, 3.0, 116.5, 0.8, [(NamePool.Bugis, 0.35), (NamePool.Melayu, 0.30), (NamePool.Timur, 0.20), (NamePool.Jawa, 0.15)], false),
        new(71, 2659.5, 7.34, 1.2, 124.8, 0.7, [(NamePool.Minahasa, 0.80), (NamePool.Bugis, 0.10), (NamePool.Melayu, 0.10)], true),
        new(72, 3066.1, 12.30, -1.3, 121.0, 1.2, [(NamePool.Bugis, 0.55), (NamePool.Melayu, 0.25), (NamePool.Minahasa, 0.10), (NamePool.Bali, 0.05), (NamePool.Jawa, 0.05)], false),
        new(73, 9225.7, 8.66, -4.0, 120.0, 1.1, [(NamePool.Bugis, 0.90), (NamePool.Timur, 0.05), (NamePool.Jawa, 0.05)], false),
        new(74, 2704.7, 11.27, -4.1, 122.2, 0.8, [(NamePool.Bugis, 0.70), (NamePool.Melayu, 0.20), (NamePool.Jawa, 0.10)], false),
        new(75, 1180.9, 15.51, 0.6, 122.5, 0.5, [(NamePool.Melayu, 0.70), (NamePool.Bugis, 0.30)], false),
        new(76, 1451.9, 11.92, -2.5, 119.3, 0.6, [(NamePool.Bugis, 0.90), (NamePool.Jawa, 0.10)], false),
        new(81, 1881.7, 16.23, -3.2, 129.0, 1.8, [(NamePool.Timur, 0.75), (NamePool.Melayu, 0.20), (NamePool.Bugis, 0.05)], true),
        new(82, 1317.8, 6.37, 1.2, 127.9, 1.1, [(NamePool.Melayu, 0.70), (NamePool.Timur, 0.25), (NamePool.Bugis, 0.05)], false),
        new(91, Papua(1060), 18.0, -2.6, 140.0, 0.9, [(NamePool.Papua, 0.72), (NamePool.Timur, 0.10), (NamePool.Bugis, 0.10), (NamePool.Jawa, 0.08)], true),
        new(92, 560, 21.4, -1.3, 133.5, 0.9, [(NamePool.Papua, 0.65), (NamePool.Timur, 0.15), (NamePool.Bugis, 0.10), (NamePool.Jawa, 0.10)], true),
        new(93, Papua(530), 20.0, -7.0, 139.6, 1.1, [(NamePool.Papua, 0.70), (NamePool.Jawa, 0.15), (NamePool.Timur, 0.15)], true),
        new(94, Papua(1430), 29.0, -3.8, 136.5, 1.1, [(NamePool.Papua, 0.85), (NamePool.Bugis, 0.08), (NamePool.Timur, 0.07)], true),
        new(95, Papua(1400), 37.0, -4.0, 138.9, 0.7, [(NamePool.Papua, 0.95), (NamePool.Timur, 0.05)], true),
        new(96, 596.8, 18.0, -1.0, 131.6, 0.7, [(NamePool.Papua, 0.60), (NamePool.Timur, 0.15), (NamePool.Bugis, 0.15), (NamePool.Jawa, 0.10)], true),
    ];

    /// <summary>National population, thousands (the sum of <see cref="All"/>).</summary>
    public static double TotalThousands => All.Sum(p => p.PopulationThousands);

    /// <summary>The profile of a province code; throws with the known codes otherwise.</summary>
    public static ProvinceProfile Of(int code) =>
        All.FirstOrDefault(p => p.Code == code)
        ?? throw new KeyNotFoundException($"province {code} is not in the generator's province table ({string.Join(", ", All.Select(p => p.Code))})");

    /// <summary>The province's share of the national population.</summary>
    public static double Share(int code) => Of(code).PopulationThousands / TotalThousands;
}
