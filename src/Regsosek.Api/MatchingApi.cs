using Grpc.Core;
using Regsosek.Api.V1;
using Regsosek.Core;
using Regsosek.Engine;
using Regsosek.Extracts;
using Regsosek.Extracts.Matching;
using LibMode = Regsosek.Extracts.Matching.MatchMode;
using LibKk = Regsosek.Extracts.Matching.KkAgreement;
using RegionLevel = Regsosek.Core.RegionLevel;
using Tier = Regsosek.Core.Tier;

namespace Regsosek.Api;

/// <summary>
/// regsosek.v1.MatchingService: matching a sectoral list with the registry by NIK (docs/matching.md). Reads the
/// options, decides access, checks the grant's matching limits (<see cref="MatchingQuota"/>), spools the batches to the call's own DuckDB database as they arrive, matches, releases
/// the summary through disclosure control, writes the audit record (counts and the list's SHA-256, never a NIK),
/// and only then streams the header, the per-row results (tier 4), the summary and the exclusion list (tier 4).
/// </summary>
public sealed class MatchingApi(CallRunner runner, MatchingEngine engine, MatchSummaryRelease release, MatchingQuota quota, RegionDirectory regions,
    DatasetInfo dataset)
    : MatchingService.MatchingServiceBase
{
    private readonly Lazy<HashSet<int>> _districts = new(() => DistrictCodes(regions));

    public override Task Match(IAsyncStreamReader<MatchRequest> requests, IServerStreamWriter<MatchResponse> responses, ServerCallContext context) =>
        runner.RunStreamingAsync(context, new MatchAuditRecord(), async (caller, outcome, commit, ct) =>
        {
            if (!await requests.MoveNext(ct) || requests.Current.PayloadCase != MatchRequest.PayloadOneofCase.Options)
                throw RpcErrors.InvalidArgument("options", "the first message must carry options (mode, exclusion_list); batches follow");
            var options = requests.Current.Options;
            var mode = options.Mode switch
            {
                V1.MatchMode.Unspecified or V1.MatchMode.Rows => LibMode.Rows,
                V1.MatchMode.SummaryOnly => LibMode.SummaryOnly,
                _ => throw RpcErrors.InvalidArgument("options.mode", $"unknown mode {(int)options.Mode}; use ROWS or SUMMARY_ONLY"),
            };
            var audit = new MatchAuditRecord { Mode = mode == LibMode.Rows ? V1.MatchMode.Rows : V1.MatchMode.SummaryOnly, ExclusionList = options.ExclusionList };
            outcome.AuditedRequest = audit;
            RegionCode scope;
            try
            {
                scope = engine.Decide(caller, mode, options.ExclusionList);
            }
            catch (ExtractAccessDeniedException e)
            {
                throw RpcErrors.PermissionDenied(e.Rule, e.Message);
            }
            outcome.Scope = scope;
            await quota.CheckCallsAsync(caller.Grant!, ct);

            using var job = engine.Start(caller, scope, _districts.Value.Contains);
            for (long message = 1; await requests.MoveNext(ct); message++)
            {
                var request = requests.Current;
                if (request.PayloadCase != MatchRequest.PayloadOneofCase.Batch)
                    throw RpcErrors.InvalidArgument($"requests[{message}]", "after the first message every message carries a batch");
                var rows = request.Batch.Rows;
                if (rows.Count > engine.Options.MaxBatchRows)
                    throw RpcErrors.InvalidArgument($"requests[{message}].batch.rows",
                        $"{rows.Count} rows; a batch holds at most {engine.Options.MaxBatchRows}: send more batches");
                quota.CheckRows(job.RowsSubmitted + rows.Count);
                for (int i = 0; i < rows.Count; i++)
                {
                    var row = rows[i];
                    if (row.Key.Length > engine.Options.MaxKeyLength)
                        throw RpcErrors.InvalidArgument($"requests[{message}].batch.rows[{i}].key",
                            $"{row.Key.Length} characters; a record key has at most {engine.Options.MaxKeyLength}");
                    if (row.Kk.Length > 64)
                        throw RpcErrors.InvalidArgument($"requests[{message}].batch.rows[{i}].kk", "a KK number has 16 digits");
                    job.Add(new MatchInputRow(row.Nik, row.Kk, row.Key));
                }
            }

            var level = scope.Level <= RegionLevel.Province ? RegionLevel.Regency : RegionLevel.District;
            var counts = await Task.Run(() => job.Match(Breakdown(regions, scope, level), level, ct), ct);
            var summary = release.Release(counts, caller.Tier, ct);
            bool rowsMode = mode == LibMode.Rows;
            long exclusionRows = options.ExclusionList ? counts.ExclusionCandidates.Count : 0;
            audit.RowsSubmitted = counts.Submitted;
            audit.RowsMatched = counts.Matched.Count;
            audit.RowsReturned = (rowsMode ? counts.Matched.Count : 0) + exclusionRows;
            audit.ListSha256 = counts.ListSha256;
            outcome.Rows = audit.RowsReturned;
            await commit();

            await responses.WriteAsync(new MatchResponse { Header = Header(job, scope) }, ct);
            if (rowsMode)
            {
                var batch = new MatchResults();
                foreach (var r in job.Results(ct))
                {
                    batch.Results.Add(ToWire(r));
                    if (r.Status == MatchRowStatus.Matched) outcome.SentRows++;
                    if (batch.Results.Count == engine.Options.ResultBatchRows)
                    {
                        await responses.WriteAsync(new MatchResponse { Results = batch }, ct);
                        batch = new MatchResults();
                    }
                }
                if (batch.Results.Count > 0) await responses.WriteAsync(new MatchResponse { Results = batch }, ct);
            }
            await responses.WriteAsync(new MatchResponse { Summary = ToWire(summary, scope, exclusionRows, RequestInfo.Of(context)?.RequestId) }, ct);
            if (options.ExclusionList)
            {
                var batch = new ExclusionBatch();
                foreach (var record in job.Exclusions(ct))
                {
                    batch.Records.Add(Record(record));
                    outcome.SentRows++;
                    if (batch.Records.Count == engine.Options.ResultBatchRows)
                    {
                        await responses.WriteAsync(new MatchResponse { Exclusion = batch }, ct);
                        batch = new ExclusionBatch();
                    }
                }
                if (batch.Records.Count > 0) await responses.WriteAsync(new MatchResponse { Exclusion = batch }, ct);
            }
        });

    /// <summary>The regions at <paramref name="level"/> in <paramref name="scope"/> (the scope's own ancestor when it is at or below it).</summary>
    public static List<long> Breakdown(RegionDirectory regions, RegionCode scope, RegionLevel level)
    {
        if (scope.Level >= level) return [scope.AncestorAt(level).Numeric];
        var result = new List<long>();
        void Walk(RegionCode parent)
        {
            foreach (var child in regions.Children(parent))
            {
                if (child.Level == level) result.Add(child.Code.Numeric);
                else if (child.Level < level) Walk(child.Code);
            }
        }
        Walk(scope);
        return result;
    }

    /// <summary>Every district code of the region tables (a NIK's region part must be one).</summary>
    public static HashSet<int> DistrictCodes(RegionDirectory regions) =>
        Breakdown(regions, RegionCode.National, RegionLevel.District).Select(code => (int)code).ToHashSet();

    private static MatchHeader Header(MatchJob job, RegionCode scope)
    {
        var header = new MatchHeader { EffectiveRegion = scope.Value };
        foreach (var f in job.Fields) header.Fields.Add(new MatchField { Name = f.Name, Label = f.Variable.LabelEn });
        return header;
    }

    private static MatchResult ToWire(MatchRowResult r)
    {
        var wire = new MatchResult { Row = r.Row, Key = r.Key };
        switch (r.Status)
        {
            case MatchRowStatus.Matched:
                wire.Status = MatchStatus.Matched;
                wire.Record = Record(r.Record!);
                wire.Kk = r.Kk switch { LibKk.Same => V1.KkAgreement.Same, LibKk.Different => V1.KkAgreement.Different, _ => V1.KkAgreement.Unspecified };
                break;
            case MatchRowStatus.NotMatched:
                wire.Status = MatchStatus.NotMatched;
                break;
            case MatchRowStatus.Invalid:
                wire.Status = MatchStatus.Invalid;
                wire.Reason = $"{r.Problem!.Reason}: {r.Problem.Message}";
                break;
            case MatchRowStatus.Duplicate:
                wire.Status = MatchStatus.Duplicate;
                wire.DuplicateOf = r.DuplicateOf;
                break;
        }
        return wire;
    }

    private static MatchedRecord Record(object?[] values)
    {
        var record = new MatchedRecord();
        foreach (var v in values)
            record.Values.Add(v switch
            {
                string s => new MatchValue { Text = s },
                long n => new MatchValue { Number = n },
                _ => new MatchValue(),
            });
        return record;
    }

    private V1.MatchSummary ToWire(ReleasedMatchSummary s, RegionCode scope, long exclusionRows, string? requestId)
    {
        static V1.MatchCount Count(ReleasedCount c)
        {
            var wire = new V1.MatchCount { Rule = c.Rule ?? "" };
            if (c.Value is { } v) wire.Value = v;
            return wire;
        }
        var wire = new V1.MatchSummary
        {
            RowsSubmitted = s.Submitted,
            RowsInvalid = s.Invalid,
            RowsDuplicate = s.Duplicate,
            RowsDistinctValid = s.DistinctValid,
            Matched = Count(s.Matched),
            NotMatched = s.NotMatched is { } nm ? Count(nm) : null,
            RegionLevel = s.RegionLevel == RegionLevel.Regency ? "regency" : "district",
            ExclusionCandidates = Count(s.ExclusionCandidates),
            ExclusionRows = exclusionRows,
            ListSha256 = s.ListSha256,
            Metadata = new ResponseMetadata
            {
                DataVersion = dataset.Version,
                Attribution = Licences.Attribution,
                Licence = s.Tier == Tier.Bnba ? Licences.ForExtract(Tier.Bnba) : Licences.ForAggregates(),
                Tier = (V1.Tier)(int)s.Tier,
                EffectiveRegion = scope.Value,
                RequestId = requestId ?? "",
            },
        };
        foreach (var (g, c) in s.ByDesil) wire.MatchedByDesil.Add(new MatchGroupCount { Group = g, Count = Count(c) });
        foreach (var (g, c) in s.ByRegion) wire.MatchedByRegion.Add(new MatchGroupCount { Group = g, Count = Count(c) });
        foreach (var rule in s.Rules)
        {
            var applied = new V1.AppliedRule { Id = rule.Id, Description = rule.Description };
            foreach (var (k, v) in rule.Parameters) applied.Parameters[k] = v;
            wire.Metadata.Rules.Add(applied);
        }
        return wire;
    }
}
