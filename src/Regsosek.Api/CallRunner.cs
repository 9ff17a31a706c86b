using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Grpc;
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
}

/// <summary>
/// Runs every data call the same way: authenticate the bearer token, run the handler, and append
/// the audit record — allowed or refused — before anything is returned. Security decisions fail
/// closed: if the audit record cannot be written the call fails with UNAVAILABLE and no data leaves.
/// </summary>
public sealed class CallRunner(TokenAuthenticator authenticator, IAuditLog audit, ILogger<CallRunner> logger)
{
    /// <summary>Rule id of an authentication refusal in the audit trail.</summary>
    public const string AuthRulePrefix = "auth.";

    /// <summary>
    /// Authenticates the caller, runs <paramref name="handler"/>, audits, and returns its response.
    /// The response is returned only after its audit record is stored.
    /// </summary>
    public async Task<TResponse> RunAsync<TRequest, TResponse>(
        GrpcCallContext context, TRequest request,
        Func<Caller, CallOutcome, CancellationToken, Task<TResponse>> handler)
        where TRequest : IMessage
    {
        var clock = Stopwatch.StartNew();
        var outcome = new CallOutcome();
        var caller = await AuthenticateAsync(context, request, clock).ConfigureAwait(false);
        outcome.Scope = caller.Scope;
        TResponse response;
        try
        {
            response = await handler(caller, outcome, context.CancellationToken).ConfigureAwait(false);
        }
        catch (GrpcException e)
        {
            await AuditRefusalAsync(context, request, caller, outcome.Scope, e, clock).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            var (rule, status) = Interruption(context);
            await TryAuditAsync(Entry(context, request, caller, outcome.Scope, AuditDecision.Denied,
                rule, (int)status, clock)).ConfigureAwait(false);
            throw;
        }
        await AppendOrFailClosedAsync(Entry(context, request, caller, outcome.Scope, AuditDecision.Allowed, null,
            (int)GrpcStatusCode.OK, clock) with
        {
            Cells = outcome.Cells,
            Rows = outcome.Rows,
            Bytes = outcome.Bytes,
            ExtractSha256 = outcome.ExtractSha256,
        }).ConfigureAwait(false);
        return response;
    }

    /// <summary>
    /// Runs a server-streaming data call: authenticate, run <paramref name="handler"/>, which must call
    /// the commit function it is given once it knows what it will send (rows, bytes, SHA-256) and
    /// before it sends the first byte. Commit appends the audit record or fails the call closed.
    /// Refusals before commit are audited as refusals; a call that breaks off after commit (cancelled,
    /// disconnected) gets a second record saying so.
    /// </summary>
    public async Task RunStreamingAsync<TRequest>(GrpcCallContext context, TRequest request,
        Func<Caller, CallOutcome, Func<Task>, CancellationToken, Task> handler)
        where TRequest : IMessage
    {
        var clock = Stopwatch.StartNew();
        var outcome = new CallOutcome();
        var caller = await AuthenticateAsync(context, request, clock).ConfigureAwait(false);
        outcome.Scope = caller.Scope;
        bool committed = false;
        Task Commit()
        {
            committed = true;
            return AppendOrFailClosedAsync(Entry(context, request, caller, outcome.Scope, AuditDecision.Allowed, null,
                (int)GrpcStatusCode.OK, clock) with
            {
                Cells = outcome.Cells,
                Rows = outcome.Rows,
                Bytes = outcome.Bytes,
                ExtractSha256 = outcome.ExtractSha256,
            });
        }
        try
        {
            await handler(caller, outcome, Commit, context.CancellationToken).ConfigureAwait(false);
        }
        catch (GrpcException e) when (!committed)
        {
            await AuditRefusalAsync(context, request, caller, outcome.Scope, e, clock).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is not GrpcException || committed)
        {
            var (rule, status) = context.CancellationToken.IsCancellationRequested
                ? Interruption(context)
                : ("call.failed", GrpcStatusCode.Internal);
            await TryAuditAsync(Entry(context, request, caller, outcome.Scope, AuditDecision.Denied, rule, (int)status, clock))
                .ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Why a call stopped early: its deadline passed, or the client went away. The server's deadline
    /// is a little later than the client's (it starts counting on arrival), so a client that gives up
    /// at its deadline resets the stream just before ours fires: allow for that.
    /// </summary>
    private static (string Rule, GrpcStatusCode Status) Interruption(GrpcCallContext context) =>
        context.Deadline is { } deadline && DateTimeOffset.UtcNow >= deadline - DeadlineSlack
            ? ("call.deadline-exceeded", GrpcStatusCode.DeadlineExceeded)
            : ("call.cancelled", GrpcStatusCode.Cancelled);

    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMilliseconds(500);

    /// <summary>The domain named in ErrorInfo details.</summary>
    public const string ErrorDomain = "regsosek.v1";

    private async Task<Caller> AuthenticateAsync(GrpcCallContext context, IMessage request, Stopwatch clock)
    {
        AuthenticationResult result;
        try
        {
            result = await authenticator.AuthenticateAsync(context.Authorization, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Regsosek.Stores.Storage.StoreUnavailableException e)
        {
            logger.LogError(e, "{Method}: the grant store is unavailable", context.Method);
            throw new GrpcException(GrpcStatusCode.Unavailable, "the grant store is unavailable; try again later");
        }
        switch (result.Outcome)
        {
            case AuthOutcome.Public:
                return Caller.Public;
            case AuthOutcome.Authenticated:
                return new Caller(result.Grant);
        }
        var rule = AuthRulePrefix + RuleName(result.Failure);
        var message = result.Message ?? "the bearer token was not accepted";
        var error = result.IsPermissionDenied
            ? GrpcException.PermissionDenied(rule, ErrorDomain, null, message)
            : GrpcException.Unauthenticated(rule, ErrorDomain, message);
        var caller = new Caller(result.Grant);
        await AuditRefusalAsync(context, request, caller, RegionCode.National, error, clock).ConfigureAwait(false);
        throw error;
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

    private async Task AuditRefusalAsync(GrpcCallContext context, IMessage request, Caller caller, RegionCode scope,
        GrpcException error, Stopwatch clock)
    {
        var rule = error.RichStatus?.Details
            .Select(d => d.TryUnpack<Google.Rpc.ErrorInfo>(out var info) ? info.Reason : null)
            .FirstOrDefault(r => r is not null)
            ?? error.Status.ToString();
        logger.LogInformation("{Method} refused: {Status} {Rule}: {Detail}", context.Method, error.Status, rule, error.Detail);
        await TryAuditAsync(Entry(context, request, caller, scope, AuditDecision.Denied, rule, (int)error.Status, clock))
            .ConfigureAwait(false);
    }

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

    private async Task AppendOrFailClosedAsync(AuditEntry entry)
    {
        try
        {
            await audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Method}: audit record could not be written; the response is withheld", entry.Method);
            throw new GrpcException(GrpcStatusCode.Unavailable,
                "the audit trail is unavailable, so no data can be released; try again later");
        }
    }

    private static AuditEntry Entry(GrpcCallContext context, IMessage request, Caller caller, RegionCode scope,
        AuditDecision decision, string? rule, int status, Stopwatch? clock) => new()
    {
        GrantId = caller.Grant?.Id,
        Organisation = caller.Grant?.Organisation,
        Unit = caller.Grant?.Unit,
        Method = context.Method,
        Request = JsonFormatter.Default.Format(request),
        Scope = scope,
        Decision = decision,
        Rule = rule,
        Latency = clock?.Elapsed ?? TimeSpan.Zero,
        StatusCode = status,
    };
}
