namespace Regsosek.Catalogue;

/// <summary>
/// A request is invalid (INVALID_ARGUMENT): <see cref="Field"/> names the field at fault in the
/// request's terms ("measures[2]", "group_by", "filters[0].values") and the message says what to fix.
/// </summary>
public sealed class RequestValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RequestValidationException(string field, string message) : base($"{field}: {message}")
    {
        Field = field;
        Description = message;
    }

    /// <summary>The field at fault, e.g. "measures[2]" or "filters[0].values".</summary>
    public string Field { get; }

    /// <summary>The message without the field prefix (for a BadRequest field violation).</summary>
    public string Description { get; }
}
