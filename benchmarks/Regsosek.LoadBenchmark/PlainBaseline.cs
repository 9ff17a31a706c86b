using System.Data.Common;
using System.Globalization;
using Npgsql;
using Regsosek.Catalogue;
using Regsosek.Core.Aggregates;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.LoadBenchmark;

/// <summary>
/// A baseline that runs each request kind's plain SQL (<see cref="RequestKind.PlainSql"/>) through ADO.NET, as a data
/// team would: DuckDB over the Parquet files (read_parquet with hive partitioning, its own in-memory database with
/// DuckDB's defaults and the Parquet metadata cache on), or PostgreSQL over the loaded tables
/// (<see cref="PostgresLoader"/>). Results are read into <see cref="DirectRow"/>s and compared with the scan plan's
/// exact result by <see cref="Compare"/>. Not thread-safe.
/// </summary>
public sealed class PlainBaseline : IDisposable
{
    private readonly DbConnection _connection;
    private readonly Func<TableKind, string> _table;
    private readonly Dictionary<string, (string Sql, QueryPlan Plan)> _queries = new(StringComparer.Ordinal);

    private PlainBaseline(string name, DbConnection connection, Func<TableKind, string> table)
    {
        Name = name;
        _connection = connection;
        _table = table;
    }

    /// <summary>"plain DuckDB" or "PostgreSQL".</summary>
    public string Name { get; }

    /// <summary>DuckDB over <paramref name="dataset"/>'s Parquet files.</summary>
    public static PlainBaseline DuckDb(string dataset)
    {
        var connection = DuckDbSettings.Open(null);
        connection.Execute("SET parquet_metadata_cache = true;");
        return new PlainBaseline("plain DuckDB", connection, t => DatasetLayout.ReadExpression(t, dataset));
    }

    /// <summary>PostgreSQL at <paramref name="connectionString"/>, which must hold <paramref name="dataset"/> (loaded by <see cref="PostgresLoader"/>).</summary>
    public static async Task<PlainBaseline> PostgresAsync(string connectionString, string dataset)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        try
        {
            await PostgresLoader.EnsureLoadedAsync(connection, dataset, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new PlainBaseline("PostgreSQL", connection, TableNames.Of);
    }

    /// <summary>The SQL this baseline runs for <paramref name="kind"/> (its tables filled in).</summary>
    public string SqlOf(RequestKind kind) => kind.PlainSql
        .Replace("{individu}", _table(TableKind.Individu), StringComparison.Ordinal)
        .Replace("{keluarga}", _table(TableKind.Keluarga), StringComparison.Ordinal);

    /// <summary>Remembers <paramref name="kind"/>'s plain SQL, whose result has <paramref name="plan"/>'s dimensions and measures.</summary>
    public void Prepare(RequestKind kind, QueryPlan plan) => _queries[kind.Id] = (SqlOf(kind), plan);

    /// <summary>Runs <paramref name="id"/>'s query and reads every value; returns the number of rows.</summary>
    public long Run(string id) => ReadAll(id).Count;

    /// <summary>Runs <paramref name="id"/>'s query and reads every row's key and values.</summary>
    public IReadOnlyList<DirectRow> ReadAll(string id)
    {
        var (sql, plan) = _queries.TryGetValue(id, out var q) ? q : throw new InvalidOperationException($"no query prepared for {id}");
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        using var reader = cmd.ExecuteReader();
        int dims = plan.Shape.Dimensions.Count, measures = plan.Layout.Count;
        var rows = new List<DirectRow>();
        var keys = new long?[dims];
        while (reader.Read())
        {
            long grouping = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
            for (int d = 0; d < dims; d++)
            {
                bool margin = ((grouping >> (dims - 1 - d)) & 1) != 0;
                keys[d] = margin ? null : reader.IsDBNull(1 + d) ? Dimension.NotApplicableCode : Long(reader, 1 + d);
            }
            var counts = new long[measures];
            var denominators = new long[measures];
            var statistics = new double?[measures];
            int column = 1 + dims;
            for (int m = 0; m < measures; m++)
            {
                switch (plan.Layout[m].Kind)
                {
                    case StatisticKind.Count:
                        counts[m] = Long(reader, column++);
                        break;
                    case StatisticKind.Percentage:
                        counts[m] = Long(reader, column++);
                        denominators[m] = Long(reader, column++);
                        break;
                    default:
                        statistics[m] = reader.IsDBNull(column) ? null : Convert.ToDouble(reader.GetValue(column), CultureInfo.InvariantCulture);
                        column++;
                        break;
                }
            }
            rows.Add(new DirectRow(DirectDuckDb.KeyOf(keys), counts, denominators, statistics));
        }
        return rows;
    }

    /// <summary>
    /// Differences between a baseline's result and the scan plan's exact result (empty when they agree): the same
    /// group keys, margins included; per measure the same count, the same numerator and denominator of a percentage,
    /// the same statistic (to 1e-9 relative).
    /// </summary>
    public static IReadOnlyList<string> Compare(QueryPlan plan, IReadOnlyList<DirectRow> exact, IReadOnlyList<DirectRow> baseline)
    {
        var problems = new List<string>();
        var truth = new Dictionary<string, DirectRow>(StringComparer.Ordinal);
        foreach (var row in exact) truth[row.Key] = row;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in baseline)
        {
            if (problems.Count > 20) { problems.Add("… (stopped after 20 problems)"); return problems; }
            if (!seen.Add(row.Key)) { problems.Add($"key ({row.Key}) twice"); continue; }
            if (!truth.TryGetValue(row.Key, out var t)) { problems.Add($"key ({row.Key}), which the scan plan does not return"); continue; }
            for (int m = 0; m < plan.Layout.Count; m++)
            {
                var kind = plan.Layout[m].Kind;
                bool same = kind switch
                {
                    StatisticKind.Count => row.Counts[m] == t.Counts[m],
                    StatisticKind.Percentage => row.Counts[m] == t.Counts[m] && row.Denominators[m] == t.Denominators[m],
                    _ => (row.Statistics[m], t.Statistics[m]) switch
                    {
                        (null, null) => true,
                        ({ } a, { } b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(b)),
                        _ => false,
                    },
                };
                if (!same)
                    problems.Add($"({row.Key}) measure {m} ({kind}): {row.Counts[m]}/{row.Denominators[m]}/{row.Statistics[m]?.ToString("G17", CultureInfo.InvariantCulture) ?? "null"}, " +
                                 $"scan plan {t.Counts[m]}/{t.Denominators[m]}/{t.Statistics[m]?.ToString("G17", CultureInfo.InvariantCulture) ?? "null"}");
            }
        }
        foreach (var key in truth.Keys)
            if (!seen.Contains(key) && problems.Count <= 20) problems.Add($"no row for key ({key}), which the scan plan returns");
        return problems;
    }

    private static long Long(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? 0 : Convert.ToInt64(reader.GetValue(column), CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();
}
