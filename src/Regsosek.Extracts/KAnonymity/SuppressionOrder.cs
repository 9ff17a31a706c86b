using Regsosek.Schema;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The importance order of local suppression: which quasi-identifier loses its value first in a record of a
/// class smaller than k. As sdcMicro's default ranks key variables by their number of categories, the most
/// detailed and least analytically central variables go first, and geography last, because an extract is
/// asked for a region: age (r407), industry (r417), highest diploma (r415), employment status (r418),
/// marital status (r408), relationship to head (r409), family size (r112), sex (r405), urban/rural, regency.
/// A quasi-identifier the list does not know (a dictionary addition) goes first, by number of codes, then name.
/// </summary>
public static class SuppressionOrder
{
    /// <summary>The documented order, first suppressed first.</summary>
    public static IReadOnlyList<string> Known { get; } =
        ["r407", "r417", "r415", "r418", "r408", "r409", "r112", "r405", "urban_rural", "regency_code"];

    /// <summary>Orders <paramref name="quasiIdentifiers"/> for suppression (first suppressed first).</summary>
    public static IReadOnlyList<string> Of(IEnumerable<Variable> quasiIdentifiers)
    {
        var list = quasiIdentifiers.ToList();
        var unknown = list.Where(v => !Known.Contains(v.Column))
            .OrderByDescending(v => v.Codes.Count == 0 ? int.MaxValue : v.Codes.Count)
            .ThenBy(v => v.Column, StringComparer.Ordinal)
            .Select(v => v.Column);
        var known = Known.Where(k => list.Any(v => v.Column == k));
        return unknown.Concat(known).ToArray();
    }
}
