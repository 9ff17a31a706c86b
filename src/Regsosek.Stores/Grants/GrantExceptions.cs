namespace Regsosek.Stores.Grants;

/// <summary>A grant request or change that breaks a rule; the message says what to fix (INVALID_ARGUMENT).</summary>
public sealed class InvalidGrantRequestException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidGrantRequestException(string message) : base(message) { }

    /// <summary>Creates the exception with a user-facing message naming the request field at fault.</summary>
    public InvalidGrantRequestException(string field, string message) : base(message) => Field = field;

    /// <summary>The request field at fault, in the API's spelling (e.g. "region"); null when not one field.</summary>
    public string? Field { get; }
}

/// <summary>No grant has the given id (NOT_FOUND).</summary>
public sealed class GrantNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="grantId"/>.</summary>
    public GrantNotFoundException(string grantId) : base($"no grant has id '{grantId}'") => GrantId = grantId;

    /// <summary>The id that was looked up.</summary>
    public string GrantId { get; }
}

/// <summary>The grant exists but its state forbids the change, e.g. extending a revoked grant (FAILED_PRECONDITION).</summary>
public sealed class GrantStateException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public GrantStateException(string message) : base(message) { }
}
