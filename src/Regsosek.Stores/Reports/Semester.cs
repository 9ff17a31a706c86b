using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Regsosek.Stores.Reports;

/// <summary>
/// A reporting semester of PKS art. 10: "2026-1" is January–June 2026 (reported in June), "2026-2" is
/// July–December 2026 (reported in December). Boundaries are midnight Western Indonesia Time (WIB, UTC+07:00),
/// where the data owner sits: 2026-1 is [2026-01-01T00:00+07:00, 2026-07-01T00:00+07:00).
/// </summary>
public readonly record struct Semester
{
    /// <summary>Western Indonesia Time, the zone of the semester boundaries.</summary>
    public static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    private Semester(int year, int half)
    {
        Year = year;
        Half = half;
    }

    /// <summary>The calendar year.</summary>
    public int Year { get; }

    /// <summary>1 (January–June) or 2 (July–December).</summary>
    public int Half { get; }

    /// <summary>The first instant of the semester.</summary>
    public DateTimeOffset Start => new(Year, Half == 1 ? 1 : 7, 1, 0, 0, 0, Wib);

    /// <summary>The first instant after the semester.</summary>
    public DateTimeOffset End => Half == 1 ? new(Year, 7, 1, 0, 0, 0, Wib) : new(Year + 1, 1, 1, 0, 0, 0, Wib);

    /// <summary>Parses "YYYY-1" or "YYYY-2".</summary>
    public static bool TryParse(string? text, out Semester semester, [NotNullWhen(false)] out string? error)
    {
        semester = default;
        error = null;
        var t = text?.Trim() ?? "";
        if (t.Length != 6 || t[4] != '-' || t[5] is not ('1' or '2') || !t[..4].All(char.IsAsciiDigit))
        {
            error = $"semester '{text}' is not valid: write YYYY-1 for January–June or YYYY-2 for July–December, e.g. 2026-1";
            return false;
        }
        int year = int.Parse(t[..4], CultureInfo.InvariantCulture);
        if (year < 2022)
        {
            error = $"semester '{text}' is before Regsosek (2022): no grant can have used the data then";
            return false;
        }
        semester = new Semester(year, t[5] - '0');
        return true;
    }

    /// <summary>Parses "YYYY-1" or "YYYY-2".</summary>
    /// <exception cref="FormatException">The text is not a semester; the message says what to write.</exception>
    public static Semester Parse(string? text) => TryParse(text, out var s, out var e) ? s : throw new FormatException(e);

    /// <summary>"2026-1" or "2026-2".</summary>
    public override string ToString() => $"{Year:D4}-{Half}";
}
