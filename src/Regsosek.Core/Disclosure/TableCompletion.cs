using Regsosek.Core.Aggregates;

namespace Regsosek.Core.Disclosure;

/// <summary>
/// Issue 11, class 3: count tables are complete. SQL GROUPING SETS return no row for an empty group, so a table
/// that leaves out a category says "nobody here is in it" without saying so — and in a line where one category
/// holds everyone, that absence is the attribute disclosure the complement rule withholds for percentages.
/// <see cref="Complete"/> adds every missing combination of every dimension's categories (and margins) as an
/// explicit zero: a zero is a zero, shown or withheld by the rules like any other cell
/// (<see cref="DisclosureRules.DominantCategory"/>).
/// </summary>
public static class TableCompletion
{
    /// <summary>
    /// The table with a row for every combination of (each dimension's domain ∪ the keys present ∪ total).
    /// Missing rows get zero counts (key sum 0), 0/0 percentages, and no statistic (group size 0) for the other
    /// kinds. <paramref name="domains"/> has one list per dimension: the dimension's category codes (for "region", the
    /// children of the requested region at the breakdown level, which the caller supplies; add the not-applicable
    /// code −1 where records can have it). Keys present but outside the domain are kept. Existing rows keep their
    /// values; rows come out in a fixed order (by dimension, totals first, then ascending codes).
    /// </summary>
    /// <exception cref="TableTooLargeException">The complete table would exceed <paramref name="maxCells"/> cells.</exception>
    public static ExactTable Complete(ExactTable table, IReadOnlyList<IReadOnlyList<long>> domains, long maxCells = DisclosureOptions.DefaultMaxCells,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(domains);
        int d = table.Shape.Dimensions.Count, m = table.Shape.Measures.Count;
        if (domains.Count != d)
            throw new ArgumentException($"{domains.Count} domains given for a table of {d} dimensions");
        if (d == 0) return table;

        var codes = new long[d][];
        for (int j = 0; j < d; j++)
        {
            var set = new SortedSet<long>(domains[j]);
            foreach (var row in table.Rows)
                if (row.Keys[j] is { } k) set.Add(k);
            codes[j] = [.. set];
        }
        long rows = 1;
        foreach (var c in codes)
        {
            rows = checked(rows * (c.Length + 1));
            if (rows * Math.Max(m, 1) > maxCells)
                throw new TableTooLargeException(TooLarge(table.Shape, codes, maxCells));
        }

        var index = new Dictionary<long, int>[d];
        for (int j = 0; j < d; j++)
        {
            index[j] = new Dictionary<long, int>(codes[j].Length);
            for (int c = 0; c < codes[j].Length; c++) index[j][codes[j][c]] = c + 1;
        }
        var existing = new ExactRow?[rows];
        foreach (var row in table.Rows)
        {
            if (row.Keys.Count != d) throw new ArgumentException($"a row has {row.Keys.Count} keys but the table has {d} dimensions");
            long ix = 0, stride = 1;
            for (int j = 0; j < d; j++)
            {
                ix += (row.Keys[j] is { } k ? index[j][k] : 0) * stride;
                stride *= codes[j].Length + 1;
            }
            if (existing[ix] is not null) throw new ArgumentException("two rows have the same keys; each group must appear once");
            existing[ix] = row;
        }

        var zero = table.Shape.Measures.Select(Zero).ToArray();
        var result = new List<ExactRow>((int)rows);
        var coords = new int[d];
        for (long ix = 0; ix < rows; ix++)
        {
            if ((ix & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            long rest = ix;
            for (int j = 0; j < d; j++)
            {
                coords[j] = (int)(rest % (codes[j].Length + 1));
                rest /= codes[j].Length + 1;
            }
            if (existing[ix] is { } row)
            {
                result.Add(row);
                continue;
            }
            var keys = new long?[d];
            for (int j = 0; j < d; j++) keys[j] = coords[j] == 0 ? null : codes[j][coords[j] - 1];
            result.Add(new ExactRow(keys, zero));
        }
        return new ExactTable(table.Shape, result);
    }

    /// <summary>The number of rows the complete table of these domain sizes has: Π (|domain_j| + 1).</summary>
    public static long CompleteRowCount(IReadOnlyList<int> domainSizes)
    {
        long rows = 1;
        foreach (var s in domainSizes) rows = checked(rows * (s + 1));
        return rows;
    }

    private static ExactValue Zero(MeasureInfo measure) => measure.Kind switch
    {
        StatisticKind.Count => ExactValue.OfCount(0, 0),
        StatisticKind.Percentage => ExactValue.OfPercentage(new KeyedCount(0, 0), new KeyedCount(0, 0)),
        _ => new ExactValue { Kind = measure.Kind, GroupSize = 0 },
    };

    private static string TooLarge(TableShape shape, long[][] codes, long maxCells) =>
        $"the complete table would have more than {maxCells.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} cells (" +
        string.Join(" × ", shape.Dimensions.Select((name, j) => $"{name} {codes[j].Length + 1}")) +
        $" rows × {shape.Measures.Count} measures): narrow the request — a smaller region, a coarser breakdown, fewer group_by dimensions or measures";
}
