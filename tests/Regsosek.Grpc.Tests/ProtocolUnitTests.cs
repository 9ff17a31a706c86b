using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Google.Rpc;
using Regsosek.Testing.V1;
using Xunit;

namespace Regsosek.Grpc.Tests;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 3600_000_000_0L)]
    [InlineData("2M", 1200_000_000L)]
    [InlineData("30S", 300_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("100n", 1L)]
    [InlineData("1n", 1L)]       // rounded up, never zero
    [InlineData("0m", 0L)]
    [InlineData("99999999S", 99999999L * 10_000_000L)]
    public void Parses_every_unit(string value, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Fact]
    public void The_largest_timeout_is_parsed_without_overflow()
    {
        Assert.True(GrpcTimeout.TryParse("99999999H", out var timeout));
        Assert.Equal(TimeSpan.FromHours(99999999), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")] // 9 digits
    [InlineData("-5S")]
    [InlineData("5s")]
    [InlineData("5 S")]
    [InlineData("1.5S")]
    [InlineData("5D")]
    public void Rejects_malformed_values(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));
}

public sealed class GrpcStatusMessageTests
{
    [Fact]
    public void Printable_ascii_is_sent_as_is()
    {
        const string text = "region 11.01 is outside your scope (province 12)";
        Assert.Same(text, GrpcStatusMessage.Encode(text));
    }

    [Theory]
    [InlineData("100%", "100%25")]
    [InlineData("a\nb", "a%0Ab")]
    [InlineData("é", "%C3%A9")]
    [InlineData("—", "%E2%80%94")]
    public void Percent_encodes_percent_controls_and_utf8(string text, string encoded) =>
        Assert.Equal(encoded, GrpcStatusMessage.Encode(text));

    [Fact]
    public void Decoding_keeps_malformed_escapes()
    {
        Assert.Equal("50%x and %2", GrpcStatusMessage.Decode("50%x and %2"));
        Assert.Equal("a%b", GrpcStatusMessage.Decode("a%25b"));
    }

    [Fact]
    public void Encoding_gives_printable_ascii_and_round_trips_any_string() =>
        Prop.ForAll<string>(s =>
        {
            var text = s ?? "";
            if (!IsWellFormedUtf16(text))
                return true; // lone surrogates cannot be UTF-8 encoded
            var encoded = GrpcStatusMessage.Encode(text);
            return encoded.All(c => c is >= ' ' and <= '~') && GrpcStatusMessage.Decode(encoded) == text;
        }).QuickCheckThrowOnFailure();

    private static bool IsWellFormedUtf16(string s)
    {
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(s);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}

public sealed class MessageFramingTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    /// <summary>The bytes as a sequence cut into segments of the given size, as DATA frames would.</summary>
    private static ReadOnlySequence<byte> Chunked(byte[] bytes, int chunk)
    {
        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            last = new Segment(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)), last);
            first ??= last;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private static byte[] Framed(IMessage m)
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcMessageWriter.WriteMessage(writer, m, null);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Writer_emits_flag_big_endian_length_and_message()
    {
        var message = new EchoRequest { Text = "halo", Payload = ByteString.CopyFrom(new byte[300]) };
        var framed = Framed(message);

        Assert.Equal(0, framed[0]);
        Assert.Equal((uint)message.CalculateSize(), BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(1)));
        Assert.Equal(message, EchoRequest.Parser.ParseFrom(framed.AsSpan(5).ToArray()));
    }

    [Fact]
    public void Writer_refuses_a_message_over_the_send_limit()
    {
        var e = Assert.Throws<GrpcException>(() => GrpcMessageWriter.WriteMessage(new ArrayBufferWriter<byte>(), new EchoRequest { Text = new string('x', 100) }, 50));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Status);
    }

    [Fact]
    public void Reader_reassembles_messages_split_across_any_segment_size() =>
        Prop.ForAll(Gen.Choose(1, 40).ToArbitrary(), Gen.Choose(0, 200).ToArbitrary(), (chunk, length) =>
        {
            var first = new EchoRequest { Text = new string('a', length) };
            var second = new EchoRequest { Text = "b" };
            var buffer = Chunked([.. Framed(first), .. Framed(second)], chunk);

            var ok1 = GrpcMessageReader.TryReadMessage(ref buffer, 1024, out var p1);
            var m1 = EchoRequest.Parser.ParseFrom(p1);
            var ok2 = GrpcMessageReader.TryReadMessage(ref buffer, 1024, out var p2);
            var m2 = EchoRequest.Parser.ParseFrom(p2);
            return ok1 && ok2 && m1.Equals(first) && m2.Equals(second) && buffer.IsEmpty;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Reader_waits_for_more_bytes_and_leaves_the_buffer_untouched()
    {
        var framed = Framed(new EchoRequest { Text = "incomplete" });
        foreach (var cut in new[] { 0, 3, 5, framed.Length - 1 })
        {
            var buffer = new ReadOnlySequence<byte>(framed, 0, cut);
            Assert.False(GrpcMessageReader.TryReadMessage(ref buffer, 1024, out _));
            Assert.Equal(cut, buffer.Length);
        }
    }

    [Theory]
    [InlineData(1, GrpcStatusCode.Internal)]
    [InlineData(2, GrpcStatusCode.Internal)]
    public void Reader_refuses_a_compressed_or_invalid_flag(byte flag, GrpcStatusCode status)
    {
        var buffer = new ReadOnlySequence<byte>([flag, 0, 0, 0, 1, 0x08]);
        var e = Assert.Throws<GrpcException>(() => GrpcMessageReader.TryReadMessage(ref buffer, 1024, out _));
        Assert.Equal(status, e.Status);
    }

    [Fact]
    public void Reader_refuses_an_oversize_length_from_the_prefix_alone()
    {
        var buffer = new ReadOnlySequence<byte>([0, 0, 0, 4, 1]); // 1025 bytes declared, none present
        var e = Assert.Throws<GrpcException>(() => GrpcMessageReader.TryReadMessage(ref buffer, 1024, out _));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Status);
        Assert.Contains("1025", e.Detail);
    }

    [Fact]
    public async Task ReadSingleMessage_parses_one_message_from_a_pipe_fed_in_pieces()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var framed = Framed(new EchoRequest { Text = "potong-potong" });
        var read = GrpcMessageReader.ReadSingleMessageAsync(pipe.Reader, EchoRequest.Parser, 1024, CancellationToken.None).AsTask();
        foreach (var b in framed)
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }
        await pipe.Writer.CompleteAsync();

        Assert.Equal("potong-potong", (await read).Text);
    }
}

public sealed class GrpcExceptionTests
{
    [Fact]
    public void InvalidArgument_builds_a_BadRequest_field_violation()
    {
        var e = GrpcException.InvalidArgument("filter.region_code", "'99' is not a province code; use two digits, e.g. 11 for Aceh.");

        Assert.Equal(GrpcStatusCode.InvalidArgument, e.Status);
        Assert.Equal("filter.region_code: '99' is not a province code; use two digits, e.g. 11 for Aceh.", e.Detail);
        Assert.Equal(3, e.RichStatus!.Code);
        Assert.Equal(e.Detail, e.RichStatus.Message);
        var violation = e.RichStatus.Details.Single().Unpack<BadRequest>().FieldViolations.Single();
        Assert.Equal("filter.region_code", violation.Field);
        Assert.StartsWith("'99'", violation.Description);
    }

    [Fact]
    public void PermissionDenied_builds_an_ErrorInfo_with_metadata()
    {
        var e = GrpcException.PermissionDenied("OUT_OF_SCOPE", "regsosek.bappenas.go.id",
            new Dictionary<string, string> { ["grantRegion"] = "11", ["requestedRegion"] = "12" }, "Region 12 is outside your grant's region 11.");

        Assert.Equal(GrpcStatusCode.PermissionDenied, e.Status);
        var info = e.RichStatus!.Details.Single().Unpack<ErrorInfo>();
        Assert.Equal("OUT_OF_SCOPE", info.Reason);
        Assert.Equal("regsosek.bappenas.go.id", info.Domain);
        Assert.Equal("12", info.Metadata["requestedRegion"]);
    }

    [Fact]
    public void NotFound_and_Unauthenticated_carry_their_details()
    {
        var notFound = GrpcException.NotFound("grant", "g-42", "Grant g-42 does not exist.");
        Assert.Equal(GrpcStatusCode.NotFound, notFound.Status);
        Assert.Equal("g-42", notFound.RichStatus!.Details.Single().Unpack<ResourceInfo>().ResourceName);

        var unauthenticated = GrpcException.Unauthenticated("TOKEN_EXPIRED", "regsosek", "The token expired; sign in again.");
        Assert.Equal(GrpcStatusCode.Unauthenticated, unauthenticated.Status);
        Assert.Equal("TOKEN_EXPIRED", unauthenticated.RichStatus!.Details.Single().Unpack<ErrorInfo>().Reason);
    }

    [Fact]
    public void Status_OK_is_not_an_exception() =>
        Assert.Throws<ArgumentException>(() => new GrpcException(GrpcStatusCode.OK, "fine"));
}

public sealed class GrpcServiceBuilderTests
{
    [Fact]
    public void Registers_methods_under_their_full_path()
    {
        var b = new GrpcServiceBuilder()
            .Unary<EchoRequest, EchoReply>("a.B", "C", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoReply()))
            .ServerStreaming<CountRequest, CountReply>("a.B", "D", CountRequest.Parser, (r, w, _) => Task.CompletedTask);

        Assert.Equal(new[] { "/a.B/C", "/a.B/D" }, b.MethodNames.Order());
        Assert.Equal(new[] { "a.B" }, b.ServiceNames);
    }

    [Fact]
    public void Refuses_duplicates_and_invalid_names()
    {
        var b = new GrpcServiceBuilder().Unary<EchoRequest, EchoReply>("a.B", "C", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoReply()));

        Assert.Throws<ArgumentException>(() => b.Unary<EchoRequest, EchoReply>("a.B", "C", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoReply())));
        Assert.Throws<ArgumentException>(() => b.Unary<EchoRequest, EchoReply>("a/B", "C", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoReply())));
        Assert.Throws<ArgumentException>(() => b.Unary<EchoRequest, EchoReply>("a.B", "", EchoRequest.Parser, (r, _) => Task.FromResult(new EchoReply())));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Recognises_gRPC_content_types(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}
