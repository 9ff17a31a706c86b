namespace Regsosek.Extracts;

/// <summary>
/// An extract request is invalid (INVALID_ARGUMENT): <see cref="Field"/> names the request field at fault
/// in the proto's terms ("columns[3]", "filters[0].codes[2]", "region") and the message says what to fix.
/// </summary>
public sealed class ExtractValidationException : Exception
{
    /// <summary>Creates the exception; the message is "<paramref name="field"/>: <paramref name="description"/>".</summary>
    public ExtractValidationException(string field, string description) : base($"{field}: {description}")
    {
        Field = field;
        Description = description;
    }

    /// <summary>The field at fault, e.g. "columns[3]".</summary>
    public string Field { get; }

    /// <summary>The message without the field prefix (for a google.rpc.BadRequest field violation).</summary>
    public string Description { get; }
}

/// <summary>
/// The access policy refused the extract (PERMISSION_DENIED): <see cref="Rule"/> is the stable rule id
/// (Regsosek.Core.Policy.AccessRules, e.g. "extract.identity", "scope.outside-grant", "tier.insufficient").
/// </summary>
public sealed class ExtractAccessDeniedException(string rule, string message) : Exception(message)
{
    /// <summary>The rule that refused, e.g. "extract.identity".</summary>
    public string Rule { get; } = rule;
}
