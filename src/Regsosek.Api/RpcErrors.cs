using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Regsosek.Api;

/// <summary>
/// The refusals of the regsosek.v1 API as <see cref="RpcException"/>s carrying a google.rpc.Status
/// (grpc-status-details-bin, built by Grpc.StatusProto): the field in a BadRequest, the rule in an
/// ErrorInfo, the resource in a ResourceInfo. Messages say what to fix, never internals.
/// </summary>
public static class RpcErrors
{
    /// <summary>The domain named in ErrorInfo details.</summary>
    public const string Domain = "regsosek.v1";

    /// <summary>INVALID_ARGUMENT for one bad field, with a google.rpc.BadRequest field violation.</summary>
    /// <param name="field">Dot-separated path of the request field, e.g. "scope.region".</param>
    /// <param name="description">What is wrong and what to send instead.</param>
    public static RpcException InvalidArgument(string field, string description) =>
        WithDetails(Code.InvalidArgument, $"{field}: {description}",
            new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } });

    /// <summary>INVALID_ARGUMENT that names no single field.</summary>
    public static RpcException InvalidArgument(string message) => WithDetails(Code.InvalidArgument, message);

    /// <summary>PERMISSION_DENIED with a google.rpc.ErrorInfo naming the rule.</summary>
    public static RpcException PermissionDenied(string rule, string message) => WithErrorInfo(Code.PermissionDenied, rule, message);

    /// <summary>UNAUTHENTICATED with a google.rpc.ErrorInfo naming the rule.</summary>
    public static RpcException Unauthenticated(string rule, string message) => WithErrorInfo(Code.Unauthenticated, rule, message);

    /// <summary>NOT_FOUND with a google.rpc.ResourceInfo naming what was not found.</summary>
    public static RpcException NotFound(string resourceType, string resourceName, string message) =>
        WithDetails(Code.NotFound, message,
            new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName, Description = message });

    /// <summary>FAILED_PRECONDITION with one google.rpc.PreconditionFailure violation.</summary>
    public static RpcException FailedPrecondition(string type, string subject, string message) =>
        WithDetails(Code.FailedPrecondition, message,
            new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = type, Subject = subject, Description = message } } });

    /// <summary>RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure naming the limit (its subject) and how to stay under it,
    /// and an ErrorInfo whose reason is the limit's id (the rule of the audit record).</summary>
    public static RpcException ResourceExhausted(string limit, string message) =>
        WithDetails(Code.ResourceExhausted, message,
            new QuotaFailure { Violations = { new QuotaFailure.Types.Violation { Subject = limit, Description = message } } },
            new ErrorInfo { Reason = limit, Domain = Domain });

    /// <summary>UNAVAILABLE: try again later.</summary>
    public static RpcException Unavailable(string message) => WithDetails(Code.Unavailable, message);

    /// <summary>A status with the given details packed into its google.rpc.Status.</summary>
    public static RpcException WithDetails(Code code, string message, params IMessage[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        foreach (var d in details) status.Details.Add(Any.Pack(d));
        return status.ToRpcException();
    }

    /// <summary>The rule an exception names: the reason of its ErrorInfo, or null.</summary>
    public static string? RuleOf(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    private static RpcException WithErrorInfo(Code code, string rule, string message) =>
        WithDetails(code, message, new ErrorInfo { Reason = rule, Domain = Domain });
}
