using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.LoadBenchmark;

/// <summary>One exact result row read directly from DuckDB: the group key and each measure's exact value.</summary>
/// <param name="Key">The row's keys joined with '|', "*" for a margin (see <see cref="DirectDuckDb.KeyOf"/>).</param>
/// <param name="Counts">Per measure: its first count column (count, numerator count, or group size).</param>
/// <param name="Denominators">Per measure: the denominator count of a percentage, else 0.</param>
/// <param name="Statistics">Per measure: the statistic (percentile, mean, ...) or null.</param>
public sealed record DirectRow(string Key, long[] Counts, long[] Denominators, double?[] Statistics);

/// <summary>
/// The same SQL as the service, run on DuckDB directly through DuckDB.NET (prepared once, read as chunk spans): a fresh in-memory database of
/// its own (not the service's engine), with the engine's settings (threads: DuckDB's default, all cores;
/// preserve_insertion_order = false; Parquet metadata cache on), one connection, each request's statement prepared once, parameters
/// bound per run, the result streamed and read minimally (row count and one column). Not thread-safe.
/// </summary>
public sealed class DirectDuckDb : IDisposable
{
    private readonly DuckDBConnection _connection;
    private readonly Dictionary<string, (PreparedQuery Statement, QueryPlan Plan)> _statements = new(StringComparer.Ordinal);

    /// <summary>Opens the database with the engine's settings, Parquet metadata cache included (AggregateEngineOptions).</summary>
    public DirectDuckDb()
    {
        _connection = DuckDbSettings.Open(null, new DuckDbSettings { PreserveInsertionOrder = false });
        _connection.Execute("LOAD parquet; SET parquet_metadata_cache = true;");
    }

    /// <summary>Prepares <paramref name="plan"/>'s SQL under <paramref name="id"/>.</summary>
    public void Prepare(string id, QueryPlan plan) => _statements[id] = (PreparedQuery.Prepare(_connection, plan.Sql), plan);

    /// <summary>Runs <paramref name="id"/>'s query, reading minimally; returns the number of result rows.</summary>
    public long Run(string id)
    {
        var (statement, plan) = Bound(id);
        using var result = statement.Execute();
        long rows = 0, sum = 0;
        int column = plan.Layout[0].FirstColumn;
        while (result.Next())
        {
            rows += result.RowCount;
            foreach (var count in result.Column<long>(column)) sum += count;
        }
        GC.KeepAlive(sum);
        return rows;
    }

    /// <summary>Runs <paramref name="id"/>'s query and reads every row's key and exact values (for the result check).</summary>
    public IReadOnlyList<DirectRow> ReadAll(string id)
    {
        var (statement, plan) = Bound(id);
        int dims = plan.Shape.Dimensions.Count, measures = plan.Layout.Count;
        var rows = new List<DirectRow>();
        using var chunk = statement.Execute();
        var keys = new long?[dims];
        while (chunk.Next())
        {
            int n = chunk.RowCount;
            var gid = chunk.Column<long>(0);
            for (int r = 0; r < n; r++)
            {
                for (int d = 0; d < dims; d++)
                {
                    bool margin = ((gid[r] >> (dims - 1 - d)) & 1) != 0;
                    keys[d] = margin ? null : chunk.IsValid(1 + d, r) ? chunk.Column<long>(1 + d)[r] : Dimension.NotApplicableCode;
                }
                var counts = new long[measures];
                var denominators = new long[measures];
                var statistics = new double?[measures];
                for (int m = 0; m < measures; m++)
                {
                    var layout = plan.Layout[m];
                    counts[m] = Long(chunk, r, layout.FirstColumn);
                    if (layout.Kind == StatisticKind.Percentage) denominators[m] = Long(chunk, r, layout.FirstColumn + 2);
                    else if (layout.Kind != StatisticKind.Count)
                        statistics[m] = chunk.IsValid(layout.FirstColumn + 2, r) ? chunk.Column<double>(layout.FirstColumn + 2)[r] : null;
                }
                rows.Add(new DirectRow(KeyOf(keys), counts, denominators, statistics));
            }
        }
        return rows;
    }

    /// <summary>The canonical text of a row's keys: codes joined with '|', "*" for a margin.</summary>
    public static string KeyOf(IReadOnlyList<long?> keys) =>
        string.Join('|', keys.Select(k => k is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "*"));

    private static long Long(ChunkStream chunk, int row, int column) =>
        chunk.IsValid(column, row) ? chunk.Column<long>(column)[row] : 0;

    private (PreparedQuery Statement, QueryPlan Plan) Bound(string id)
    {
        if (!_statements.TryGetValue(id, out var entry))
            throw new InvalidOperationException($"no statement prepared for {id}");
        var (statement, plan) = entry;
        statement.Bind(plan.Parameters);
        return entry;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (statement, _) in _statements.Values) statement.Dispose();
        _connection.Dispose();
    }
}
