namespace Regsosek.Grpc;

/// <summary>The gRPC status codes (grpc/grpc doc/statuscodes.md), sent as grpc-status.</summary>
public enum GrpcStatusCode
{
    /// <summary>Not an error.</summary>
    OK = 0,
    /// <summary>The call was cancelled, typically by the caller.</summary>
    Cancelled = 1,
    /// <summary>Unknown error.</summary>
    Unknown = 2,
    /// <summary>The client specified an invalid argument.</summary>
    InvalidArgument = 3,
    /// <summary>The deadline expired before the call completed.</summary>
    DeadlineExceeded = 4,
    /// <summary>A requested entity was not found.</summary>
    NotFound = 5,
    /// <summary>The entity the client tried to create already exists.</summary>
    AlreadyExists = 6,
    /// <summary>The caller may not execute this call.</summary>
    PermissionDenied = 7,
    /// <summary>A resource (quota, message size, ...) has been exhausted.</summary>
    ResourceExhausted = 8,
    /// <summary>The system is not in a state required for the call.</summary>
    FailedPrecondition = 9,
    /// <summary>The call was aborted, typically by a concurrency conflict.</summary>
    Aborted = 10,
    /// <summary>The call went past the valid range.</summary>
    OutOfRange = 11,
    /// <summary>The call is not implemented or not supported by this server.</summary>
    Unimplemented = 12,
    /// <summary>An internal invariant is broken.</summary>
    Internal = 13,
    /// <summary>The service is currently unavailable; the call may be retried.</summary>
    Unavailable = 14,
    /// <summary>Unrecoverable data loss or corruption.</summary>
    DataLoss = 15,
    /// <summary>The call has no valid authentication credentials.</summary>
    Unauthenticated = 16,
}
