namespace Regsosek.Schema;

/// <summary>Names of the two tables, as directories of the dataset and as SQL table names.</summary>
public static class TableNames
{
    /// <summary>One row a family.</summary>
    public const string Keluarga = "keluarga";
    /// <summary>One row a person.</summary>
    public const string Individu = "individu";

    /// <summary>The name of <paramref name="table"/>.</summary>
    public static string Of(TableKind table) => table switch
    {
        TableKind.Keluarga => Keluarga,
        TableKind.Individu => Individu,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>Parses "keluarga" or "individu" (case-insensitive).</summary>
    public static bool TryParse(string? name, out TableKind table)
    {
        table = default;
        if (string.Equals(name, Keluarga, StringComparison.OrdinalIgnoreCase)) { table = TableKind.Keluarga; return true; }
        if (string.Equals(name, Individu, StringComparison.OrdinalIgnoreCase)) { table = TableKind.Individu; return true; }
        return false;
    }
}
