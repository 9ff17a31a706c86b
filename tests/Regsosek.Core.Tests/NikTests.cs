using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core.Identity;

namespace Regsosek.Core.Tests;

/// <summary>The NIK format check used by matching (issue 14): properties against an independent oracle, and examples.</summary>
public sealed class NikTests
{
    private static readonly int[] DistrictCodes = [110101, 110102, 320101, 320102, 327301, 317401, 917101];
    private static readonly HashSet<int> Districts = [.. DistrictCodes];
    private static bool Exists(int district) => Districts.Contains(district);

    /// <summary>Independent oracle: the district exists, DDMMYY (day − 40 for women) is a real date in 19YY or 20YY, serial ≠ 0.</summary>
    private static bool Possible(string s)
    {
        if (s.Length != 16 || !s.All(char.IsAsciiDigit)) return false;
        if (!Districts.Contains(int.Parse(s[..6]))) return false;
        int day = int.Parse(s[6..8]), month = int.Parse(s[8..10]), yy = int.Parse(s[10..12]);
        if (day > 40) day -= 40;
        bool date = DateTime.TryParseExact($"{1900 + yy:D4}-{month:D2}-{day:D2}", "yyyy-MM-dd", null, System.Globalization.DateTimeStyles.None, out _)
                 || DateTime.TryParseExact($"{2000 + yy:D4}-{month:D2}-{day:D2}", "yyyy-MM-dd", null, System.Globalization.DateTimeStyles.None, out _);
        return date && int.Parse(s[12..]) != 0;
    }

    private static Gen<string> Digits(int n) => Gen.ArrayOf(Gen.Choose(0, 9), n).Select(d => string.Concat(d));

    /// <summary>NIKs as the generator writes them: a district, a birth date (day + 40 for women), serial 0001–9999.</summary>
    private static Arbitrary<string> WellFormed =>
        (from district in Gen.Elements(DistrictCodes)
         from days in Gen.Choose(0, 110 * 366)
         from female in Gen.Elements(true, false)
         from serial in Gen.Choose(1, 9999)
         let date = new DateOnly(1915, 1, 1).AddDays(days)
         select $"{district:D6}{date.Day + (female ? 40 : 0):D2}{date.Month:D2}{date.Year % 100:D2}{serial:D4}").ToArbitrary();

    /// <summary>16-digit strings near real NIKs: a real or made-up district, any day 00–99 and month 00–99, serials with 0000 often.</summary>
    private static Arbitrary<string> Near =>
        (from district in Gen.Frequency((3, Gen.Elements(DistrictCodes).Select(d => d.ToString("D6"))), (1, Digits(6)))
         from day in Gen.Choose(0, 99)
         from month in Gen.Frequency((4, Gen.Choose(1, 12)), (1, Gen.Choose(0, 99)))
         from yy in Gen.Choose(0, 99)
         from serial in Gen.Frequency((4, Gen.Choose(0, 9999)), (1, Gen.Constant(0)))
         select $"{district}{day:D2}{month:D2}{yy:D2}{serial:D4}").ToArbitrary();

    [Fact]
    public void Every_NIK_made_as_the_generator_makes_them_is_possible() =>
        PropertyRunner.ForAll(WellFormed, nik => Nik.Check(nik, Exists) is null, 1000);

    [Fact]
    public void The_check_agrees_with_an_independent_oracle_on_16_digit_strings() =>
        PropertyRunner.ForAll(Near, s => (Nik.Check(s, Exists) is null) == Possible(s), 5000);

    [Fact]
    public void A_string_of_another_length_is_refused_for_its_length_and_one_with_a_non_digit_for_that() =>
        PropertyRunner.ForAll(ArbMap.Default.ArbFor<string>(), s =>
        {
            var problem = Nik.Check(s, Exists);
            if (s is null || s.Length != 16) return problem?.Reason == NikReasons.Length;
            if (!s.All(char.IsAsciiDigit)) return problem?.Reason == NikReasons.NonDigit;
            return (problem is null) == Possible(s);
        }, 1000);

    [Theory]
    [InlineData("3201012902000001", null)]               // 29 Feb 2000
    [InlineData("3201016902040001", null)]               // a woman born 29 Feb 2004 (29 + 40)
    [InlineData("3201012902010001", NikReasons.Date)]    // 29 Feb 2001/1901 never happened
    [InlineData("3201013104900001", NikReasons.Date)]    // 31 April
    [InlineData("3201017201900001", NikReasons.Date)]    // day 72 - 40 = 32
    [InlineData("3201014001900001", NikReasons.Date)]    // day 40: 0 for a woman
    [InlineData("3201011513900001", NikReasons.Date)]    // month 13
    [InlineData("3201011501900000", NikReasons.Serial)]
    [InlineData("3299011501900001", NikReasons.Region)]  // no such district
    [InlineData("0001011501900001", NikReasons.Region)]  // province 00
    [InlineData("32010115019000012", NikReasons.Length)]
    [InlineData("32010115019O0001", NikReasons.NonDigit)]
    [InlineData("", NikReasons.Length)]
    public void Examples(string nik, string? reason) => Assert.Equal(reason, Nik.Check(nik, Exists)?.Reason);
}
