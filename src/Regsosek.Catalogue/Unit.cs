using Regsosek.Schema;

namespace Regsosek.Catalogue;

/// <summary>What an indicator counts: persons (table individu) or families (table keluarga).</summary>
public enum Unit
{
    /// <summary>Persons: one row of <c>individu</c>. Only members living with the family (404 = 1 or 5) count.</summary>
    Persons,
    /// <summary>Families: one row of <c>keluarga</c>.</summary>
    Families,
}

/// <summary>Names and tables of <see cref="Unit"/>.</summary>
public static class UnitExtensions
{
    /// <summary>The table whose rows are this unit.</summary>
    public static TableKind Table(this Unit unit) => unit == Unit.Persons ? TableKind.Individu : TableKind.Keluarga;

    /// <summary>The catalogue and wire name: "persons" or "families".</summary>
    public static string Name(this Unit unit) => unit == Unit.Persons ? "persons" : "families";

    /// <summary>Parses "persons" or "families".</summary>
    public static bool TryParse(string? text, out Unit unit)
    {
        unit = Unit.Persons;
        switch (text)
        {
            case "persons": unit = Unit.Persons; return true;
            case "families": unit = Unit.Families; return true;
            default: return false;
        }
    }
}
