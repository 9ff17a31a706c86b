using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;
using DuckDB.NET.Native;
using Regsosek.DataAccess;

namespace Regsosek.Engine;

/// <summary>Reads a plan's result vectors into exact rows (see <see cref="QueryPlan"/> for the column layout).</summary>
internal static class ResultReader
{
    public static ExactTable Read(ChunkStream result, QueryPlan plan)
    {
        int dims = plan.Shape.Dimensions.Count;
        CheckTypes(result, plan, dims);
        var rows = new List<ExactRow>();
        while (result.Next())
        {
            int n = result.RowCount;
            var gid = result.Column<long>(0);
            for (int row = 0; row < n; row++)
            {
                var keys = new long?[dims];
                for (int d = 0; d < dims; d++)
                {
                    bool margin = ((gid[row] >> (dims - 1 - d)) & 1) != 0;
                    if (margin) continue;
                    // A real NULL key (not a margin) cannot come from catalogue dimensions, which map NULL
                    // to "not applicable"; a NULL region code would be bad data: report it the same way.
                    keys[d] = result.IsValid(1 + d, row) ? result.Column<long>(1 + d)[row] : Dimension.NotApplicableCode;
                }
                var values = new ExactValue[plan.Layout.Count];
                for (int m = 0; m < values.Length; m++)
                    values[m] = ReadValue(result, row, plan.Layout[m]);
                rows.Add(new ExactRow(keys, values));
            }
        }
        return new ExactTable(plan.Shape, rows);
    }

    private static ExactValue ReadValue(ChunkStream chunk, int row, MeasureLayout layout)
    {
        int c = layout.FirstColumn;
        var first = new KeyedCount(Long(chunk, row, c), Long(chunk, row, c + 1));
        switch (layout.Kind)
        {
            case StatisticKind.Count:
                return ExactValue.OfCount(first.Count, first.KeySum);
            case StatisticKind.Percentage:
                return ExactValue.OfPercentage(first, new KeyedCount(Long(chunk, row, c + 2), Long(chunk, row, c + 3)));
            case StatisticKind.Sum or StatisticKind.Mean:
                return new ExactValue
                {
                    Kind = layout.Kind,
                    Numerator = first,
                    GroupSize = first.Count,
                    Statistic = Double(chunk, row, c + 2),
                    Largest = Double(chunk, row, c + 3),
                    SecondLargest = Double(chunk, row, c + 4),
                };
            default:
                return new ExactValue
                {
                    Kind = layout.Kind,
                    Numerator = first,
                    GroupSize = first.Count,
                    Statistic = Double(chunk, row, c + 2),
                    Probability = layout.Probability,
                };
        }
    }

    private static long Long(ChunkStream chunk, int row, int column) =>
        chunk.IsValid(column, row) ? chunk.Column<long>(column)[row] : 0;

    private static double? Double(ChunkStream chunk, int row, int column) =>
        chunk.IsValid(column, row) ? chunk.Column<double>(column)[row] : null;

    private static void CheckTypes(ChunkStream result, QueryPlan plan, int dims)
    {
        int expected = 1 + dims + plan.Layout.Sum(l => MeasureLayout.ColumnCount(l.Kind));
        if (result.ColumnCount != expected)
            throw new InvalidOperationException($"the query returned {result.ColumnCount} columns; its plan expects {expected}");
        for (int c = 0; c < 1 + dims; c++) Expect(result, c, DuckDBType.BigInt);
        foreach (var layout in plan.Layout)
        {
            int count = MeasureLayout.ColumnCount(layout.Kind);
            for (int i = 0; i < count; i++)
            {
                bool isDouble = layout.Kind is not (StatisticKind.Count or StatisticKind.Percentage) && i >= 2;
                Expect(result, layout.FirstColumn + i, isDouble ? DuckDBType.Double : DuckDBType.BigInt);
            }
        }
    }

    private static void Expect(ChunkStream result, int column, DuckDBType type)
    {
        if (result.ColumnType(column) != type)
            throw new InvalidOperationException($"result column {column} ({result.ColumnName(column)}) is {result.ColumnType(column)}; the plan expects {type}");
    }
}
