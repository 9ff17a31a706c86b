namespace Regsosek.Grpc;

/// <summary>Names and constants of the gRPC over HTTP/2 protocol (grpc/grpc doc/PROTOCOL-HTTP2.md).</summary>
public static class GrpcProtocol
{
    /// <summary>The content type of every gRPC request and response.</summary>
    public const string ContentType = "application/grpc";
    /// <summary>Trailer: the decimal status code.</summary>
    public const string StatusHeader = "grpc-status";
    /// <summary>Trailer: the percent-encoded status message.</summary>
    public const string MessageHeader = "grpc-message";
    /// <summary>Trailer: base64 of a serialised google.rpc.Status.</summary>
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    /// <summary>Request header: the relative deadline, e.g. "250m".</summary>
    public const string TimeoutHeader = "grpc-timeout";
    /// <summary>Header: the message compression of the sender.</summary>
    public const string EncodingHeader = "grpc-encoding";
    /// <summary>Header: the message compressions the sender accepts.</summary>
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    /// <summary>The only message encoding this layer supports.</summary>
    public const string IdentityEncoding = "identity";
    /// <summary>Length of the message prefix: 1-byte compressed flag, 4-byte big-endian length.</summary>
    public const int MessagePrefixLength = 5;

    /// <summary>True when a content-type header names gRPC with protobuf messages: "application/grpc" or "application/grpc+proto" (parameters allowed).</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
            return false;
        var rest = contentType.AsSpan(ContentType.Length);
        var semicolon = rest.IndexOf(';');
        if (semicolon >= 0)
            rest = rest[..semicolon];
        rest = rest.TrimEnd();
        return rest.Length == 0 || rest.Equals("+proto", StringComparison.OrdinalIgnoreCase);
    }
}
