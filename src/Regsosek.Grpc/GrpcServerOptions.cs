namespace Regsosek.Grpc;

/// <summary>Server-side limits of the gRPC layer.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The default maximum size of a received message: 4 MiB, as in gRPC implementations.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The largest request message accepted, in bytes; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>The largest response message sent, in bytes, or null for no limit; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int? MaxSendMessageSize { get; set; }
}
