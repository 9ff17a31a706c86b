namespace Regsosek.Core;

/// <summary>
/// Attribution and licence texts that every response carries (circular 8/2023 §1.4).
/// Aggregates may be published with the source named; microdata and BNBA may not be published
/// or passed to third parties.
/// </summary>
public static class Licences
{
    /// <summary>The source line to print with any published figure.</summary>
    public const string Attribution = "Sumber: Registrasi Sosial Ekonomi 2022, Kementerian PPN/Bappenas";

    /// <summary>§1.4.1, aggregates (tiers 1 and 2).</summary>
    public const string Aggregate =
        "Lisensi Data Agregat Regsosek (SE Menteri PPN 8/2023 §1.4.1): data agregat yang diolah dapat dipublikasikan " +
        "dan wajib mencantumkan sumber data; tidak boleh diubah, diolah, diperdagangkan, dan/atau ditukar untuk " +
        "kepentingan komersial. | Aggregate licence: may be published with the source named; may not be altered, " +
        "traded or exchanged for commercial purposes.";

    /// <summary>§1.4.2, de-identified microdata (tier 3).</summary>
    public const string Microdata =
        "Lisensi Data Mikro Regsosek (SE Menteri PPN 8/2023 §1.4.2): tidak boleh dipublikasikan; agregat hasil " +
        "olahan dapat dipublikasikan dengan mencantumkan sumber data; tidak boleh diubah, diperdagangkan, atau " +
        "dibagipakaikan kepada pihak ketiga tanpa persetujuan Produsen Data dan Walidata Regsosek. | Microdata " +
        "licence: not to be published or passed to third parties; aggregates made from it may be published with " +
        "the source named.";

    /// <summary>§1.4.3, by-name-by-address data (tier 4).</summary>
    public const string Bnba =
        "Lisensi Data BNBA Regsosek (SE Menteri PPN 8/2023 §1.4.3): tidak boleh dipublikasikan; agregat hasil " +
        "olahan yang tidak mengandung informasi identitas dapat dipublikasikan dengan mencantumkan sumber data; " +
        "tidak boleh diubah, diperdagangkan, atau dibagipakaikan kepada pihak ketiga tanpa persetujuan Produsen " +
        "Data dan Walidata Regsosek. | BNBA licence: not to be published or passed to third parties; aggregates " +
        "without identity information may be published with the source named.";

    /// <summary>The licence of what a caller receives: aggregates carry the aggregate licence at any tier.</summary>
    public static string ForAggregates() => Aggregate;

    /// <summary>The licence of a record-level extract at <paramref name="tier"/> (3 or 4).</summary>
    public static string ForExtract(Tier tier) => tier switch
    {
        Tier.Microdata => Microdata,
        Tier.Bnba => Bnba,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), "extracts exist at tiers 3 and 4 only"),
    };
}
