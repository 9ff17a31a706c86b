using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Regsosek.Grpc;

/// <summary>
/// Reads length-prefixed gRPC messages from a request body pipe. The payload is parsed
/// straight from the pipe's buffers (no copy); the size limit is checked on the 5-byte
/// prefix, before any of an oversize payload is buffered.
/// </summary>
internal static class GrpcMessageReader
{
    /// <summary>
    /// Reads exactly one message and the end of the stream, as a unary or server-streaming
    /// method requires. Framing and cardinality errors throw <see cref="GrpcException"/>.
    /// </summary>
    public static async ValueTask<T> ReadSingleMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        T? message = default;
        var haveMessage = false;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                if (!haveMessage && TryReadMessage(ref buffer, maxMessageSize, out var payload))
                {
                    message = Parse(parser, payload);
                    haveMessage = true;
                    consumed = buffer.Start;
                }
                if (haveMessage && !buffer.IsEmpty)
                    throw new GrpcException(GrpcStatusCode.Unimplemented,
                        "The request has more than one message, but this method takes exactly one request message.");
                if (result.IsCompleted)
                {
                    if (haveMessage)
                        return message!;
                    throw buffer.IsEmpty
                        ? new GrpcException(GrpcStatusCode.Unimplemented, "The request has no message, but this method takes exactly one request message.")
                        : new GrpcException(GrpcStatusCode.Internal, $"The request ended in the middle of a message ({buffer.Length} bytes of a length-prefixed message received).");
                }
                if (result.IsCanceled)
                    throw new OperationCanceledException("The request body read was cancelled.");
            }
            finally
            {
                // Everything seen is examined, so Kestrel keeps granting HTTP/2 flow-control
                // window while a large message is still incomplete.
                reader.AdvanceTo(consumed, result.Buffer.End);
            }
        }
    }

    /// <summary>
    /// Takes one complete length-prefixed message off the front of <paramref name="buffer"/>.
    /// Returns false when more bytes are needed.
    /// </summary>
    internal static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < GrpcProtocol.MessagePrefixLength)
            return false;

        Span<byte> prefix = stackalloc byte[GrpcProtocol.MessagePrefixLength];
        buffer.Slice(0, GrpcProtocol.MessagePrefixLength).CopyTo(prefix);
        var compressed = prefix[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);

        if (compressed == 1)
            throw new GrpcException(GrpcStatusCode.Internal,
                "The request message is marked compressed, but the request has no grpc-encoding; send uncompressed messages (identity).");
        if (compressed != 0)
            throw new GrpcException(GrpcStatusCode.Internal,
                $"The request message has an invalid compressed flag {compressed}; it must be 0 or 1.");
        if (length > (uint)maxMessageSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted,
                $"The request message is {length} bytes, larger than the server's limit of {maxMessageSize} bytes.");

        if (buffer.Length < GrpcProtocol.MessagePrefixLength + length)
            return false;
        payload = buffer.Slice(GrpcProtocol.MessagePrefixLength, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrpcException(GrpcStatusCode.Internal,
                $"The request message is not a valid protobuf encoding of {typeof(T).Name}: {e.Message}");
        }
    }
}
