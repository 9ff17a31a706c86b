using FsCheck;
using FsCheck.Fluent;
using Regsosek.Core;
using Regsosek.Stores.Grants;

namespace Regsosek.Stores.Tests;

public sealed class GrantValidityTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static GrantRequest Request(string region = "3273", bool withoutForum = false, DateTimeOffset? signedAt = null,
        DateTimeOffset? until = null, string org = "Pemkot Bandung", bool isOperator = false) => new()
    {
        Organisation = org, Unit = "Bappelitbang", Tier = Tier.Disaggregated, Region = RegionCode.Parse(region),
        Purpose = "Perencanaan", WithoutSatuDataForum = withoutForum, SignedAt = signedAt, ValidUntil = until, IsOperator = isOperator,
    };

    private static GrantRecord Record(DateTimeOffset from, DateTimeOffset until, bool withoutForum, DateTimeOffset? revoked = null) => new()
    {
        Grant = new Grant
        {
            Id = "g_x", Organisation = "o", Unit = "u", Tier = Tier.Microdata, Region = RegionCode.Parse("32"), Purpose = "p",
            ValidFrom = from, ValidUntil = until, RevokedAt = revoked,
        },
        WithoutSatuDataForum = withoutForum,
        IssuedAt = from,
    };

    [Fact]
    public void A_grant_runs_two_years_from_signing()
    {
        var signed = new DateTimeOffset(2026, 1, 15, 3, 0, 0, TimeSpan.Zero);
        var (from, until) = GrantValidity.Compute(Request(signedAt: signed), Now);
        Assert.Equal(signed, from);
        Assert.Equal(new DateTimeOffset(2028, 1, 15, 3, 0, 0, TimeSpan.Zero), until);
    }

    [Fact]
    public void Without_a_signing_time_the_grant_starts_now()
    {
        Assert.Equal((Now, new DateTimeOffset(2028, 3, 1, 8, 0, 0, TimeSpan.Zero)), GrantValidity.Compute(Request(), Now));
    }

    [Theory]
    [InlineData("32")]
    [InlineData("3273")]
    [InlineData("3273011001")]
    public void A_regional_government_without_a_Satu_Data_forum_gets_six_months(string region)
    {
        var (_, until) = GrantValidity.Compute(Request(region: region, withoutForum: true), Now);
        Assert.Equal(new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero), until);
    }

    [Fact]
    public void The_six_month_rule_does_not_apply_to_national_scope()
    {
        var e = Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(region: "", withoutForum: true), Now));
        Assert.Contains("regional governments", e.Message);
    }

    [Fact]
    public void A_district_is_not_a_grant_region()
    {
        var e = Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(region: "327301"), Now));
        Assert.Contains("district", e.Message);
    }

    [Fact]
    public void An_operator_grant_must_be_national()
    {
        Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(region: "32", isOperator: true), Now));
        Assert.Equal(Now, GrantValidity.Compute(Request(region: "", isOperator: true), Now).ValidFrom);
    }

    [Fact]
    public void An_earlier_end_is_accepted_but_not_a_later_or_inverted_one()
    {
        Assert.Equal(Now.AddMonths(3), GrantValidity.Compute(Request(until: Now.AddMonths(3)), Now).ValidUntil);
        var later = Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(withoutForum: true, until: Now.AddMonths(7)), Now));
        Assert.Contains("6 months", later.Message);
        Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(until: Now.AddYears(3)), Now));
        Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(until: Now), Now));
    }

    [Fact]
    public void A_grant_that_would_already_have_expired_is_refused()
    {
        var e = Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(signedAt: Now.AddYears(-3)), Now));
        Assert.Contains("signing date", e.Message);
    }

    [Theory]
    [InlineData("", "organisation")]
    [InlineData("   ", "organisation")]
    [InlineData(" Pemkot Bandung", "white space")]
    [InlineData("Pemkot\u0000Bandung", "control character")]
    public void Bad_names_are_refused_with_the_field_named(string org, string expected)
    {
        var e = Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request(org: org), Now));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void An_undefined_tier_is_refused()
    {
        Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.Compute(Request() with { Tier = (Tier)5 }, Now));
    }

    [Fact]
    public void A_six_month_grant_extends_to_two_years_from_signing_at_most()
    {
        var r = Record(Now, Now.AddMonths(6), withoutForum: true);
        GrantValidity.CheckExtension(r, Now.AddYears(2));
        Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.CheckExtension(r, Now.AddYears(2).AddTicks(1)));
        Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.CheckExtension(r, Now.AddMonths(6)));
    }

    [Fact]
    public void A_two_year_grant_extends_by_at_most_another_term()
    {
        var r = Record(Now, Now.AddYears(2), withoutForum: false);
        GrantValidity.CheckExtension(r, Now.AddYears(4));
        var e = Assert.Throws<InvalidGrantRequestException>(() => GrantValidity.CheckExtension(r, Now.AddYears(4).AddDays(1)));
        Assert.Contains("addendum", e.Message);
    }

    [Fact]
    public void A_revoked_grant_cannot_be_extended()
    {
        var r = Record(Now, Now.AddMonths(6), withoutForum: true, revoked: Now.AddDays(1));
        Assert.Throws<GrantStateException>(() => GrantValidity.CheckExtension(r, Now.AddYears(1)));
    }

    [Fact]
    public void Every_period_starts_at_signing_and_ends_at_the_rule_or_is_refused_when_already_over()
    {
        Prop.ForAll(Gen.Choose(-300, 300).ToArbitrary(), Gen.Choose(0, 1).ToArbitrary(), Gen.Choose(0, 3).ToArbitrary(), (days, flag, level) =>
        {
            var region = new[] { "11", "1101", "1101012001", "" }[level];
            bool withoutForum = flag == 1 && region != "";
            var signed = Now.AddDays(days).AddMinutes(days * 7);
            var request = Request(region: region, withoutForum: withoutForum, signedAt: signed);
            var max = withoutForum ? signed.AddMonths(6) : signed.AddYears(2);
            if (max <= Now) // already over: refused, never issued expired
            {
                try { GrantValidity.Compute(request, Now); return false; }
                catch (InvalidGrantRequestException) { return true; }
            }
            var (from, until) = GrantValidity.Compute(request, Now);
            return from == signed && until == max;
        }).QuickCheckThrowOnFailure();
    }
}
