using System.Diagnostics;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Tokens;

namespace Regsosek.Api;

/// <summary>What a handler reports about its call for the audit record.</summary>
public sealed class CallOutcome
{
    /// <summary>The region the call covered after scope was applied.</summary>
    public RegionCode Scope { get; set; }
    public long Cells { get; set; }
    public long Rows { get; set; }
    public long Bytes { get; set; }
    public string? ExtractSha256 { get; set; }

    /// <summary>What a streaming call has actually sent so far (for the record of a call cut off part-way).</summary>
    public long SentCells { get; set; }
    public long SentRows { get; set; }
    public long SentBytes { get; set; }

    /// <summary>
    /// For a call whose request is a client stream: the request as the audit record should hold it (e.g. counts and a
    /// hash of the list, never its content), set by the handler once known. Null: the request the call started with.
    /// </summary>
    public IMessage? AuditedRequest { get; set; }
}

/// <summary>
/// The one pipeline every regsosek.v1 call runs through, whatever the transport (gRPC, gRPC-Web, HTTP/JSON):
/// authenticate the bearer token, run the handler, and append the audit record — allowed or refused —
/// before anything is returned. Security decisions fail closed: if the audit record cannot be written the
/// call fails with UNAVAILABLE and no data leaves. Refusals are <see cref="RpcException"/>s with
/// google.rpc details (<see cref="RpcErrors"/>); anything unexpected becomes INTERNAL with a generic message
/// and is logged. The call's request id, grant and final status go to its <see cref="RequestInfo"/>, from
/// which <see cref="RequestLogMiddleware"/> writes the one log line of the call.
/// </summary>
public sealed class CallRunner(TokenAuthenticator authenticator, IAuditLog audit, CallShutdown shutdown, ILogger<CallRunner> logger)
{
    /// <summary>Rule id of an authentication refusal in the audit trail.</summary>
    public const string AuthRulePrefix = "auth.";

    /// <summary>The domain named in ErrorInfo details.</summary>
    public const string ErrorDomain = RpcErrors.Domain;

    /// <summary>The message of INTERNAL: nothing about the failure itself, which is logged.</summary>
    public const string InternalErrorMessage =
        "internal server error; the failure was logged: retry later or report it with the request id (x-request-id)";

    /// <summary>
    /// Authenticates the caller, runs <paramref name="handler"/>, audits, and returns its response.
    /// The response is returned only after its audit record is stored.
    /// </summary>
    public async Task<TResponse> RunAsync<TRequest, TResponse>(
        ServerCallContext context, TRequest request,
        Func<Caller, CallOutcome, CancellationToken, Task<TResponse>> handler)
        where TRequest : IMessage
    {
        using var call = new Call(context, request, shutdown);
        var caller = await AuthenticateAsync(call).ConfigureAwait(false);
        try
        {
            var response = await handler(caller, call.Outcome, call.CancellationToken).ConfigureAwait(false);
            await AppendOrFailClosedAsync(call, AllowedEntry(call, caller)).ConfigureAwait(false);
            call.End(StatusCode.OK);
            return response;
        }
        catch (Exception e)
        {
            throw await RefuseAsync(call, caller, e).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a server-streaming data call: authenticate, run <paramref name="handler"/>, which must call
    /// the commit function it is given once it knows what it will send (rows, bytes, SHA-256) and
    /// before it sends the first byte. Commit appends the audit record or fails the call closed.
    /// Refusals before commit are audited as refusals; a call that breaks off after commit (cancelled,
    /// disconnected, failed) gets a second record saying so.
    /// </summary>
    public async Task RunStreamingAsync<TRequest>(ServerCallContext context, TRequest request,
        Func<Caller, CallOutcome, Func<Task>, CancellationToken, Task> handler)
        where TRequest : IMessage
    {
        using var call = new Call(context, request, shutdown);
        var caller = await AuthenticateAsync(call).ConfigureAwait(false);
        Task Commit() => AppendOrFailClosedAsync(call, AllowedEntry(call, caller));
        try
        {
            await handler(caller, call.Outcome, Commit, call.CancellationToken).ConfigureAwait(false);
            call.End(StatusCode.OK);
        }
        catch (Exception e)
        {
            throw await RefuseAsync(call, caller, e).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Audits a call that did not end OK and returns the exception to throw: a refusal as it is; a call
    /// interrupted by its deadline or its client as such; anything else as a generic INTERNAL.
    /// </summary>
    private async Task<Exception> RefuseAsync(Call call, Caller caller, Exception e)
    {
        if (call.AuditFailed)
        {
            call.End(StatusCode.Unavailable); // failed closed; the audit trail cannot take a record of that either
            return e;
        }
        if (call.CancellationToken.IsCancellationRequested && (e is not RpcException || call.Committed))
        {
            // Cut off by its deadline, its client or the service's shutdown: recorded as such, with what was sent.
            var why = Interruption(call);
            var (rule, code) = AuditRules.Of(why);
            call.End((StatusCode)code);
            var o = call.Outcome;
            await TryAuditAsync(Entry(call, caller, AuditDecision.Allowed, null, StatusCode.OK)
                .AsInterrupted(why, o.SentCells, o.SentRows, o.SentBytes, call.Clock.Elapsed)).ConfigureAwait(false);
            logger.LogDebug("{Method} interrupted: {Rule}", call.Context.Method, rule);
            return why == CallInterruption.AbortedAtShutdown
                ? RpcErrors.Unavailable("the service is shutting down; retry the call (it will reach another server or this one once restarted)")
                : e as RpcException ?? new RpcException(new Status((StatusCode)code, rule));
        }
        (string? Rule, StatusCode Status, Exception Thrown) outcome = e switch
        {
            RpcException rpc when !call.Committed => (RpcErrors.RuleOf(rpc) ?? rpc.StatusCode.ToString(), rpc.StatusCode, rpc),
            RpcException rpc => (AuditRules.Failed, rpc.StatusCode, rpc),
            _ => (AuditRules.Failed, StatusCode.Internal, new RpcException(new Status(StatusCode.Internal, InternalErrorMessage))),
        };
        if (outcome.Status == StatusCode.Internal && e is not RpcException)
            logger.LogError(e, "{Method} failed", call.Context.Method);
        else if (e is RpcException rpc)
            logger.LogDebug("{Method} refused: {Status} {Rule}: {Detail}", call.Context.Method, rpc.StatusCode, outcome.Rule, rpc.Status.Detail);
        call.End(outcome.Status);
        var entry = Entry(call, caller, AuditDecision.Denied, outcome.Rule, outcome.Status);
        if (call.Committed)
        {
            var o = call.Outcome;
            entry = entry.AsInterrupted(CallInterruption.Failed, o.SentCells, o.SentRows, o.SentBytes, call.Clock.Elapsed);
        }
        await TryAuditAsync(entry).ConfigureAwait(false);
        return outcome.Thrown;
    }

    /// <summary>
    /// Why a call stopped early: the service's shutdown grace ran out, its deadline passed, or the client went away.
    /// The server's deadline is a little later than the client's (it starts counting on arrival), so a client that
    /// gives up at its deadline resets the stream just before ours fires: allow for that.
    /// </summary>
    private static CallInterruption Interruption(Call call) =>
        call.ShutdownAborted ? CallInterruption.AbortedAtShutdown
        : call.Context.Deadline != DateTime.MaxValue && DateTime.UtcNow >= call.Context.Deadline - DeadlineSlack
            ? CallInterruption.DeadlineExceeded
            : CallInterruption.Cancelled;

    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMilliseconds(500);

    private async Task<Caller> AuthenticateAsync(Call call)
    {
        if (shutdown.IsStopping)
        {
            call.End(StatusCode.Unavailable);
            throw RpcErrors.Unavailable("the service is shutting down; retry the call");
        }
        AuthenticationResult result;
        try
        {
            result = await authenticator.AuthenticateAsync(call.Authorization, call.CancellationToken).ConfigureAwait(false);
        }
        catch (Regsosek.Stores.Storage.StoreUnavailableException e)
        {
            logger.LogError(e, "{Method}: the grant store is unavailable", call.Context.Method);
            call.End(StatusCode.Unavailable);
            throw RpcErrors.Unavailable("the grant store is unavailable; try again later");
        }
        switch (result.Outcome)
        {
            case AuthOutcome.Public:
                return Caller.Public;
            case AuthOutcome.Authenticated:
                call.Info?.GrantId = result.Grant!.Id;
                call.Info?.Tier = result.Grant!.Tier;
                return new Caller(result.Grant);
        }
        var rule = AuthRulePrefix + RuleName(result.Failure);
        var message = result.Message ?? "the bearer token was not accepted";
        var error = result.IsPermissionDenied
            ? RpcErrors.PermissionDenied(rule, message)
            : RpcErrors.Unauthenticated(rule, message);
        call.Info?.GrantId = result.Grant?.Id;
        call.Info?.Tier = result.Grant?.Tier;
        throw await RefuseAsync(call, new Caller(result.Grant), error).ConfigureAwait(false);
    }

    private static string RuleName(AuthFailure? failure) => failure switch
    {
        AuthFailure.MalformedHeader => "malformed-header",
        AuthFailure.MalformedToken => "malformed-token",
        AuthFailure.UnknownToken => "unknown-token",
        AuthFailure.JwtNotAccepted => "jwt-not-accepted",
        AuthFailure.InvalidJwt => "invalid-jwt",
        AuthFailure.JwtExpired => "jwt-expired",
        AuthFailure.UnknownGrant => "unknown-grant",
        AuthFailure.GrantNotYetValid => "grant-not-yet-valid",
        AuthFailure.GrantExpired => "grant-expired",
        AuthFailure.GrantRevoked => "grant-revoked",
        _ => "failed",
    };

    /// <summary>A refusal carries no data, so a failed audit append is logged and the refusal still returned.</summary>
    private async Task TryAuditAsync(AuditEntry entry)
    {
        try
        {
            await audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Method}: could not write the audit record of a refused call", entry.Method);
        }
    }

    private async Task AppendOrFailClosedAsync(Call call, AuditEntry entry)
    {
        call.Committed = true;
        try
        {
            await audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Method}: audit record could not be written; the response is withheld", entry.Method);
            call.AuditFailed = true;
            throw RpcErrors.Unavailable("the audit trail is unavailable, so no data can be released; try again later");
        }
    }

    private static AuditEntry AllowedEntry(Call call, Caller caller) =>
        Entry(call, caller, AuditDecision.Allowed, null, StatusCode.OK) with
        {
            Cells = call.Outcome.Cells,
            Rows = call.Outcome.Rows,
            Bytes = call.Outcome.Bytes,
            ExtractSha256 = call.Outcome.ExtractSha256,
        };

    private static AuditEntry Entry(Call call, Caller caller, AuditDecision decision, string? rule, StatusCode status) => new()
    {
        GrantId = caller.Grant?.Id,
        Organisation = caller.Grant?.Organisation,
        Unit = caller.Grant?.Unit,
        Method = call.Context.Method,
        Request = call.AuditedRequest.Text,
        RequestSha256 = call.AuditedRequest.Sha256,
        RequestId = call.RequestId,
        Scope = call.Outcome.Scope,
        Decision = decision,
        Rule = rule,
        Latency = call.Clock.Elapsed,
        StatusCode = (int)status,
    };

    /// <summary>One call in flight: its context, request, clock, outcome and request facts.</summary>
    private sealed class Call : IDisposable
    {
        private readonly CancellationTokenSource _linked;
        private readonly CancellationToken _shutdown;

        public Call(ServerCallContext context, IMessage request, CallShutdown shutdown)
        {
            Context = context;
            Request = request;
            AuditRequest = Regsosek.Stores.Audit.AuditRequest.From(request.ToByteArray(), JsonFormatter.Default.Format(request));
            Info = RequestInfo.Of(context);
            Info?.Method = context.Method;
            Outcome.Scope = RegionCode.National;
            _shutdown = shutdown.Aborted;
            _linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _shutdown);
            shutdown.Enter();
            _exit = shutdown.Exit;
        }

        private readonly Action _exit;

        /// <summary>Fires at the call's deadline, when its client goes away, or when the shutdown grace runs out.</summary>
        public CancellationToken CancellationToken => _linked.Token;

        /// <summary>The service's shutdown grace ran out while the call was still running.</summary>
        public bool ShutdownAborted => _shutdown.IsCancellationRequested && !Context.CancellationToken.IsCancellationRequested;

        /// <summary>The request as stored in the audit trail: clipped, with the SHA-256 of all of it.</summary>
        public AuditRequestText AuditRequest { get; }

        /// <summary>The request to record: <see cref="CallOutcome.AuditedRequest"/> when the handler set one, else <see cref="AuditRequest"/>.</summary>
        public AuditRequestText AuditedRequest => Outcome.AuditedRequest is { } m
            ? Regsosek.Stores.Audit.AuditRequest.From(m.ToByteArray(), JsonFormatter.Default.Format(m))
            : AuditRequest;

        public void Dispose()
        {
            _linked.Dispose();
            _exit();
        }

        public ServerCallContext Context { get; }
        public IMessage Request { get; }
        public RequestInfo? Info { get; }
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public CallOutcome Outcome { get; } = new();

        /// <summary>The allowed record was (being) appended: later failures are breaks, not refusals.</summary>
        public bool Committed { get; set; }

        /// <summary>The audit trail refused a write: the call fails closed without another record.</summary>
        public bool AuditFailed { get; set; }

        /// <summary>The request id of the call (see <see cref="RequestLogMiddleware"/>), or null outside HTTP.</summary>
        public string? RequestId => Info?.RequestId;

        public string? Authorization =>
            Context.GetHttpContext() is { } http
                ? (http.Request.Headers.Authorization is { Count: > 0 } value ? value.ToString() : null)
                : Context.RequestHeaders.GetValue("authorization");

        public void End(StatusCode status)
        {
            if (Info is not null) Info.Status = status;
            Telemetry.CallEnded(Context.Method, status, Info?.Tier, Clock.Elapsed, Outcome);
        }
    }
}
