namespace Regsosek.Core;

/// <summary>
/// Access tiers of circular 8/2023 (§1.3, Table 3.1). A grant of a higher tier includes every lower tier.
/// </summary>
public enum Tier
{
    /// <summary>Open aggregates, national and province level, of the open indicators. Anyone, no account.</summary>
    Public = 1,
    /// <summary>Disaggregated (terpilah) aggregates: regency/city and below, or anything that could expose a person.</summary>
    Disaggregated = 2,
    /// <summary>De-identified microdata, geography down to regency/city.</summary>
    Microdata = 3,
    /// <summary>By-name-by-address (BNBA) records with identity variables, down to village.</summary>
    Bnba = 4,
}

public static class TierExtensions
{
    /// <summary>True when a holder of <paramref name="granted"/> may use what <paramref name="required"/> allows.</summary>
    public static bool Includes(this Tier granted, Tier required) => granted >= required;

    public static bool IsDefined(int value) => value is >= 1 and <= 4;
}
