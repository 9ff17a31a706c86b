using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using static Regsosek.Extracts.WorkSql;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// The k-anonymity report of a tier-3 extract, from the class table (<see cref="ClassTable"/>: original combinations
/// by packed key, and their sizes) and, when suppression ran, the suppressed one (<see cref="LocalSuppression.Table"/>:
/// the same with the current keys) — never from the records.
/// </summary>
internal static class KAnonymityReporter
{
    /// <summary>
    /// The report of an extract of <paramref name="records"/> records; <paramref name="key"/> is null when the output
    /// has no quasi-identifier, <paramref name="released"/> (the suppressed class table) when suppression did not run.
    /// </summary>
    public static KAnonymityReport Report(DuckDBConnection connection, ExtractPlan plan, QuasiIdentifierKey? key, string? released, long records, CancellationToken ct)
    {
        var options = plan.KAnonymity;
        var qis = plan.QuasiIdentifiers;
        var k = new Int64Parameter(options.K);
        long beforeRecords, beforeClasses, afterRecords, afterClasses;
        var smallest = new List<RiskyCombination>();
        var suppressedValues = new Dictionary<string, long>(StringComparer.Ordinal);
        if (key is null)
        {
            // No quasi-identifier in the output: all records form one class.
            bool small = records > 0 && records < options.K;
            beforeRecords = afterRecords = small ? records : 0;
            beforeClasses = afterClasses = small ? 1 : 0;
            if (small && options.TopCombinations > 0) smallest.Add(new RiskyCombination([], records));
        }
        else
        {
            // Without suppression the file's classes are the original ones.
            var classes = KAnonymitySql.ReleasedClasses(released ?? ClassTable.Name, suppressed: released is not null);
            (beforeRecords, beforeClasses) = Pair(connection, KAnonymitySql.BelowKBefore(ClassTable.Name), k, ct);
            (afterRecords, afterClasses) = released is null ? (beforeRecords, beforeClasses) : Pair(connection, KAnonymitySql.BelowKAfter(classes), k, ct);
            if (options.TopCombinations > 0)
            {
                using var result = ChunkStream.Open(connection, KAnonymitySql.Smallest(classes, key), [k, new Int64Parameter(options.TopCombinations)], ct);
                while (result.Next())
                {
                    int n = result.RowCount;
                    for (int row = 0; row < n; row++)
                    {
                        var values = new long?[qis.Count];
                        for (int c = 0; c < qis.Count; c++)
                            values[c] = result.IsValid(c, row) ? result.Column<long>(c)[row] : null;
                        smallest.Add(new RiskyCombination(values, result.Column<long>(qis.Count)[row]));
                    }
                }
            }
            var before = Counts(connection, KAnonymitySql.NonNullCounts(ClassTable.Name, KAnonymitySql.Key, key), qis.Count, ct);
            var after = released is null ? before : Counts(connection, KAnonymitySql.NonNullCounts(released, KAnonymitySql.CurrentKey, key), qis.Count, ct);
            for (int i = 0; i < qis.Count; i++) suppressedValues[qis[i]] = before[i] - after[i];
        }
        return new KAnonymityReport
        {
            K = options.K,
            AgeBands = options.AgeBands,
            LocalSuppression = options.LocalSuppression,
            QuasiIdentifiers = qis,
            Records = records,
            RecordsBelowKBefore = beforeRecords,
            ClassesBelowKBefore = beforeClasses,
            RecordsBelowK = afterRecords,
            ClassesBelowK = afterClasses,
            SmallestClasses = smallest,
            SuppressedValues = suppressedValues,
            SuppressionRounds = options.LocalSuppression ? qis.Count : 0,
        };
    }
}
