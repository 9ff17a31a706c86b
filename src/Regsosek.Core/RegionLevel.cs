namespace Regsosek.Core;

/// <summary>Administrative levels of the Kemendagri region codes, from the top.</summary>
public enum RegionLevel
{
    National = 0,
    /// <summary>Provinsi: 2-digit code.</summary>
    Province = 1,
    /// <summary>Kabupaten/kota: 4-digit code.</summary>
    Regency = 2,
    /// <summary>Kecamatan: 6-digit code.</summary>
    District = 3,
    /// <summary>Desa/kelurahan: 10-digit code.</summary>
    Village = 4,
}

public static class RegionLevelExtensions
{
    /// <summary>Number of digits of a code at this level (0 for national).</summary>
    public static int CodeLength(this RegionLevel level) => level switch
    {
        RegionLevel.National => 0,
        RegionLevel.Province => 2,
        RegionLevel.Regency => 4,
        RegionLevel.District => 6,
        RegionLevel.Village => 10,
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>Data column holding the code at this level, in both tables.</summary>
    public static string ColumnName(this RegionLevel level) => level switch
    {
        RegionLevel.Province => "prov_code",
        RegionLevel.Regency => "regency_code",
        RegionLevel.District => "district_code",
        RegionLevel.Village => "village_code",
        _ => throw new ArgumentOutOfRangeException(nameof(level), "the national level has no code column"),
    };
}
