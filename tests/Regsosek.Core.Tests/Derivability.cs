using System.Numerics;
using Regsosek.Core.Disclosure;

namespace Regsosek.Core.Tests;

/// <summary>
/// The independent check of secondary suppression: which withheld cells are uniquely determined by the table's
/// additivity equations once the released cells are known.
/// </summary>
/// <remarks>
/// The constraints are A·x = 0, one row per line "total − Σ children = 0" (absent groups are known zeros and drop
/// out). Split x into released cells R (known) and withheld cells W (unknown): A_W·x_W = −A_R·x_R. The system is
/// consistent (the true table solves it), so its solutions are x_W* + null(A_W). A withheld cell c is determined
/// iff every null vector of A_W is 0 at c, i.e. iff, in the reduced row echelon form of A_W, c is a pivot column
/// whose pivot row is 0 in every free (non-pivot) column. Elimination is exact: fraction-free over BigInteger,
/// each row divided by the gcd of its entries.
/// </remarks>
internal static class Derivability
{
    /// <summary>The withheld rows whose values the released rows determine (empty when the pattern is safe).</summary>
    public static List<int> DerivableCells(TableStructure table, IReadOnlyList<bool> withheld)
    {
        var columnOf = new Dictionary<int, int>();
        var cells = new List<int>();
        for (int r = 0; r < table.RowCount; r++)
            if (withheld[r]) { columnOf[r] = cells.Count; cells.Add(r); }
        var equations = new List<Dictionary<int, int>>();
        foreach (var line in table.Lines())
        {
            var eq = new Dictionary<int, int>();
            if (columnOf.TryGetValue(line.Total, out int t)) eq[t] = 1;
            foreach (int c in line.Children)
                if (columnOf.TryGetValue(c, out int k)) eq[k] = -1;
            if (eq.Count > 0) equations.Add(eq);
        }
        try
        {
            return Determined(equations, cells.Count, v => (long)v, (a, b) => checked(a * b), (a, b) => checked(a - b), Gcd, (a, g) => a / g, a => a == 0)
                .Select(col => cells[col]).ToList();
        }
        catch (OverflowException)
        {
            return Determined(equations, cells.Count, v => (BigInteger)v, (a, b) => a * b, (a, b) => a - b, BigInteger.GreatestCommonDivisor, (a, g) => a / g, a => a.IsZero)
                .Select(col => cells[col]).ToList();
        }
    }

    private static long Gcd(long a, long b)
    {
        a = Math.Abs(a); b = Math.Abs(b);
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary>Fraction-free Gauss-Jordan elimination over integers of type <typeparamref name="T"/>; returns the
    /// columns determined (pivot columns whose pivot row is zero in every free column).</summary>
    private static List<int> Determined<T>(List<Dictionary<int, int>> equations, int w, Func<int, T> of, Func<T, T, T> mul, Func<T, T, T> sub,
        Func<T, T, T> gcd, Func<T, T, T> div, Func<T, bool> isZero)
    {
        var rows = equations.Select(eq =>
        {
            var row = new T[w];
            for (int k = 0; k < w; k++) row[k] = of(0);
            foreach (var (k, v) in eq) row[k] = of(v);
            return row;
        }).ToList();
        var pivotRowOf = new int[w];
        Array.Fill(pivotRowOf, -1);
        int rank = 0;
        for (int col = 0; col < w && rank < rows.Count; col++)
        {
            int pr = -1;
            for (int r = rank; r < rows.Count; r++) if (!isZero(rows[r][col])) { pr = r; break; }
            if (pr < 0) continue;
            (rows[rank], rows[pr]) = (rows[pr], rows[rank]);
            var pivot = rows[rank];
            for (int r = 0; r < rows.Count; r++)
            {
                if (r == rank || isZero(rows[r][col])) continue;
                var f = rows[r][col];
                var row = rows[r];
                var g = of(0);
                for (int k = 0; k < w; k++)
                {
                    if (isZero(row[k]) && isZero(pivot[k])) continue;
                    row[k] = sub(mul(row[k], pivot[col]), mul(pivot[k], f));
                    if (!isZero(row[k])) g = gcd(g, row[k]);
                }
                if (!isZero(g))
                    for (int k = 0; k < w; k++) row[k] = div(row[k], g);
            }
            pivotRowOf[col] = rank++;
        }
        var determined = new List<int>();
        for (int col = 0; col < w; col++)
        {
            if (pivotRowOf[col] < 0) continue;
            var row = rows[pivotRowOf[col]];
            bool alone = true;
            for (int k = 0; k < w && alone; k++)
                if (pivotRowOf[k] < 0 && !isZero(row[k])) alone = false;
            if (alone) determined.Add(col);
        }
        return determined;
    }
}
