using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace Regsosek.Grpc;

/// <summary>
/// Ends a call with a gRPC status. Throw it from a handler: the client receives
/// <see cref="Status"/> as grpc-status, <see cref="Detail"/> as grpc-message and, when set,
/// <see cref="RichStatus"/> in grpc-status-details-bin. The detail is sent to the client,
/// so it must be a user-facing text that says what to fix, never internals.
/// </summary>
public sealed class GrpcException : Exception
{
    /// <summary>Creates an exception with a status, a user-facing detail and optional rich details.</summary>
    public GrpcException(GrpcStatusCode status, string detail, Google.Rpc.Status? richStatus = null)
        : base($"{status}: {detail}")
    {
        if (status == GrpcStatusCode.OK)
            throw new ArgumentException("A GrpcException cannot carry status OK.", nameof(status));
        Status = status;
        Detail = detail ?? string.Empty;
        RichStatus = richStatus;
    }

    /// <summary>The gRPC status code sent as grpc-status.</summary>
    public GrpcStatusCode Status { get; }

    /// <summary>The user-facing message sent as grpc-message.</summary>
    public string Detail { get; }

    /// <summary>The google.rpc.Status sent in grpc-status-details-bin, or null.</summary>
    public Google.Rpc.Status? RichStatus { get; }

    /// <summary>Builds a google.rpc.Status with this code and message and the given details.</summary>
    public static Google.Rpc.Status BuildRichStatus(GrpcStatusCode status, string message, params IMessage[] details)
    {
        var rich = new Google.Rpc.Status { Code = (int)status, Message = message };
        foreach (var d in details)
            rich.Details.Add(Any.Pack(d));
        return rich;
    }

    /// <summary>INVALID_ARGUMENT for one bad field, with a google.rpc.BadRequest field violation.</summary>
    /// <param name="field">Dot-separated path of the request field, e.g. "filter.region_code".</param>
    /// <param name="description">What is wrong and what to send instead.</param>
    public static GrpcException InvalidArgument(string field, string description) =>
        InvalidArgument($"{field}: {description}", (field, description));

    /// <summary>INVALID_ARGUMENT for several bad fields, each a google.rpc.BadRequest field violation.</summary>
    public static GrpcException InvalidArgument(string message, params (string Field, string Description)[] violations)
    {
        var bad = new BadRequest();
        foreach (var (field, description) in violations)
            bad.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return WithDetails(GrpcStatusCode.InvalidArgument, message, bad);
    }

    /// <summary>PERMISSION_DENIED with a google.rpc.ErrorInfo naming the reason.</summary>
    /// <param name="reason">UPPER_SNAKE_CASE cause, e.g. "TIER_TOO_LOW" or "OUT_OF_SCOPE".</param>
    /// <param name="domain">The service that decided, e.g. "regsosek.bappenas.go.id".</param>
    /// <param name="metadata">Structured facts for the client, e.g. the required tier; may be null.</param>
    /// <param name="message">The user-facing message.</param>
    public static GrpcException PermissionDenied(string reason, string domain, IReadOnlyDictionary<string, string>? metadata, string message) =>
        WithErrorInfo(GrpcStatusCode.PermissionDenied, reason, domain, metadata, message);

    /// <summary>UNAUTHENTICATED with a google.rpc.ErrorInfo naming the reason (e.g. "TOKEN_EXPIRED").</summary>
    public static GrpcException Unauthenticated(string reason, string domain, string message) =>
        WithErrorInfo(GrpcStatusCode.Unauthenticated, reason, domain, null, message);

    /// <summary>NOT_FOUND with a google.rpc.ResourceInfo naming what was not found.</summary>
    /// <param name="resourceType">The kind of thing, e.g. "grant" or "region".</param>
    /// <param name="resourceName">Its name or id as the client sent it.</param>
    /// <param name="message">The user-facing message.</param>
    public static GrpcException NotFound(string resourceType, string resourceName, string message) =>
        WithDetails(GrpcStatusCode.NotFound, message,
            new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName, Description = message });

    /// <summary>FAILED_PRECONDITION with one google.rpc.PreconditionFailure violation.</summary>
    public static GrpcException FailedPrecondition(string type, string subject, string message) =>
        WithDetails(GrpcStatusCode.FailedPrecondition, message,
            new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = type, Subject = subject, Description = message } } });

    /// <summary>A status with the given details packed into its google.rpc.Status.</summary>
    public static GrpcException WithDetails(GrpcStatusCode status, string message, params IMessage[] details) =>
        new(status, message, BuildRichStatus(status, message, details));

    private static GrpcException WithErrorInfo(GrpcStatusCode status, string reason, string domain, IReadOnlyDictionary<string, string>? metadata, string message)
    {
        var info = new ErrorInfo { Reason = reason, Domain = domain };
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                info.Metadata[k] = v;
        return WithDetails(status, message, info);
    }
}
