using System.Globalization;
using System.Numerics;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// Packs a record's quasi-identifiers into one integer, exactly: quasi-identifier i (in suppression order) takes
/// <see cref="Width"/>(i) bits at <see cref="Shift"/>(i), holding 0 for NULL and value − min + 1 otherwise, with
/// min and max taken from the staged records themselves. Two records have the same key if and only if they have
/// the same values (a NULL matching only a NULL), so the class table, local suppression and the join of the
/// suppression back onto the records work on one BIGINT column (a HUGEINT when the fields need more than 62 bits)
/// instead of ten: the tables of combinations, which grow with the extract, are several times narrower.
/// Suppressing quasi-identifier i clears its field to 0 (NULL). Pure: builds SQL text from integers it computed.
/// </summary>
internal sealed class QuasiIdentifierKey
{
    /// <summary>Most bits a key may use: a HUGEINT is signed 128 bits, and keys stay positive.</summary>
    public const int MaxBits = 126;

    private const int BigIntBits = 62;

    private readonly long[] _min;
    private readonly int[] _shift;
    private readonly int[] _width;

    private QuasiIdentifierKey(IReadOnlyList<string> columns, IReadOnlyList<string> columnTypes, long[] min, int[] shift, int[] width, int bits)
    {
        Columns = columns;
        ColumnTypes = columnTypes;
        _min = min;
        _shift = shift;
        _width = width;
        Bits = bits;
        SqlType = bits <= BigIntBits ? "BIGINT" : "HUGEINT";
    }

    /// <summary>The quasi-identifiers, in suppression order (field i is Columns[i]).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The quasi-identifiers' DuckDB types (BIGINT unless given): decoded values are cast back to them (<see cref="TypedValue"/>).</summary>
    public IReadOnlyList<string> ColumnTypes { get; }

    /// <summary>Bits the key uses.</summary>
    public int Bits { get; }

    /// <summary>The key's DuckDB type: BIGINT up to 62 bits, HUGEINT above.</summary>
    public string SqlType { get; }

    /// <summary>Bits of field <paramref name="index"/>.</summary>
    public int Width(int index) => _width[index];

    /// <summary>Position of field <paramref name="index"/>'s lowest bit.</summary>
    public int Shift(int index) => _shift[index];

    /// <summary>
    /// The key for quasi-identifiers whose non-NULL values lie in the given ranges (null bounds: the column is all
    /// NULL), of the DuckDB types <paramref name="columnTypes"/> (integer types; BIGINT when not given). Throws when
    /// the fields need more than <see cref="MaxBits"/> bits (a quasi-identifier with a range of about 2^60 values or
    /// more — no dictionary variable comes near).
    /// </summary>
    public static QuasiIdentifierKey Create(IReadOnlyList<string> columns, IReadOnlyList<(long? Min, long? Max)> ranges,
        IReadOnlyList<string>? columnTypes = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(ranges);
        if (columns.Count != ranges.Count) throw new ArgumentException("one range per quasi-identifier", nameof(ranges));
        columnTypes ??= columns.Select(_ => "BIGINT").ToArray();
        if (columnTypes.Count != columns.Count) throw new ArgumentException("one type per quasi-identifier", nameof(columnTypes));
        foreach (var type in columnTypes)
            if (!IntegerTypes.Contains(type)) throw new ArgumentException($"a quasi-identifier must be of an integer type, not {type}", nameof(columnTypes));
        var min = new long[columns.Count];
        var shift = new int[columns.Count];
        var width = new int[columns.Count];
        int bits = 0;
        for (int i = 0; i < columns.Count; i++)
        {
            var (lo, hi) = ranges[i];
            if (lo is null || hi is null)
            {
                // All NULL: the field is always 0 and needs no bit.
                min[i] = 0;
                width[i] = 0;
            }
            else
            {
                if (hi < lo) throw new ArgumentException($"range of {columns[i]}: max {hi} is below min {lo}", nameof(ranges));
                // Codes 0 (NULL) to max − min + 1; computed in 128 bits so no range overflows.
                UInt128 top = (UInt128)((Int128)hi.Value - lo.Value) + 1;
                min[i] = lo.Value;
                width[i] = 128 - (int)UInt128.LeadingZeroCount(top);
            }
            shift[i] = bits;
            bits += width[i];
            if (bits > MaxBits)
                throw new InvalidOperationException(
                    $"the quasi-identifiers' value ranges need more than {MaxBits} bits to pack ({columns[i]} reaches bit {bits}); the k-anonymity step supports narrower quasi-identifiers only");
        }
        return new QuasiIdentifierKey(columns, columnTypes, min, shift, width, bits);
    }

    /// <summary>The DuckDB integer types a quasi-identifier may have (what <c>typeof</c> says).</summary>
    public static readonly IReadOnlySet<string> IntegerTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
    };

    /// <summary>
    /// SQL returning one row: min and max (BIGINT) of every quasi-identifier of <paramref name="table"/>, in
    /// order (min of the first, max of the first, min of the second, …), for <see cref="Create"/>.
    /// </summary>
    public static string RangesSql(string table, IReadOnlyList<string> columns) =>
        columns.Count == 0
            ? "SELECT 1"
            : $"SELECT {string.Join(", ", columns.Select(ExtractPlanner.Quote).Select(c => $"min(CAST({c} AS BIGINT)), max(CAST({c} AS BIGINT))"))} FROM {table}";

    /// <summary>The key of a record, from its quasi-identifier columns (<paramref name="alias"/>."column").</summary>
    public string Pack(string alias)
    {
        var parts = new List<string>(Columns.Count);
        for (int i = 0; i < Columns.Count; i++)
        {
            if (_width[i] == 0) continue;
            // Code = value − min + 1, written as one addition of a constant (a third of the work per record): the
            // constant is folded here, unless it does not fit the key type (then the subtraction comes first).
            var value = $"CAST({alias}.{ExtractPlanner.Quote(Columns[i])} AS {SqlType})";
            Int128 offset = 1 - (Int128)_min[i];
            var code = offset == 0 ? $"coalesce({value}, 0)"
                : SqlType == "HUGEINT" || (offset >= long.MinValue && offset <= long.MaxValue) ? $"coalesce({value} + ({offset.ToString(CultureInfo.InvariantCulture)}), 0)"
                : $"coalesce({value} - ({Int(_min[i])}) + 1, 0)";
            parts.Add(_shift[i] == 0 ? code : $"({code} << {Int(_shift[i])})");
        }
        return parts.Count == 0 ? $"CAST(0 AS {SqlType})" : $"CAST({string.Join(" | ", parts)} AS {SqlType})";
    }

    /// <summary>Field <paramref name="index"/> of <paramref name="key"/> (a SQL expression): 0 for NULL.</summary>
    public string Field(string key, int index) =>
        _width[index] == 0 ? "0" : $"(({key} >> {Int(_shift[index])}) & {Mask(index)})";

    /// <summary>The value of quasi-identifier <paramref name="index"/> in <paramref name="key"/>, as BIGINT (NULL when suppressed or missing).</summary>
    public string Value(string key, int index)
    {
        if (_width[index] == 0) return "CAST(NULL AS BIGINT)";
        var field = Field(key, index);
        return $"CASE WHEN {field} = 0 THEN NULL ELSE CAST({field} - 1 + ({Int(_min[index])}) AS BIGINT) END";
    }

    /// <summary>The value of quasi-identifier <paramref name="index"/> in <paramref name="key"/>, as the column's own type.</summary>
    public string TypedValue(string key, int index) => $"CAST({Value(key, index)} AS {ColumnTypes[index]})";

    /// <summary>
    /// A condition on the key column <paramref name="key"/>: its last field is in [low, high]
    /// (codes, 0 = NULL). Written on the key's value, so DuckDB can skip row groups by their min/max. Only for the
    /// last field (the highest bits): then the keys with that field in [low, high] form one range.
    /// </summary>
    public string LastFieldInRange(string key, long low, long high)
    {
        int last = Columns.Count - 1;
        if (_width[last] == 0) return "true";
        return $"{key} >= (CAST({Int(low)} AS {SqlType}) << {Int(_shift[last])}) AND {key} < (CAST({Int(high + 1)} AS {SqlType}) << {Int(_shift[last])})";
    }

    /// <summary>
    /// A condition on a record's own column for the last quasi-identifier (<paramref name="alias"/>."column"): its
    /// field is in [low, high] (code 0 = NULL). On the raw column, so DuckDB can skip row groups by their min/max.
    /// </summary>
    public string RecordLastFieldInRange(string alias, long low, long high)
    {
        int last = Columns.Count - 1;
        if (_width[last] == 0) return "true";
        var column = $"{alias}.{ExtractPlanner.Quote(Columns[last])}";
        // Code c is value c − 1 + min.
        string Value(long code) => Int(code - 1 + _min[last]);
        if (low > 0) return $"{column} BETWEEN {Value(low)} AND {Value(high)}";
        return high == 0 ? $"{column} IS NULL" : $"({column} IS NULL OR {column} <= {Value(high)})";
    }

    /// <summary>
    /// The bits of field <paramref name="index"/> in place, as a value of the key's .NET type (long or Int128):
    /// suppressing that quasi-identifier clears them (<see cref="SuppressionRounds"/>).
    /// </summary>
    public TKey FieldMask<TKey>(int index) where TKey : IBinaryInteger<TKey> =>
        ((TKey.One << _width[index]) - TKey.One) << _shift[index];

    /// <summary>The field's mask at bit 0 as a SQL expression of the key type.</summary>
    private string Mask(int index) => $"((CAST(1 AS {SqlType}) << {Int(_width[index])}) - 1)";

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
