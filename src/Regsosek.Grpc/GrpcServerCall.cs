using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Regsosek.Grpc;

/// <summary>One call in progress: its context, cancellation, and response writing.</summary>
internal sealed class GrpcServerCall : IDisposable
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly CancellationTokenSource _callSource;
    private readonly bool _hasDeadline;
    private volatile bool _transportClosed;

    public GrpcServerCall(HttpContext http, GrpcMethodHandler method, GrpcServerOptions options, TimeSpan? timeout)
    {
        _http = http;
        _options = options;
        Method = method;
        // One token for the call: fired by the client's reset, by the deadline, or by the transport
        // refusing a write (which can be seen before RequestAborted fires).
        _callSource = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        DateTimeOffset? deadline = null;
        if (timeout is { } t && t <= MaxTimerDelay)
        {
            deadline = DateTimeOffset.UtcNow + t;
            _hasDeadline = true;
            _callSource.CancelAfter(t);
        }
        Context = new GrpcCallContext(http, method.FullName, deadline, _callSource.Token);
    }

    /// <summary>Longer timeouts than a timer can hold (about 49 days) count as no deadline.</summary>
    internal static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    public GrpcMethodHandler Method { get; }

    public GrpcCallContext Context { get; }

    /// <summary>True once a response message has been written: the status then goes in trailers.</summary>
    public bool MessagesWritten { get; private set; }

    /// <summary>The client reset the stream or the connection was lost.</summary>
    public bool ClientAborted => _transportClosed || _http.RequestAborted.IsCancellationRequested;

    /// <summary>The deadline passed while the client was still there.</summary>
    public bool DeadlineExceeded => _hasDeadline && _callSource.IsCancellationRequested && !ClientAborted;

    public ValueTask<T> ReadRequestAsync<T>(MessageParser<T> parser) where T : IMessage<T> =>
        GrpcMessageReader.ReadSingleMessageAsync(_http.Request.BodyReader, parser, _options.MaxReceiveMessageSize, Context.CancellationToken);

    public void ThrowIfDeadlineExceeded() => Context.CancellationToken.ThrowIfCancellationRequested();

    /// <summary>Serialises one message into the response body; when <paramref name="flush"/>, waits until the transport takes it.</summary>
    public async Task WriteMessageAsync(IMessage message, bool flush)
    {
        var token = Context.CancellationToken;
        token.ThrowIfCancellationRequested();
        var writer = _http.Response.BodyWriter;
        GrpcMessageWriter.WriteMessage(writer, message, _options.MaxSendMessageSize);
        MessagesWritten = true;
        if (!flush)
            return;
        FlushResult result;
        try
        {
            result = await writer.FlushAsync(token).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            TransportClosed();
            throw new OperationCanceledException("The client is no longer reading the response.", e, token);
        }
        if (result.IsCanceled || result.IsCompleted)
        {
            TransportClosed();
            throw new OperationCanceledException("The client is no longer reading the response.", token);
        }
    }

    /// <summary>The client is gone: cancel the call's token so the handler sees a cancelled call at once.</summary>
    private void TransportClosed()
    {
        _transportClosed = true;
        try { _callSource.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _callSource.Dispose();
}
