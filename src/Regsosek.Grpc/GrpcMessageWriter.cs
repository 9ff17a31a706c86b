using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Regsosek.Grpc;

/// <summary>Writes length-prefixed gRPC messages, serialising straight into the output buffer.</summary>
internal static class GrpcMessageWriter
{
    /// <summary>Writes the 5-byte prefix and the serialised message into <paramref name="output"/>.</summary>
    /// <exception cref="GrpcException">RESOURCE_EXHAUSTED when the message exceeds <paramref name="maxMessageSize"/>.</exception>
    public static void WriteMessage(IBufferWriter<byte> output, IMessage message, int? maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted,
                $"The response message is {size} bytes, larger than the server's send limit of {maxMessageSize} bytes; ask for less data per call.");
        var prefix = output.GetSpan(GrpcProtocol.MessagePrefixLength);
        prefix[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(prefix[1..], (uint)size);
        output.Advance(GrpcProtocol.MessagePrefixLength);
        if (size > 0)
            message.WriteTo(output);
    }
}
