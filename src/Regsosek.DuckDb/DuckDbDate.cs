namespace Regsosek.DuckDb;

/// <summary>DuckDB DATE values are int32 days since 1970-01-01; conversions to and from <see cref="DateOnly"/>.</summary>
public static class DuckDbDate
{
    /// <summary><see cref="DateOnly.DayNumber"/> of 1970-01-01.</summary>
    public static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>Days since 1970-01-01 of <paramref name="date"/>.</summary>
    public static int ToDays(DateOnly date) => date.DayNumber - EpochDayNumber;

    /// <summary>The date <paramref name="days"/> days after 1970-01-01.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The value is outside 0001-01-01..9999-12-31 (DuckDB's 'infinity' dates included).
    /// </exception>
    public static DateOnly ToDateOnly(int days)
    {
        long dayNumber = (long)days + EpochDayNumber;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
            throw new ArgumentOutOfRangeException(nameof(days), days,
                "DuckDB DATE value is outside the range of DateOnly (0001-01-01 to 9999-12-31); infinite dates cannot be converted");
        return DateOnly.FromDayNumber((int)dayNumber);
    }
}
