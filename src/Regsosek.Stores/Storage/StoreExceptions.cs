namespace Regsosek.Stores.Storage;

/// <summary>
/// The backing database could not be reached or refused the operation (locked, disk full,
/// connection refused, timeout). The message says which store and what to check; the inner
/// exception carries the driver's error. The service maps it to UNAVAILABLE.
/// </summary>
public class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception with a user-facing message and the driver's error.</summary>
    public StoreUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The database holds a schema this build cannot use (newer than it knows, or damaged).
/// </summary>
public sealed class StoreSchemaException : Exception
{
    /// <summary>Creates the exception with a message that says what to do.</summary>
    public StoreSchemaException(string message) : base(message) { }
}
