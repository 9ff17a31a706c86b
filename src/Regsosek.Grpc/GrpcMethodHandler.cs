using Google.Protobuf;

namespace Regsosek.Grpc;

/// <summary>The kinds of method this layer serves.</summary>
public enum GrpcMethodType
{
    /// <summary>One request message, one response message.</summary>
    Unary,
    /// <summary>One request message, a stream of response messages.</summary>
    ServerStreaming,
}

/// <summary>A registered method: its name, kind, and how to run a call of it.</summary>
internal abstract class GrpcMethodHandler(string service, string method, GrpcMethodType type)
{
    public string Service { get; } = service;
    public string Method { get; } = method;
    public string FullName { get; } = $"/{service}/{method}";
    public GrpcMethodType Type { get; } = type;

    /// <summary>Reads the request, runs the handler and writes the response messages (not the status).</summary>
    public abstract Task RunAsync(GrpcServerCall call);
}

internal sealed class UnaryMethodHandler<TRequest, TResponse>(
    string service, string method, MessageParser<TRequest> parser, Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
    : GrpcMethodHandler(service, method, GrpcMethodType.Unary)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task RunAsync(GrpcServerCall call)
    {
        var request = await call.ReadRequestAsync(parser).ConfigureAwait(false);
        var response = await handler(request, call.Context).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The handler of {FullName} returned null instead of a response message.");
        call.ThrowIfDeadlineExceeded();
        await call.WriteMessageAsync(response, flush: false).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(
    string service, string method, MessageParser<TRequest> parser, Func<TRequest, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> handler)
    : GrpcMethodHandler(service, method, GrpcMethodType.ServerStreaming)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task RunAsync(GrpcServerCall call)
    {
        var request = await call.ReadRequestAsync(parser).ConfigureAwait(false);
        var writer = new GrpcStreamWriter<TResponse>(call);
        try
        {
            await handler(request, writer, call.Context).ConfigureAwait(false);
        }
        finally
        {
            writer.Complete();
        }
        call.ThrowIfDeadlineExceeded();
    }
}

/// <summary>Writes and flushes each message of a server stream; one write at a time.</summary>
internal sealed class GrpcStreamWriter<T>(GrpcServerCall call) : IGrpcStreamWriter<T> where T : IMessage<T>
{
    private int _state; // 0 idle, 1 writing, 2 completed

    public async Task WriteAsync(T message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var previous = Interlocked.CompareExchange(ref _state, 1, 0);
        if (previous == 1)
            throw new InvalidOperationException("A previous WriteAsync has not completed; await each write before the next.");
        if (previous == 2)
            throw new InvalidOperationException("The call has completed; messages can no longer be written.");
        try
        {
            await call.WriteMessageAsync(message, flush: true).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.CompareExchange(ref _state, 0, 1);
        }
    }

    public void Complete() => Volatile.Write(ref _state, 2);
}
