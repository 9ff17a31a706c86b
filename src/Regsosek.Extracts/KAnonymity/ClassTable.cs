using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The class table of the extract's records (<see cref="KAnonymitySql.Classes"/>): one row per distinct combination of
/// the quasi-identifiers, by packed key, with its record count. Suppression and the report work on it rather than on
/// the records.
/// </summary>
internal static class ClassTable
{
    /// <summary>Name of the class table in the extract's database.</summary>
    public const string Name = "classes";

    /// <summary>Name of the work table of combinations by column (<see cref="KAnonymitySql.Combinations"/>), dropped once packed.</summary>
    private const string Combinations = "combinations";

    /// <summary>
    /// Groups the records of <paramref name="source"/> (a subquery, its parameters <paramref name="parameters"/>) by
    /// their quasi-identifiers — one scan of only those columns — then packs the combinations over their value ranges
    /// (which are the records') and creates the class table from them.
    /// </summary>
    /// <returns>The packed key the table is built on.</returns>
    public static QuasiIdentifierKey Create(DuckDBConnection connection, string source, IReadOnlyList<QueryParameter> parameters,
        IReadOnlyList<string> qis, CancellationToken ct)
    {
        WorkSql.Run(connection, KAnonymitySql.Combinations(source, qis, Combinations), parameters, ct);
        var key = PackedKey(connection, Combinations, qis, ct);
        WorkSql.Run(connection, KAnonymitySql.Classes(Combinations, key, Name), [], ct);
        WorkSql.Run(connection, $"DROP TABLE {Combinations}", [], ct);
        return key;
    }

    /// <summary>The packed key of the quasi-identifiers, over their value ranges in <paramref name="table"/>.</summary>
    private static QuasiIdentifierKey PackedKey(DuckDBConnection connection, string table, IReadOnlyList<string> qis, CancellationToken ct)
    {
        var ranges = new (long? Min, long? Max)[qis.Count];
        using (var result = ChunkStream.Open(connection, QuasiIdentifierKey.RangesSql(table, qis), null, ct))
        {
            while (result.Next())
            {
                if (result.RowCount == 0) continue;
                for (int i = 0; i < qis.Count; i++)
                    ranges[i] = (result.IsValid(2 * i, 0) ? result.Column<long>(2 * i)[0] : null, result.IsValid(2 * i + 1, 0) ? result.Column<long>(2 * i + 1)[0] : null);
            }
        }
        // The columns' own types, so that decoded values join the records' columns without a cast on the records' side;
        // a type other than the integer types (none in the dictionary) is joined as BIGINT, cast by DuckDB.
        var types = qis.Select(_ => "BIGINT").ToArray();
        using (var result = ChunkStream.Open(connection, $"SELECT {string.Join(", ", qis.Select(q => $"typeof({ExtractPlanner.Quote(q)})"))} FROM {table} LIMIT 1", null, ct))
        {
            while (result.Next())
                if (result.RowCount > 0)
                    for (int i = 0; i < qis.Count; i++)
                        if (QuasiIdentifierKey.IntegerTypes.Contains(result.String(i, 0))) types[i] = result.String(i, 0);
        }
        return QuasiIdentifierKey.Create(qis, ranges, types);
    }
}
