using Regsosek.Core.Aggregates;

namespace Regsosek.Core.Disclosure;

/// <summary>One additivity constraint of a table: the total row equals the sum of its child rows along one dimension.</summary>
/// <param name="Total">Row index of the total (its key in <paramref name="Dimension"/> is null).</param>
/// <param name="Dimension">The dimension the children vary along.</param>
/// <param name="Children">Row indexes of the rows that equal the total everywhere except a non-null key in that dimension.</param>
public sealed record AdditiveLine(int Total, int Dimension, IReadOnlyList<int> Children);

/// <summary>
/// The additive structure of a table: each row's coordinates (0 = total, 1..n = category), a lookup from
/// coordinates to rows, and the lines "total = Σ children" in every dimension. Rows missing from the table are
/// empty groups (structural zeros) that the caller can infer, so they take no part in any constraint.
/// </summary>
public sealed class TableStructure
{
    private readonly int[] _coords;          // row-major [row * D + dim]
    private readonly long[] _strides;
    private readonly long[] _index;          // mixed-radix index of each row
    private readonly Dictionary<long, int> _rowOf;

    private TableStructure(int dims, int rows, int[] sizes, int[] coords, long[] strides, long[] index, Dictionary<long, int> rowOf)
    {
        Dimensions = dims;
        RowCount = rows;
        Sizes = sizes;
        _coords = coords;
        _strides = strides;
        _index = index;
        _rowOf = rowOf;
    }

    /// <summary>Number of dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Per dimension: number of categories + 1 (coordinate 0 is the total).</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Coordinate of <paramref name="row"/> in <paramref name="dim"/>: 0 for the total, else 1..n.</summary>
    public int Coordinate(int row, int dim) => _coords[row * Dimensions + dim];

    /// <summary>The row whose coordinates equal those of <paramref name="row"/> except <paramref name="dim"/> set to
    /// <paramref name="coordinate"/>; −1 when that group is absent (empty).</summary>
    public int Shift(int row, int dim, int coordinate)
    {
        long key = _index[row] + (coordinate - _coords[row * Dimensions + dim]) * _strides[dim];
        return _rowOf.TryGetValue(key, out int r) ? r : -1;
    }

    /// <summary>
    /// Builds the structure of <paramref name="keys"/> (one key list per row, each with <paramref name="dimensions"/>
    /// entries, null = total). Throws <see cref="ArgumentException"/> when a row has the wrong number of keys, two
    /// rows have the same keys, or a row's margin is missing (the table must hold every margin of the full cube).
    /// </summary>
    public static TableStructure Build(int dimensions, IReadOnlyList<IReadOnlyList<long?>> keys)
    {
        int n = keys.Count;
        var categories = new Dictionary<long, int>[dimensions];
        for (int j = 0; j < dimensions; j++) categories[j] = new Dictionary<long, int>();
        for (int r = 0; r < n; r++)
        {
            var k = keys[r];
            if (k.Count != dimensions)
                throw new ArgumentException($"row {r} has {k.Count} keys but the table has {dimensions} dimensions");
            for (int j = 0; j < dimensions; j++)
                if (k[j] is { } v && !categories[j].ContainsKey(v))
                    categories[j].Add(v, 0);
        }
        var sizes = new int[dimensions];
        var strides = new long[dimensions];
        long stride = 1;
        for (int j = 0; j < dimensions; j++)
        {
            var sorted = categories[j].Keys.ToArray();
            Array.Sort(sorted);
            for (int c = 0; c < sorted.Length; c++) categories[j][sorted[c]] = c + 1;
            sizes[j] = sorted.Length + 1;
            strides[j] = stride;
            stride = checked(stride * sizes[j]);
        }
        var coords = new int[n * dimensions];
        var index = new long[n];
        var rowOf = new Dictionary<long, int>(n);
        for (int r = 0; r < n; r++)
        {
            long ix = 0;
            for (int j = 0; j < dimensions; j++)
            {
                int c = keys[r][j] is { } v ? categories[j][v] : 0;
                coords[r * dimensions + j] = c;
                ix += c * strides[j];
            }
            index[r] = ix;
            if (!rowOf.TryAdd(ix, r))
                throw new ArgumentException($"rows {rowOf[ix]} and {r} have the same keys ({Format(keys[r])}); each group must appear once");
        }
        var s = new TableStructure(dimensions, n, sizes, coords, strides, index, rowOf);
        for (int r = 0; r < n; r++)
            for (int j = 0; j < dimensions; j++)
                if (coords[r * dimensions + j] != 0 && s.Shift(r, j, 0) < 0)
                    throw new ArgumentException(
                        $"the table is incomplete: row ({Format(keys[r])}) has no margin row with dimension {j} totalled; " +
                        "the engine must return every margin (GROUPING SETS of the full cube)");
        return s;
    }

    /// <summary>Every additivity constraint: for each row and each dimension where it is a total, the line of its children.</summary>
    public IReadOnlyList<AdditiveLine> Lines()
    {
        var children = new Dictionary<(int Total, int Dim), List<int>>();
        for (int r = 0; r < RowCount; r++)
            for (int j = 0; j < Dimensions; j++)
                if (Coordinate(r, j) != 0)
                {
                    int total = Shift(r, j, 0);
                    if (!children.TryGetValue((total, j), out var list)) children[(total, j)] = list = [];
                    list.Add(r);
                }
        return children.Select(kv => new AdditiveLine(kv.Key.Total, kv.Key.Dim, kv.Value)).ToList();
    }

    private static string Format(IReadOnlyList<long?> k) => string.Join(", ", k.Select(v => v?.ToString() ?? "total"));
}
