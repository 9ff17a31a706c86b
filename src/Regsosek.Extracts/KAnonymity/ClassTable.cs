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

    /// <summary>
    /// Packs the quasi-identifiers over their value ranges in the records of <paramref name="source"/> (a subquery,
    /// its parameters <paramref name="parameters"/>) and creates the class table: two scans of only the
    /// quasi-identifier columns.
    /// </summary>
    /// <returns>The packed key the table is built on.</returns>
    public static QuasiIdentifierKey Create(DuckDBConnection connection, string source, IReadOnlyList<QueryParameter> parameters,
        IReadOnlyList<string> qis, CancellationToken ct)
    {
        var key = PackedKey(connection, source, parameters, qis, ct);
        WorkSql.Run(connection, KAnonymitySql.Classes(source, key, Name), parameters, ct);
        return key;
    }

    /// <summary>The packed key of the quasi-identifiers, over their value ranges in the records.</summary>
    private static QuasiIdentifierKey PackedKey(DuckDBConnection connection, string source, IReadOnlyList<QueryParameter> parameters,
        IReadOnlyList<string> qis, CancellationToken ct)
    {
        var ranges = new (long? Min, long? Max)[qis.Count];
        using var result = ChunkStream.Open(connection, QuasiIdentifierKey.RangesSql(source, qis), parameters, ct);
        while (result.Next())
        {
            if (result.RowCount == 0) continue;
            for (int i = 0; i < qis.Count; i++)
                ranges[i] = (result.IsValid(2 * i, 0) ? result.Column<long>(2 * i)[0] : null, result.IsValid(2 * i + 1, 0) ? result.Column<long>(2 * i + 1)[0] : null);
        }
        return QuasiIdentifierKey.Create(qis, ranges);
    }
}
