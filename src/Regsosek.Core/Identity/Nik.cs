namespace Regsosek.Core.Identity;

/// <summary>Why a string is not a possible NIK (stable ids, as <see cref="NikProblem.Reason"/>).</summary>
public static class NikReasons
{
    public const string Length = "length";
    public const string NonDigit = "non-digit";
    public const string Region = "region";
    public const string Date = "date";
    public const string Serial = "serial";

    /// <summary>What a reason means, in words a caller can act on.</summary>
    public static string Describe(string reason) => reason switch
    {
        Length => "a NIK has 16 digits",
        NonDigit => "a NIK is digits only",
        Region => "digits 1-6 are not a district (kecamatan) code",
        Date => "digits 7-12 are not a birth date DDMMYY (40 added to the day for women)",
        Serial => "digits 13-16 are 0000; serials start at 0001",
        _ => reason,
    };
}

/// <summary>A NIK that cannot be: the reason id and the explanation.</summary>
public sealed record NikProblem(string Reason, string Message);

/// <summary>
/// The format of the Nomor Induk Kependudukan: 16 digits, the district (kecamatan) of registration (6: province 2,
/// regency 2, district 2), the date of birth DDMMYY with 40 added to the day for women, and a serial (4, from 0001).
/// Pure.
/// </summary>
public static class Nik
{
    /// <summary>Digits in a NIK.</summary>
    public const int Length = 16;

    /// <summary>
    /// Null when <paramref name="nik"/> is a possible NIK; otherwise what is wrong. The region part must be a district
    /// for which <paramref name="districtExists"/> (given the 6-digit code) is true. The century is not in a NIK, so 29
    /// February is possible when YY is divisible by 4 (1900 is not a leap year, but 2000 is).
    /// </summary>
    public static NikProblem? Check(string? nik, Func<int, bool> districtExists)
    {
        ArgumentNullException.ThrowIfNull(districtExists);
        if (nik is null || nik.Length != Length)
            return Problem(NikReasons.Length);
        for (int i = 0; i < Length; i++)
            if (nik[i] is < '0' or > '9')
                return Problem(NikReasons.NonDigit);
        int district = Number(nik, 0, 6);
        if (district / 10_000 < 11 || district % 100 == 0 || district / 100 % 100 == 0 || !districtExists(district))
            return Problem(NikReasons.Region);
        int day = Number(nik, 6, 2), month = Number(nik, 8, 2), yy = Number(nik, 10, 2);
        if (day > 40) day -= 40;
        if (month is < 1 or > 12 || day < 1 || day > DaysIn(month, yy))
            return Problem(NikReasons.Date);
        if (Number(nik, 12, 4) == 0)
            return Problem(NikReasons.Serial);
        return null;
    }

    private static NikProblem Problem(string reason) => new(reason, NikReasons.Describe(reason));

    private static int DaysIn(int month, int yy) => month switch
    {
        2 => yy % 4 == 0 ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    private static int Number(string s, int start, int length)
    {
        int n = 0;
        for (int i = start; i < start + length; i++) n = n * 10 + (s[i] - '0');
        return n;
    }
}
