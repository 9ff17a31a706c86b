namespace Regsosek.Core.Disclosure;

/// <summary>
/// Secondary suppression by the hypercube method (Repsilber; tau-ARGUS "GHMITER"), for tables whose every
/// dimension is flat: categories plus one total.
/// </summary>
/// <remarks>
/// <para><b>Why the hypercube method.</b> It runs in milliseconds on the small result table without an LP solver
/// (the modular/optimal methods of tau-ARGUS need one, and no solver package is available here); it handles any
/// number of dimensions; and its protection is provable by construction, which the property tests then check by
/// solving the table's linear equalities.</para>
/// <para><b>The construction.</b> For a withheld cell p with coordinates (x₁…x_d) pick, in every dimension j, an
/// alternative y_j ≠ x_j (another category, or the total when x_j is a category). The 2^d corners
/// {x₁,y₁}×…×{x_d,y_d} are withheld. Give corner c the sign Π_j σ_j(c_j), where σ_j is +1 at x_j and at y_j when
/// one of them is the total, else +1 at x_j and −1 at y_j. Adding e·sign to every corner keeps every line
/// "total = Σ children" true: a line through a corner in dimension j holds exactly that corner and its partner
/// in j; with two categories their changes cancel, with a category and its total both change by the same amount.
/// So there is a vector in the null space of the constraints, supported on withheld cells, that is non-zero at
/// p: p's value is not determined by the released cells. Later suppressions only release less, so the
/// protection of every earlier cell survives; every secondary cell is itself a corner of such a hypercube.</para>
/// <para><b>Choice.</b> Among hypercubes whose corners all exist (a missing row is an empty group, known to be
/// 0, so it cannot hide anything), the one adding the least cost is chosen by depth-first search with
/// branch-and-bound: a corner already withheld costs 0; another costs its value + 1 ("few and small"), and a
/// corner whose value is 0 costs more than the whole table (a zero next to a withheld cell bounds it by
/// non-negativity). In a complete table (every margin present) a hypercube always exists: with y_j = total on
/// p's category dimensions and, on its total dimensions, the categories of one of its non-empty child rows, every
/// corner is a margin of that child row. Primaries are processed smallest first; one already in an earlier
/// hypercube needs nothing more.</para>
/// <para><b>Not considered:</b> interval (protection-level) width under non-negativity beyond avoiding zero
/// corners; an attacker who knows the values are non-negative may bound a withheld cell more narrowly than
/// "undetermined" suggests. Counts are perturbed at tiers 1–2 on top of this.</para>
/// </remarks>
public static class HypercubeSuppression
{
    /// <summary>
    /// Extends <paramref name="withheld"/> (the primary suppressions) with complementary cells so that no withheld
    /// cell is derivable from the released ones by additivity. <paramref name="values"/> are the cells' sizes
    /// (non-negative), used as the cost. Returns the rows newly withheld (the secondary suppressions).
    /// </summary>
    /// <remarks>Stops with <see cref="OperationCanceledException"/> soon after <paramref name="cancellationToken"/> is
    /// cancelled: it is checked before each primary cell and every 4,096 search steps (issue 11, class 6).</remarks>
    public static List<int> Protect(TableStructure table, bool[] withheld, ReadOnlySpan<double> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        int n = table.RowCount, d = table.Dimensions;
        if (withheld.Length != n || values.Length != n)
            throw new ArgumentException("withheld and values must have one entry per row");
        var added = new List<int>();
        if (d == 0) return added;

        double zeroCost = 1;
        for (int r = 0; r < n; r++) zeroCost += Math.Max(values[r], 0) + 1;
        var cost = new double[n];
        for (int r = 0; r < n; r++) cost[r] = values[r] > 0 ? values[r] + 1 : zeroCost;

        var primaries = new List<int>();
        for (int r = 0; r < n; r++) if (withheld[r]) primaries.Add(r);
        primaries.Sort((a, b) => cost[a] != cost[b] ? cost[a].CompareTo(cost[b]) : a.CompareTo(b));

        var search = new Search(table, withheld, cost, cancellationToken);
        var isProtected = new bool[n];
        foreach (int p in primaries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (isProtected[p]) continue;
            var cube = search.Best(p)
                ?? throw new InvalidOperationException($"no protecting hypercube exists for row {p}; the table is not complete");
            foreach (int c in cube)
            {
                isProtected[c] = true;
                if (!withheld[c])
                {
                    withheld[c] = true;
                    added.Add(c);
                }
            }
        }
        return added;
    }

    /// <summary>Depth-first branch-and-bound over the alternatives of each dimension.</summary>
    private sealed class Search
    {
        private readonly TableStructure _t;
        private readonly bool[] _withheld;
        private readonly double[] _cost;
        private readonly int[][] _corners;       // per depth j: the 2^j corners of the face built so far
        private readonly int[] _bestCorners;
        private readonly int[] _alternatives;
        private readonly double[] _altCost;           // only its length is used: the stride of _alternatives
        private readonly (double Cost, int Y)[] _sortKeys;
        private readonly CancellationToken _ct;
        private double _best;
        private bool _found;
        private int _steps;

        public Search(TableStructure t, bool[] withheld, double[] cost, CancellationToken ct)
        {
            _ct = ct;
            _t = t;
            _withheld = withheld;
            _cost = cost;
            int d = t.Dimensions;
            _corners = new int[d + 1][];
            for (int j = 0; j <= d; j++) _corners[j] = new int[1 << j];
            _bestCorners = new int[1 << d];
            int maxSize = 0;
            for (int j = 0; j < d; j++) maxSize = Math.Max(maxSize, t.Sizes[j]);
            _alternatives = new int[d * maxSize];
            _altCost = new double[maxSize];
            _sortKeys = new (double, int)[maxSize];
        }

        public int[]? Best(int p)
        {
            _best = double.PositiveInfinity;
            _found = false;
            _corners[0][0] = p;
            Recurse(0, _withheld[p] ? 0 : _cost[p]);
            return _found ? (int[])_bestCorners.Clone() : null;
        }

        private void Recurse(int dim, double costSoFar)
        {
            if ((++_steps & 0xFFF) == 0) _ct.ThrowIfCancellationRequested();
            int d = _t.Dimensions;
            if (dim == d)
            {
                if (costSoFar < _best)
                {
                    _best = costSoFar;
                    _found = true;
                    Array.Copy(_corners[d], _bestCorners, _bestCorners.Length);
                }
                return;
            }
            int p = _corners[0][0];
            int size = _t.Sizes[dim];
            int x = _t.Coordinate(p, dim);
            // Candidate alternatives in this dimension, cheapest edge (p shifted) first (ties: lower coordinate first),
            // for effective pruning. Sorted with Array.Sort on (cost, coordinate): O(k log k), where an insertion sort
            // was O(k²) on a line of thousands of villages (issue 11, class 6).
            int offset = dim * _altCost.Length, count = 0;
            for (int y = 0; y < size; y++)
            {
                if (y == x) continue;
                int q = _t.Shift(p, dim, y);
                if (q < 0) continue;
                _sortKeys[count++] = (_withheld[q] ? 0 : _cost[q], y);
            }
            Array.Sort(_sortKeys, 0, count);
            for (int i = 0; i < count; i++) _alternatives[offset + i] = _sortKeys[i].Y;
            var face = _corners[dim];
            var next = _corners[dim + 1];
            int half = face.Length;
            for (int a = 0; a < count; a++)
            {
                int y = _alternatives[offset + a];
                double added = 0;
                bool complete = true;
                for (int c = 0; c < half; c++)
                {
                    int q = _t.Shift(face[c], dim, y);
                    if (q < 0) { complete = false; break; }
                    next[half + c] = q;
                    if (!_withheld[q]) added += _cost[q];
                    if (costSoFar + added >= _best) { complete = false; break; }
                }
                if (!complete) continue;
                Array.Copy(face, next, half);
                Recurse(dim + 1, costSoFar + added);
            }
        }
    }
}
