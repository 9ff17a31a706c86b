using System.Diagnostics.CodeAnalysis;

namespace Regsosek.Core;

/// <summary>
/// A Kemendagri region code: province (2 digits), regency/city (4), district (6) or village (10),
/// or the empty code for the whole nation. Stored as plain digits; the dotted form of
/// idn-area-data ("11.01.01.2001") is accepted on input. Containment is by prefix.
/// </summary>
public readonly record struct RegionCode
{
    private readonly string? _digits;

    private RegionCode(string digits) => _digits = digits;

    /// <summary>The whole of Indonesia.</summary>
    public static RegionCode National => default;

    /// <summary>Plain digits; empty for national.</summary>
    public string Value => _digits ?? "";

    public RegionLevel Level => Value.Length switch
    {
        0 => RegionLevel.National,
        2 => RegionLevel.Province,
        4 => RegionLevel.Regency,
        6 => RegionLevel.District,
        _ => RegionLevel.Village,
    };

    /// <summary>The code as an integer, as stored in the data's region columns (0 for national).</summary>
    public long Numeric => Value.Length == 0 ? 0 : long.Parse(Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>For a village: true when it is a kelurahan (urban), whose 4-digit part starts with 1.</summary>
    public bool IsKelurahan => Level == RegionLevel.Village && Value[6] == '1';

    /// <summary>Parses plain or dotted digits; the empty string is national.</summary>
    public static bool TryParse(string? text, out RegionCode code, [NotNullWhen(false)] out string? error)
    {
        code = default;
        error = null;
        if (text is null || text.Length == 0)
            return true;
        Span<char> buf = stackalloc char[10];
        int n = 0;
        int[] dotAfter = [2, 4, 6];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                if (Array.IndexOf(dotAfter, n) < 0 || i == text.Length - 1 || text[i - 1] == '.')
                {
                    error = $"region code '{Truncate(text)}' has a misplaced '.'; use 2, 4, 6 or 10 digits, e.g. 32, 3201, 320101 or 3201012001";
                    return false;
                }
                continue;
            }
            if (c is < '0' or > '9' || n == 10)
            {
                error = $"region code '{Truncate(text)}' must be 2, 4, 6 or 10 digits, e.g. 32, 3201, 320101 or 3201012001";
                return false;
            }
            buf[n++] = c;
        }
        if (n is not (2 or 4 or 6 or 10))
        {
            error = $"region code '{Truncate(text)}' has {n} digits; a code has 2 (province), 4 (regency/city), 6 (district) or 10 (village)";
            return false;
        }
        if (buf[0] == '0')
        {
            error = $"region code '{Truncate(text)}' cannot start with 0";
            return false;
        }
        code = new RegionCode(new string(buf[..n]));
        return true;
    }

    public static RegionCode Parse(string? text) =>
        TryParse(text, out var code, out var error) ? code : throw new FormatException(error);

    /// <summary>Builds a code from the numeric form used in the data columns.</summary>
    public static RegionCode FromNumeric(long value, RegionLevel level)
    {
        if (level == RegionLevel.National) return National;
        var s = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (s.Length != level.CodeLength())
            throw new ArgumentOutOfRangeException(nameof(value), $"{value} is not a {level} code");
        return new RegionCode(s);
    }

    /// <summary>The enclosing region one level up (national for a province).</summary>
    public RegionCode Parent => Level switch
    {
        RegionLevel.National => throw new InvalidOperationException("the nation has no parent region"),
        RegionLevel.Province => National,
        RegionLevel.Regency => new RegionCode(Value[..2]),
        RegionLevel.District => new RegionCode(Value[..4]),
        _ => new RegionCode(Value[..6]),
    };

    /// <summary>The enclosing region at <paramref name="level"/> (which must not be below this code's level).</summary>
    public RegionCode AncestorAt(RegionLevel level)
    {
        if (level > Level) throw new ArgumentOutOfRangeException(nameof(level), $"{level} is below {Level}");
        return level == RegionLevel.National ? National : new RegionCode(Value[..level.CodeLength()]);
    }

    /// <summary>True when <paramref name="other"/> is this region or lies inside it.</summary>
    public bool Contains(RegionCode other) => other.Value.StartsWith(Value, StringComparison.Ordinal);

    public override string ToString() => Level == RegionLevel.National ? "national" : Value;

    private static string Truncate(string s) => s.Length <= 24 ? s : s[..24] + "…";
}
