using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Regsosek.Core;
using Regsosek.Stores.Audit;

namespace Regsosek.Stores.Grants;

/// <summary>
/// Who changes grants outside the gRPC pipeline, as the audit record names it (in the grant id, organisation and
/// unit fields, where an API call names the operator's grant).
/// </summary>
/// <param name="GrantId">"cli" for the command line: never a real grant id (those are "g_" and a ULID).</param>
/// <param name="Organisation">"cli" for the command line.</param>
/// <param name="Unit">The operator's OS user name for the command line (who typed the command).</param>
public sealed record AdminActor(string GrantId, string Organisation, string Unit)
{
    /// <summary>The grant id of every command-line record: search the trail for grant_id = 'cli'.</summary>
    public const string CommandLineId = "cli";

    /// <summary>The command line run by OS user <paramref name="osUser"/> (default: the current user, or "unknown").</summary>
    public static AdminActor CommandLine(string? osUser = null)
    {
        var user = osUser;
        if (string.IsNullOrWhiteSpace(user))
        {
            try { user = Environment.UserName; }
            catch (Exception e) when (e is InvalidOperationException or PlatformNotSupportedException) { user = null; }
        }
        return new(CommandLineId, CommandLineId, string.IsNullOrWhiteSpace(user) ? "unknown" : user);
    }
}

/// <summary>
/// Issues, revokes and extends grants and writes each change — and each refused attempt — to the audit trail, the
/// way AdminService's calls are recorded: the method ("cli/grants.issue", ...), the caller (<see cref="AdminActor"/>),
/// the request as JSON (with the grant id it concerns), the scope (the grant's region), allowed or denied with the
/// rule and the gRPC-equivalent status code. Fails closed: an issued grant whose record cannot be written is revoked
/// at once and the token is never returned.
/// </summary>
public sealed class AuditedGrantAdmin(IGrantStore store, IAuditLog audit, AdminActor actor, TimeProvider? time = null)
{
    /// <summary>Audit method names of the command line's grant commands.</summary>
    public const string IssueMethod = "cli/grants.issue";
    /// <inheritdoc cref="IssueMethod"/>
    public const string RevokeMethod = "cli/grants.revoke";
    /// <inheritdoc cref="IssueMethod"/>
    public const string ExtendMethod = "cli/grants.extend";
    /// <inheritdoc cref="IssueMethod"/>
    public const string InitOperatorMethod = "cli/grants.init-operator";

    /// <summary>Rule of a refused grant whose region does not exist.</summary>
    public const string RegionUnknownRule = "grant.region-unknown";
    /// <summary>Rule of a grant request refused by <see cref="GrantValidity"/>.</summary>
    public const string InvalidRequestRule = "grant.invalid-request";
    /// <summary>Rule of a change to a grant that does not exist.</summary>
    public const string NotFoundRule = "grant.not-found";
    /// <summary>Rule of a change the grant's state forbids (e.g. extending a revoked grant).</summary>
    public const string StateRule = "grant.state";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Issues a grant (see <see cref="IGrantStore.IssueAsync"/>) and records it.</summary>
    /// <exception cref="AuditUnavailableException">The record could not be written: the grant was revoked again.</exception>
    public Task<IssuedGrant> IssueAsync(GrantRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = new JsonObject
        {
            ["organisation"] = request.Organisation,
            ["unit"] = request.Unit,
            ["tier"] = (int)request.Tier,
            ["region"] = request.Region.Value,
            ["purpose"] = request.Purpose,
        };
        if (request.SignedAt is { } signed) json["validFrom"] = signed.ToString("O", CultureInfo.InvariantCulture);
        if (request.ValidUntil is { } until) json["validUntil"] = until.ToString("O", CultureInfo.InvariantCulture);
        json["regionalWithoutSatuDataForum"] = request.WithoutSatuDataForum;
        json["operator"] = request.IsOperator;
        return IssueAuditedAsync(IssueMethod, json, request.Region, () => store.IssueAsync(request, ct));
    }

    /// <summary>Creates the first operator grant (<see cref="OperatorBootstrap.InitAsync"/>) and records it.</summary>
    public Task<IssuedGrant> InitOperatorAsync(string unit, bool force, CancellationToken ct = default)
    {
        var json = new JsonObject { ["unit"] = unit, ["force"] = force };
        return IssueAuditedAsync(InitOperatorMethod, json, RegionCode.National, () => OperatorBootstrap.InitAsync(store, unit, force, ct));
    }

    /// <summary>Revokes a grant (<see cref="IGrantStore.RevokeAsync"/>, as of now) and records it.</summary>
    /// <exception cref="AuditUnavailableException">The grant was revoked but the record could not be written.</exception>
    public Task<GrantRecord> RevokeAsync(string grantId, string reason, CancellationToken ct = default) =>
        ChangeAuditedAsync(RevokeMethod, new JsonObject { ["grantId"] = grantId, ["reason"] = reason }, grantId,
            () => store.RevokeAsync(grantId, reason, _time.GetUtcNow(), ct), "revoked");

    /// <summary>Extends a grant (<see cref="IGrantStore.ExtendAsync"/>) and records it.</summary>
    /// <exception cref="AuditUnavailableException">The grant was extended but the record could not be written.</exception>
    public Task<GrantRecord> ExtendAsync(string grantId, DateTimeOffset newUntil, CancellationToken ct = default) =>
        ChangeAuditedAsync(ExtendMethod,
            new JsonObject { ["grantId"] = grantId, ["validUntil"] = newUntil.ToString("O", CultureInfo.InvariantCulture) }, grantId,
            () => store.ExtendAsync(grantId, newUntil, ct), "extended");

    /// <summary>
    /// Records an attempt refused before it reached the store (e.g. a malformed region code on the command line),
    /// as AdminService records a request it refuses with INVALID_ARGUMENT.
    /// </summary>
    public Task RecordRefusalAsync(string method, IReadOnlyDictionary<string, string?> request, string rule, int statusCode)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = new JsonObject();
        foreach (var (k, v) in request) json[k] = v;
        return TryAppendAsync(Entry(method, json, RegionCode.National, Stopwatch.GetTimestamp()) with
        {
            Decision = AuditDecision.Denied, Rule = rule, StatusCode = statusCode,
        });
    }

    private async Task<IssuedGrant> IssueAuditedAsync(string method, JsonObject json, RegionCode scope, Func<Task<IssuedGrant>> issue)
    {
        long start = Stopwatch.GetTimestamp();
        IssuedGrant issued;
        try
        {
            issued = await issue().ConfigureAwait(false);
        }
        catch (Exception e) when (Refusal(e) is { } refusal)
        {
            await TryAppendAsync(Entry(method, json, scope, start) with
            {
                Decision = AuditDecision.Denied, Rule = refusal.Rule, StatusCode = refusal.Status,
            }).ConfigureAwait(false);
            throw;
        }
        json["grantId"] = issued.Grant.Id;
        try
        {
            await audit.AppendAsync(Entry(method, json, issued.Grant.Region, start), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Fail closed: a grant nobody can see in the trail must not work. Its token is never shown.
            await store.RevokeAsync(issued.Grant.Id, "its issue could not be written to the audit trail", _time.GetUtcNow(), CancellationToken.None)
                .ConfigureAwait(false);
            throw new AuditUnavailableException(
                $"grant {issued.Grant.Id} was issued but its audit record could not be written, so it was revoked at once and no token is given: {e.Message}", e);
        }
        return issued;
    }

    private async Task<GrantRecord> ChangeAuditedAsync(string method, JsonObject json, string grantId, Func<Task<GrantRecord>> change, string done)
    {
        long start = Stopwatch.GetTimestamp();
        GrantRecord record;
        try
        {
            record = await change().ConfigureAwait(false);
        }
        catch (Exception e) when (Refusal(e) is { } refusal)
        {
            var scope = (await TryGetRegionAsync(grantId).ConfigureAwait(false)) ?? RegionCode.National;
            await TryAppendAsync(Entry(method, json, scope, start) with
            {
                Decision = AuditDecision.Denied, Rule = refusal.Rule, StatusCode = refusal.Status,
            }).ConfigureAwait(false);
            throw;
        }
        try
        {
            await audit.AppendAsync(Entry(method, json, record.Grant.Region, start), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw new AuditUnavailableException(
                $"grant {grantId} was {done}, but the audit record could not be written: {e.Message}. Record the change by hand and repair the audit store.", e);
        }
        return record;
    }

    private async Task<RegionCode?> TryGetRegionAsync(string grantId)
    {
        try
        {
            return GrantIds.IsWellFormed(grantId) && await store.GetAsync(grantId, CancellationToken.None).ConfigureAwait(false) is { } r
                ? r.Grant.Region
                : null;
        }
        catch (Exception)
        {
            return null; // the scope of a refusal record is a detail; the refusal stands
        }
    }

    /// <summary>The rule and gRPC-equivalent status of a refusal; null for an error that is not one (storage, bugs).</summary>
    private static (string Rule, int Status)? Refusal(Exception e) => e switch
    {
        InvalidGrantRequestException { Field: RegionCheckedGrantStore.RegionField } => (RegionUnknownRule, 3),  // INVALID_ARGUMENT
        InvalidGrantRequestException => (InvalidRequestRule, 3),
        ArgumentException => (InvalidRequestRule, 3),
        GrantNotFoundException => (NotFoundRule, 5),                                                          // NOT_FOUND
        GrantStateException => (StateRule, 9),                                                                // FAILED_PRECONDITION
        _ => null,
    };

    /// <summary>A refusal carries no change, so a record that cannot be written does not hide the refusal itself.</summary>
    private async Task TryAppendAsync(AuditEntry entry)
    {
        try
        {
            await audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuditUnavailableException or ArgumentException)
        {
            // The refusal is what the operator sees; there is nothing to undo.
        }
    }

    private AuditEntry Entry(string method, JsonObject json, RegionCode scope, long start) => new()
    {
        GrantId = actor.GrantId,
        Organisation = actor.Organisation,
        Unit = actor.Unit,
        Method = method,
        Request = json.ToJsonString(JsonOptions),
        Scope = scope,
        Decision = AuditDecision.Allowed,
        Latency = Stopwatch.GetElapsedTime(start),
        StatusCode = 0,
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
