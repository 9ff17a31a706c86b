using Google.Protobuf;
using Regsosek.Api.V1;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Extracts;
using Grpc.Core;
using ExtractFormat = Regsosek.Extracts.ExtractFormat;
using ExtractTable = Regsosek.Extracts.ExtractTable;
using AgeBanding = Regsosek.Extracts.AgeBanding;
using LibRequest = Regsosek.Extracts.ExtractRequest;
using LibFilter = Regsosek.Extracts.ExtractFilter;
using LibKOptions = Regsosek.Extracts.KAnonymityOptions;
using ExtractLibrary = Regsosek.Extracts.ExtractService;

namespace Regsosek.Api;

/// <summary>
/// regsosek.v1.ExtractService: record-level extracts for tier 3 (de-identified) and tier 4 (BNBA).
/// The file is written and hashed first; its audit record (rows, bytes, SHA-256) is stored before
/// the first byte is streamed; then chunks of at most 1 MiB and a final summary.
/// </summary>
public sealed class ExtractApi(CallRunner runner, ExtractLibrary extracts, DatasetInfo dataset)
    : V1.ExtractService.ExtractServiceBase
{

    public override Task Extract(V1.ExtractRequest request, IServerStreamWriter<ExtractChunk> stream, ServerCallContext context) =>
        runner.RunStreamingAsync(context, request, async (caller, outcome, commit, ct) =>
        {
            var plan = Plan(extracts, Map(request), caller);
            outcome.Scope = plan.EffectiveRegion;

            using var preparing = Telemetry.Time(Telemetry.EngineDuration, "regsosek.extract.prepare");
            var summary = await extracts.RunAsync(plan,
                async (chunk, token) =>
                {
                    await stream.WriteAsync(new ExtractChunk { Data = ByteString.CopyFrom(chunk.Span) }, token);
                    outcome.SentBytes += chunk.Length;
                },
                async (s, token) =>
                {
                    preparing.Dispose();
                    outcome.Rows = s.Rows;
                    outcome.Bytes = s.Bytes;
                    outcome.ExtractSha256 = s.Sha256;
                    await commit();
                }, ct);
            await stream.WriteAsync(new ExtractChunk { Summary = ToWire(summary, RequestInfo.Of(context)?.RequestId) }, ct);
            outcome.SentRows = outcome.Rows;
        });

    /// <summary>
    /// Validates the request and decides access for the caller now: INVALID_ARGUMENT naming the field, or
    /// PERMISSION_DENIED naming the rule.
    /// </summary>
    internal static ExtractPlan Plan(ExtractLibrary extracts, LibRequest request, Caller caller)
    {
        try
        {
            return extracts.Plan(request, caller);
        }
        catch (ExtractValidationException e)
        {
            throw RpcErrors.InvalidArgument(e.Field, e.Description);
        }
        catch (ExtractAccessDeniedException e)
        {
            throw RpcErrors.PermissionDenied(e.Rule, e.Message);
        }
    }

    /// <summary>The wire request as the extract library takes it; a bad enum or filter is INVALID_ARGUMENT naming the field.</summary>
    internal static LibRequest Map(V1.ExtractRequest r)
    {
        var filters = new List<LibFilter>(r.Filters.Count);
        for (int i = 0; i < r.Filters.Count; i++)
        {
            var f = r.Filters[i];
            filters.Add(f.ConditionCase switch
            {
                V1.ExtractFilter.ConditionOneofCase.Codes when f.Codes.Values.Count > 0 => new LibFilter(f.Column, Codes: f.Codes.Values.ToArray()),
                V1.ExtractFilter.ConditionOneofCase.Range when f.Range.HasMin || f.Range.HasMax =>
                    new LibFilter(f.Column, Min: f.Range.HasMin ? f.Range.Min : null, Max: f.Range.HasMax ? f.Range.Max : null),
                _ => throw RpcErrors.InvalidArgument($"filters[{i}]", "give codes (at least one) or a range with min and/or max"),
            });
        }
        var k = r.KAnonymity ?? new V1.KAnonymityOptions();
        return new LibRequest
        {
            Table = r.Table switch
            {
                V1.ExtractTable.Unspecified or V1.ExtractTable.Individu => ExtractTable.Individu,
                V1.ExtractTable.Keluarga => ExtractTable.Keluarga,
                V1.ExtractTable.IndividuWithKeluarga => ExtractTable.IndividuWithKeluarga,
                _ => throw RpcErrors.InvalidArgument("table", $"unknown table {(int)r.Table}"),
            },
            Columns = r.Columns.ToArray(),
            Filters = filters,
            Region = r.Region,
            WholeScope = r.WholeScope,
            Format = r.Format switch
            {
                V1.ExtractFormat.Unspecified or V1.ExtractFormat.Parquet => ExtractFormat.Parquet,
                V1.ExtractFormat.Csv => ExtractFormat.Csv,
                V1.ExtractFormat.ArrowStream => ExtractFormat.ArrowStream,
                _ => throw RpcErrors.InvalidArgument("format", $"unknown format {(int)r.Format}; use PARQUET, CSV or ARROW_STREAM"),
            },
            KAnonymity = new LibKOptions
            {
                K = k.K == 0 ? LibKOptions.Default.K : (int)Math.Min(k.K, int.MaxValue),
                AgeBands = k.AgeBands switch
                {
                    V1.AgeBanding.Unspecified or V1.AgeBanding.None => AgeBanding.None,
                    V1.AgeBanding._5Years => AgeBanding.FiveYears,
                    V1.AgeBanding._10Years => AgeBanding.TenYears,
                    _ => throw RpcErrors.InvalidArgument("k_anonymity.age_bands", $"unknown banding {(int)k.AgeBands}"),
                },
                LocalSuppression = k.LocalSuppression,
                TopCombinations = k.TopCombinations == 0 ? LibKOptions.Default.TopCombinations : (int)Math.Min(k.TopCombinations, 1000),
            },
        };
    }

    private V1.ExtractSummary ToWire(Extracts.ExtractSummary s, string? requestId)
    {
        var wire = new V1.ExtractSummary
        {
            Rows = s.Rows,
            Bytes = s.Bytes,
            Sha256 = s.Sha256,
            Metadata = Metadata(s, dataset.Version, requestId),
        };
        if (s.KAnonymity is { } k) wire.KAnonymity = ToWire(k);
        return wire;
    }

    /// <summary>The metadata of an extract: licence, attribution, tier, region, data version, request id.</summary>
    internal static ResponseMetadata Metadata(Extracts.ExtractSummary s, string dataVersion, string? requestId) => new()
    {
        DataVersion = dataVersion,
        Attribution = s.Attribution,
        Licence = s.Licence,
        Tier = (V1.Tier)(int)s.Tier,
        EffectiveRegion = s.EffectiveRegion.Value,
        RequestId = requestId ?? "",
    };

    /// <summary>The k-anonymity report on the wire.</summary>
    internal static KAnonymityReport ToWire(Extracts.KAnonymity.KAnonymityReport k)
    {
        var report = new KAnonymityReport
        {
            K = (uint)k.K,
            AgeBands = k.AgeBands switch
            {
                AgeBanding.FiveYears => V1.AgeBanding._5Years,
                AgeBanding.TenYears => V1.AgeBanding._10Years,
                _ => V1.AgeBanding.None,
            },
            LocalSuppression = k.LocalSuppression,
            Records = k.Records,
            RecordsBelowKBefore = k.RecordsBelowKBefore,
            ClassesBelowKBefore = k.ClassesBelowKBefore,
            RecordsBelowK = k.RecordsBelowK,
            ClassesBelowK = k.ClassesBelowK,
            SuppressionRounds = (uint)k.SuppressionRounds,
            Satisfied = k.Satisfied,
        };
        report.QuasiIdentifiers.Add(k.QuasiIdentifiers);
        foreach (var (name, count) in k.SuppressedValues) report.SuppressedValues[name] = count;
        foreach (var c in k.SmallestClasses)
        {
            var combination = new RiskyCombination { Size = c.Size };
            foreach (var v in c.Values)
                combination.Values.Add(v is { } x ? new QuasiIdentifierValue { Value = x } : new QuasiIdentifierValue());
            report.SmallestClasses.Add(combination);
        }
        return report;
    }
}
