using System.Text.Json;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>What the Node client saw of one call: the reply, or the status with its decoded rich details.</summary>
public sealed class CallResult(JsonElement json)
{
    /// <summary>The raw JSON result.</summary>
    public JsonElement Json { get; } = json;

    /// <summary>True when the call ended OK.</summary>
    public bool Ok => Json.GetProperty("ok").GetBoolean();

    /// <summary>The reply message (fails the test when the call failed).</summary>
    public JsonElement Reply
    {
        get
        {
            Assert.True(Ok, $"expected a reply, got {this}");
            return Json.GetProperty("reply");
        }
    }

    private JsonElement Error
    {
        get
        {
            Assert.False(Ok, $"expected an error, got a reply: {this}");
            return Json.GetProperty("error");
        }
    }

    /// <summary>The gRPC status code.</summary>
    public GrpcStatusCode Code => Ok ? GrpcStatusCode.OK : (GrpcStatusCode)Error.GetProperty("code").GetInt32();

    /// <summary>The status message (grpc-message).</summary>
    public string Message => Error.GetProperty("details").GetString() ?? "";

    /// <summary>The details of grpc-status-details-bin (empty when there were none).</summary>
    public IReadOnlyList<JsonElement> RichDetails =>
        Error.TryGetProperty("richStatus", out var rich)
            ? rich.GetProperty("details").EnumerateArray().ToList()
            : [];

    /// <summary>The rich status' code and message, or null when the trailer was absent.</summary>
    public (int Code, string Message)? RichStatus =>
        Error.TryGetProperty("richStatus", out var rich)
            ? (rich.GetProperty("code").GetInt32(), rich.GetProperty("message").GetString() ?? "")
            : null;

    private IEnumerable<JsonElement> DetailsOf(string type) =>
        RichDetails.Where(d => d.GetProperty("type").GetString() == type).Select(d => d.GetProperty("value"));

    /// <summary>The field violations of a google.rpc.BadRequest detail.</summary>
    public IReadOnlyList<(string Field, string Description)> FieldViolations =>
        DetailsOf("google.rpc.BadRequest")
            .SelectMany(b => b.GetProperty("field_violations").EnumerateArray())
            .Select(v => (v.GetProperty("field").GetString() ?? "", v.GetProperty("description").GetString() ?? ""))
            .ToList();

    /// <summary>The reason of the google.rpc.ErrorInfo detail, or null.</summary>
    public string? Reason => DetailsOf("google.rpc.ErrorInfo").Select(e => e.GetProperty("reason").GetString()).FirstOrDefault();

    /// <summary>The domain of the google.rpc.ErrorInfo detail, or null.</summary>
    public string? Domain => DetailsOf("google.rpc.ErrorInfo").Select(e => e.GetProperty("domain").GetString()).FirstOrDefault();

    /// <summary>The resource type and name of a google.rpc.ResourceInfo detail, or null.</summary>
    public (string Type, string Name)? Resource => DetailsOf("google.rpc.ResourceInfo")
        .Select(r => ((string, string)?)(r.GetProperty("resource_type").GetString() ?? "", r.GetProperty("resource_name").GetString() ?? ""))
        .FirstOrDefault();

    /// <summary>Asserts the call failed with <paramref name="code"/> and returns this for further checks.</summary>
    public CallResult AssertStatus(GrpcStatusCode code)
    {
        Assert.True(!Ok && Code == code, $"expected {code}, got {this}");
        return this;
    }

    /// <summary>Asserts PERMISSION_DENIED (or another status) with an ErrorInfo naming <paramref name="reason"/>.</summary>
    public CallResult AssertRefused(GrpcStatusCode code, string reason)
    {
        AssertStatus(code);
        Assert.True(Reason == reason, $"expected ErrorInfo reason '{reason}', got '{Reason}': {this}");
        Assert.Equal("regsosek.v1", Domain);
        return this;
    }

    /// <summary>Asserts INVALID_ARGUMENT with a BadRequest field violation on <paramref name="field"/>; returns its description.</summary>
    public string AssertFieldViolation(string field)
    {
        AssertStatus(GrpcStatusCode.InvalidArgument);
        var violation = FieldViolations.FirstOrDefault(v => v.Field == field);
        Assert.True(violation.Field == field, $"expected a BadRequest field violation on '{field}', got {this}");
        Assert.False(string.IsNullOrWhiteSpace(violation.Description), $"the violation on '{field}' says nothing: {this}");
        return violation.Description;
    }

    /// <inheritdoc/>
    public override string ToString() => Json.GetRawText();
}
