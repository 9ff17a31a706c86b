namespace Regsosek.Extracts.KAnonymity;

/// <summary>A combination of quasi-identifier values shared by fewer than k records.</summary>
/// <param name="Values">The values, aligned with <see cref="KAnonymityReport.QuasiIdentifiers"/>; null = suppressed or missing.</param>
/// <param name="Size">How many records share it.</param>
public sealed record RiskyCombination(IReadOnlyList<long?> Values, long Size);

/// <summary>
/// The k-anonymity report of a tier-3 extract. Equivalence classes are the records sharing the same values of
/// every quasi-identifier in the output (a NULL — suppressed or not asked — counts as a value of its own, which
/// never overstates a class's size). "Before" is the data after generalisation (age bands) and before local
/// suppression; the other figures describe the file as released.
/// </summary>
public sealed record KAnonymityReport
{
    /// <summary>The k asked for.</summary>
    public required int K { get; init; }

    /// <summary>The age generalisation applied.</summary>
    public required AgeBanding AgeBands { get; init; }

    /// <summary>Whether local suppression ran.</summary>
    public required bool LocalSuppression { get; init; }

    /// <summary>The quasi-identifiers in the output, in suppression order (first suppressed first).</summary>
    public required IReadOnlyList<string> QuasiIdentifiers { get; init; }

    /// <summary>Records in the extract.</summary>
    public required long Records { get; init; }

    /// <summary>Records in classes smaller than k before local suppression.</summary>
    public required long RecordsBelowKBefore { get; init; }

    /// <summary>Classes smaller than k before local suppression.</summary>
    public required long ClassesBelowKBefore { get; init; }

    /// <summary>Records in classes smaller than k in the released file.</summary>
    public required long RecordsBelowK { get; init; }

    /// <summary>Classes smaller than k in the released file.</summary>
    public required long ClassesBelowK { get; init; }

    /// <summary>The smallest offending combinations in the released file, smallest first (at most the requested number).</summary>
    public required IReadOnlyList<RiskyCombination> SmallestClasses { get; init; }

    /// <summary>Values set to NULL by local suppression, per quasi-identifier (every quasi-identifier listed, 0 when none).</summary>
    public required IReadOnlyDictionary<string, long> SuppressedValues { get; init; }

    /// <summary>Suppression rounds run (one per quasi-identifier at most; 0 without suppression).</summary>
    public required int SuppressionRounds { get; init; }

    /// <summary>True when every record of the released file is in a class of at least k records.</summary>
    public bool Satisfied => RecordsBelowK == 0;
}
