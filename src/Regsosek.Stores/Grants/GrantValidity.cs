using Regsosek.Core;

namespace Regsosek.Stores.Grants;

/// <summary>
/// The pure validity rules of a grant (no I/O):
/// <list type="bullet">
/// <item>two years from signing (PKS art. 5(1));</item>
/// <item>six months for a regional government (province, regency/city or village scope) without a
/// Satu Data forum (circular, "Kelembagaan Forum Satu Data"); once the forum exists the grant can be
/// extended up to the two-year term from signing;</item>
/// <item>a two-year grant can be extended by an addendum (PKS art. 5(2)–(3)) by at most another term;</item>
/// <item>the data owner can close any grant at any time (PKS art. 6(1)c): revoked grants are not extended.</item>
/// </list>
/// </summary>
public static class GrantValidity
{
    /// <summary>The PKS term in years (art. 5(1)).</summary>
    public const int TermYears = 2;

    /// <summary>The term, in months, for a regional government without a Satu Data forum.</summary>
    public const int WithoutForumMonths = 6;

    /// <summary>Longest accepted organisation and unit names.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Longest accepted purpose text.</summary>
    public const int MaxPurposeLength = 2000;

    /// <summary>The latest end of a grant signed at <paramref name="signedAt"/> under the rules.</summary>
    public static DateTimeOffset MaxValidUntil(DateTimeOffset signedAt, bool withoutSatuDataForum) =>
        withoutSatuDataForum ? signedAt.AddMonths(WithoutForumMonths) : signedAt.AddYears(TermYears);

    /// <summary>
    /// Checks <paramref name="request"/> and computes its validity period.
    /// </summary>
    /// <param name="request">The grant request.</param>
    /// <param name="now">The current time (the default signing time; an already expired grant is refused).</param>
    /// <returns>ValidFrom (the signing time) and ValidUntil.</returns>
    /// <exception cref="InvalidGrantRequestException">The request breaks a rule; the message says which and what to fix.</exception>
    public static (DateTimeOffset ValidFrom, DateTimeOffset ValidUntil) Compute(GrantRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckText(request.Organisation, "organisation", MaxNameLength);
        CheckText(request.Unit, "unit", MaxNameLength);
        CheckText(request.Purpose, "purpose", MaxPurposeLength);
        if (!TierExtensions.IsDefined((int)request.Tier))
            throw new InvalidGrantRequestException($"tier {(int)request.Tier} does not exist; use 1 (public), 2 (disaggregated), 3 (microdata) or 4 (BNBA)");
        if (request.Region.Level == RegionLevel.District)
            throw new InvalidGrantRequestException(
                $"region {request.Region} is a district (kecamatan); a grant's region is national, a province, a regency/city or a village (circular §3.2.3)");
        if (request.WithoutSatuDataForum && request.Region.Level == RegionLevel.National)
            throw new InvalidGrantRequestException(
                "the six-month rule without a Satu Data forum applies to regional governments only; a national-scope grant needs a province, regency/city or village region, or no such flag");
        if (request.IsOperator && request.Region.Level != RegionLevel.National)
            throw new InvalidGrantRequestException($"an operator grant administers every grant and must have national scope, not region {request.Region}");

        var from = request.SignedAt ?? now;
        var max = MaxValidUntil(from, request.WithoutSatuDataForum);
        var until = max;
        if (request.ValidUntil is { } asked)
        {
            if (asked <= from)
                throw new InvalidGrantRequestException($"valid-until {Show(asked)} must be after the signing time {Show(from)}");
            if (asked > max)
                throw new InvalidGrantRequestException(
                    $"valid-until {Show(asked)} is later than the rules allow ({Show(max)}: " +
                    (request.WithoutSatuDataForum ? $"{WithoutForumMonths} months for a regional government without a Satu Data forum)" : $"{TermYears} years from signing, PKS art. 5)"));
            until = asked;
        }
        if (until <= now)
            throw new InvalidGrantRequestException($"a grant signed at {Show(from)} would have expired at {Show(until)}, before now ({Show(now)}); check the signing date");
        return (from, until);
    }

    /// <summary>Checks that <paramref name="record"/> may be extended to <paramref name="newUntil"/>.</summary>
    /// <exception cref="GrantStateException">The grant is revoked.</exception>
    /// <exception cref="InvalidGrantRequestException">The new end breaks a rule.</exception>
    public static void CheckExtension(GrantRecord record, DateTimeOffset newUntil)
    {
        ArgumentNullException.ThrowIfNull(record);
        var g = record.Grant;
        if (g.RevokedAt is { } revoked)
            throw new GrantStateException($"grant {g.Id} was revoked at {Show(revoked)} and cannot be extended; issue a new grant");
        if (newUntil <= g.ValidUntil)
            throw new InvalidGrantRequestException($"the new end {Show(newUntil)} must be after the current end {Show(g.ValidUntil)} of grant {g.Id}");
        var max = record.WithoutSatuDataForum
            ? MaxValidUntil(g.ValidFrom, withoutSatuDataForum: false)
            : g.ValidUntil.AddYears(TermYears);
        if (newUntil > max)
            throw new InvalidGrantRequestException(record.WithoutSatuDataForum
                ? $"a six-month grant, once its Satu Data forum exists, extends to the PKS term of {TermYears} years from signing: {Show(max)} at the latest, not {Show(newUntil)}"
                : $"an extension by addendum (PKS art. 5(2)) adds at most {TermYears} years: {Show(max)} at the latest, not {Show(newUntil)}");
    }

    internal static string Show(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static void CheckText(string? value, string field, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidGrantRequestException($"the {field} is empty; give the {field} as written in the PKS");
        if (value.Length > max)
            throw new InvalidGrantRequestException($"the {field} is {value.Length} characters long; at most {max} are accepted");
        if (value.Trim().Length != value.Length)
            throw new InvalidGrantRequestException($"the {field} '{value}' starts or ends with white space; remove it");
        foreach (var c in value)
            if (char.IsControl(c) && c is not ('\n' or '\t') || char.IsSurrogate(c) && !IsValidUtf16(value))
                throw new InvalidGrantRequestException($"the {field} contains a control character or broken Unicode (U+{(int)c:X4}); remove it");
    }

    private static bool IsValidUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(s[i])) return false;
        }
        return true;
    }
}
