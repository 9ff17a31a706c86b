using Google.Protobuf;

namespace Regsosek.Grpc;

/// <summary>Writes the messages of a server-streaming response.</summary>
/// <typeparam name="T">The response message type.</typeparam>
public interface IGrpcStreamWriter<in T> where T : IMessage<T>
{
    /// <summary>
    /// Serialises one message into the response and flushes it to the transport. The task
    /// completes when the transport has accepted the data (HTTP/2 flow control gives
    /// back-pressure), so a producer that awaits each write keeps memory bounded.
    /// Throws <see cref="OperationCanceledException"/> once the call is cancelled.
    /// </summary>
    Task WriteAsync(T message);
}
