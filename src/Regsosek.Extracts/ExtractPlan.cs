using Regsosek.Schema;
using Regsosek.Core;
using Regsosek.Extracts.Pseudonyms;

namespace Regsosek.Extracts;

/// <summary>How an output column is produced.</summary>
public enum OutputKind
{
    /// <summary>A column of the staged query, copied as is.</summary>
    Data,
    /// <summary>A record id replaced by its per-grant pseudonym (tier 3).</summary>
    Pseudonym,
}

/// <summary>One column of the extract's output, in order.</summary>
/// <param name="Name">The output column name (the dictionary name).</param>
/// <param name="Kind">Copied data, or a pseudonym.</param>
/// <param name="IdKind">For a pseudonym: person or family id.</param>
/// <param name="QuasiIdentifier">True when the dictionary marks the variable as a quasi-identifier.</param>
public sealed record OutputColumn(string Name, OutputKind Kind, IdKind? IdKind, bool QuasiIdentifier);

/// <summary>
/// The plan of one extract, from <see cref="ExtractPlanner"/>: what the access policy allowed, which columns
/// come out, and the ONE parameterised query that selects the (generalised, not yet pseudonymised) records.
/// </summary>
public sealed record ExtractPlan
{
    /// <summary>The table extracted.</summary>
    public required ExtractTable Table { get; init; }

    /// <summary>The caller's tier (3 microdata or 4 BNBA): decides de-identification.</summary>
    public required Tier Tier { get; init; }

    /// <summary>The grant the extract is made under; its id keys the pseudonyms.</summary>
    public required string GrantId { get; init; }

    /// <summary>The region the extract covers after the access policy (the grant's region with whole_scope).</summary>
    public required RegionCode EffectiveRegion { get; init; }

    /// <summary>The output format.</summary>
    public required ExtractFormat Format { get; init; }

    /// <summary>Output columns, in order.</summary>
    public required IReadOnlyList<OutputColumn> Columns { get; init; }

    /// <summary>
    /// SELECT over the dataset with the request's region and filters. Its columns are the <see cref="OutputKind.Data"/>
    /// output columns (age already banded) and, at tier 3, the raw record keys <see cref="FamilyKeyColumn"/>, for
    /// persons the member number <see cref="MemberKeyColumn"/> and, when person_id is released,
    /// <see cref="PersonKeyColumn"/>; these never leave the service as such.
    /// </summary>
    public required string SelectSql { get; init; }

    /// <summary>The values of the query's '$n' parameters, in order.</summary>
    public required IReadOnlyList<QueryParameter> Parameters { get; init; }

    /// <summary>True at tier 3: ids become pseudonyms, rows are ordered by pseudonym, and a k-anonymity report is made.</summary>
    public bool DeIdentify => Tier == Tier.Microdata;

    /// <summary>True when the records are persons (individu, or individu with keluarga).</summary>
    public bool Persons => Table != ExtractTable.Keluarga;

    /// <summary>The k-anonymity options (report and suppression at tier 3; age bands at any tier).</summary>
    public required KAnonymityOptions KAnonymity { get; init; }

    /// <summary>Quasi-identifiers present in the output, in suppression order (the first is suppressed first).</summary>
    public required IReadOnlyList<string> QuasiIdentifiers { get; init; }

    /// <summary>Name of the staged raw family id at tier 3.</summary>
    public const string FamilyKeyColumn = "__family_key";

    /// <summary>Name of the staged raw person id at tier 3 (selected only when person_id is released).</summary>
    public const string PersonKeyColumn = "__person_key";

    /// <summary>Name of the staged member sequence number (r401) of a person at tier 3: the sort key within a family.</summary>
    public const string MemberKeyColumn = "__member_key";

    /// <summary>True when the output carries the per-person pseudonym (tier 3, person_id asked for by name).</summary>
    public bool PersonPseudonym => Columns.Any(c => c.IdKind == Pseudonyms.IdKind.Person);
}
