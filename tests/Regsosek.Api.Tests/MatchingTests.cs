using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;

namespace Regsosek.Api.Tests;

/// <summary>
/// regsosek.v1.MatchingService (issue 14) through the typed gRPC client on the generated sample: lists mixing in-scope,
/// out-of-scope, unknown, invalid and duplicate NIKs; the summary against the BNBA extract of the same scope; tiers 2
/// and 3 (summary only, under disclosure control); cancel; the audit record.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class MatchingTests(ServiceFixture service) : IAsyncLifetime
{
    private IssuedGrant _bnba3201 = null!;

    public async Task InitializeAsync() =>
        _bnba3201 = await ServiceFixture.IssueAsync(service.Grants, "Dinas Sosial Kabupaten Bogor", Regsosek.Core.Tier.Bnba, "3201");

    public Task DisposeAsync() => Task.CompletedTask;

    private IReadOnlyList<SamplePerson> Persons => MatchKit.Persons(service.Dataset);

    private List<SamplePerson> In(long regency, int count, int skip = 0) =>
        Persons.Where(p => p.Regency == regency).Skip(skip).Take(count).ToList();

    [Fact]
    public async Task A_mixed_list_gets_one_answer_per_row_in_order_with_keys_and_the_BNBA_fields_of_the_matched()
    {
        var inScope = In(3201, 20);
        var outside = In(3273, 5);
        var unknown = inScope.Take(5).Select(p => MatchKit.Unknown(service.Dataset, p.Nik)).ToList();
        var invalid = new[] { "320101", "3201O10101900001", "3201011399000001", "9999990101900001", inScope[0].Nik[..12] + "0000" };
        var rows = new List<MatchRow>();
        rows.AddRange(inScope.Select((p, i) => MatchKit.Row(p.Nik, $"in-{i}")));
        rows.AddRange(outside.Select((p, i) => MatchKit.Row(p.Nik, $"out-{i}")));
        rows.AddRange(unknown.Select((n, i) => MatchKit.Row(n, $"unknown-{i}")));
        rows.AddRange(invalid.Select((n, i) => MatchKit.Row(n, $"invalid-{i}")));
        rows.Add(MatchKit.Row(inScope[3].Nik, "dup-in"));
        rows.Add(MatchKit.Row(outside[1].Nik, "dup-out"));

        var run = await MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows, rows, batchRows: 7);

        var results = run.Results;
        Assert.Equal(rows.Count, results.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, results[i].Row);
            Assert.Equal(rows[i].Key, results[i].Key);
        }
        var names = run.Header.Fields.Select(f => f.Name).ToList();
        Assert.Contains("r402", names);
        Assert.Contains("village_code", names);
        Assert.Contains("r112", names);
        Assert.Contains("desil", names);
        Assert.Equal("3201", run.Header.EffectiveRegion);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(MatchStatus.Matched, results[i].Status);
            Assert.Equal(inScope[i].Nik, run.Field(results[i].Record, "r403").Text);
            Assert.Equal(3201, run.Field(results[i].Record, "regency_code").Number);
            Assert.Equal(inScope[i].Village, run.Field(results[i].Record, "village_code").Number);
            Assert.False(string.IsNullOrEmpty(run.Field(results[i].Record, "r402").Text));
        }
        Assert.All(results.Skip(20).Take(10), r => Assert.Equal(MatchStatus.NotMatched, r.Status));
        var reasons = results.Skip(30).Take(5).Select(r => (r.Status, r.Reason.Split(':')[0])).ToList();
        Assert.Equal([(MatchStatus.Invalid, "length"), (MatchStatus.Invalid, "non-digit"), (MatchStatus.Invalid, "date"),
            (MatchStatus.Invalid, "region"), (MatchStatus.Invalid, "serial")], reasons);
        Assert.Equal(MatchStatus.Duplicate, results[35].Status);
        Assert.Equal(3, results[35].DuplicateOf);
        Assert.Equal(MatchStatus.Duplicate, results[36].Status);
        Assert.Equal(21, results[36].DuplicateOf);

        var s = run.Summary;
        Assert.Equal(37, s.RowsSubmitted);
        Assert.Equal(5, s.RowsInvalid);
        Assert.Equal(2, s.RowsDuplicate);
        Assert.Equal(30, s.RowsDistinctValid);
        Assert.Equal(20, s.Matched.Value);
        Assert.Equal(10, s.NotMatched.Value);
        Assert.Equal("district", s.RegionLevel);
        Assert.Equal(20, s.MatchedByDesil.Sum(g => g.Count.Value));
        Assert.Equal(20, s.MatchedByRegion.Sum(g => g.Count.Value));
    }

    [Fact]
    public async Task A_KK_number_given_is_checked_against_the_family_card_in_the_registry()
    {
        var person = In(3201, 1, skip: 40)[0];
        var first = await MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows, [MatchKit.Row(person.Nik, "a")]);
        var kk = first.Field(first.Results[0].Record, "r114").Text;
        Assert.Equal(16, kk.Length);
        var run = await MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows,
            [MatchKit.Row(person.Nik, "same", kk), MatchKit.Row(In(3201, 1, skip: 41)[0].Nik, "other", "3201010101990001")]);
        Assert.Equal(KkAgreement.Same, run.Results[0].Kk);
        Assert.Equal(KkAgreement.Different, run.Results[1].Kk);
    }

    /// <summary>Attack: a tier-4 grant of regency 3201 probes NIKs of 3273 and made-up ones; both answers are the same bytes,
    /// row by row and for the whole response (the list's hash and the request id aside).</summary>
    [Fact]
    public async Task Attack_probing_NIKs_of_another_region_learns_nothing_the_answers_are_byte_identical_to_unknown_NIKs()
    {
        foreach (var outside in In(3273, 5).Concat(In(3174, 5)))
        {
            var unknown = MatchKit.Unknown(service.Dataset, In(3201, 1, skip: 7)[0].Nik);
            var a = await MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows, [MatchKit.Row(outside.Nik, "probe")]);
            var b = await MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows, [MatchKit.Row(unknown, "probe")]);
            Assert.Equal(MatchStatus.NotMatched, a.Results.Single().Status);
            Assert.Equal(a.Results.Single().ToByteArray(), b.Results.Single().ToByteArray());
            Assert.Equal(Comparable(a), Comparable(b));
        }

        static byte[] Comparable(MatchRun run)
        {
            var copy = run.Messages.Select(m => m.Clone()).ToList();
            foreach (var m in copy.Where(m => m.PayloadCase == MatchResponse.PayloadOneofCase.Summary))
            {
                m.Summary.ListSha256 = "";
                m.Summary.Metadata.RequestId = "";
            }
            return copy.SelectMany(m => m.ToByteArray()).ToArray();
        }
    }

    [Fact]
    public async Task The_summary_equals_what_the_BNBA_extract_of_the_same_scope_gives()
    {
        // The list: 300 persons of 3201 (some dead or moved away), 50 of 3273, 30 made up. Breakdown by district.
        var list = In(3201, 300, skip: 100).Select(p => p.Nik)
            .Concat(In(3273, 50).Select(p => p.Nik))
            .Concat(In(3201, 30).Select(p => MatchKit.Unknown(service.Dataset, p.Nik))).ToList();
        await AssertSummaryEqualsExtractAsync(_bnba3201, list, expectedMatched: 300);
    }

    [Fact]
    public async Task The_summary_of_a_province_equals_what_the_BNBA_extract_of_the_province_gives()
    {
        // A tier-4 grant of province 32: both of its regencies in scope, Jakarta Selatan (3174) not. Breakdown by regency.
        var grant = await ServiceFixture.IssueAsync(service.Grants, "Dinas Sosial Provinsi Jawa Barat", Regsosek.Core.Tier.Bnba, "32");
        var list = In(3201, 200, skip: 3000).Select(p => p.Nik)
            .Concat(In(3273, 150, skip: 3000).Select(p => p.Nik))
            .Concat(In(3174, 40).Select(p => p.Nik))
            .Concat(In(3273, 20).Select(p => MatchKit.Unknown(service.Dataset, p.Nik))).ToList();
        await AssertSummaryEqualsExtractAsync(grant, list, expectedMatched: 350);
    }

    /// <summary>Matches <paramref name="list"/> (summary and exclusion list) and checks every count against the grant's BNBA extract.</summary>
    private async Task AssertSummaryEqualsExtractAsync(IssuedGrant grant, List<string> list, int expectedMatched)
    {
        var run = await MatchKit.RunAsync(service.Address, grant.Token, MatchMode.SummaryOnly,
            list.Select((n, i) => MatchKit.Row(n, i.ToString())), exclusionList: true);

        var file = Path.Combine(service.Root, $"bnba-{Guid.NewGuid():N}.csv");
        var extract = await ApiClient.CallAsync(service.Address, ApiCall.Extract(new
        {
            table = "EXTRACT_TABLE_INDIVIDU",
            columns = new[] { "r403", "district_code", "regency_code", "desil", "r404" },
            whole_scope = true,
            format = "EXTRACT_FORMAT_CSV",
        }, grant.Token, saveTo: file));
        Assert.True(extract.Ok, extract.ToString());
        var header = (await File.ReadAllLinesAsync(file))[0].Split(',').ToList();
        int Col(string name) => header.IndexOf(name);
        var records = (await File.ReadAllLinesAsync(file)).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
            .Select(f => (Nik: f[Col("r403")], District: long.Parse(f[Col("district_code")]), Regency: long.Parse(f[Col("regency_code")]),
                Desil: int.Parse(f[Col("desil")]), Presence: int.Parse(f[Col("r404")]))).ToList();
        var onList = list.ToHashSet();
        var matched = records.Where(r => onList.Contains(r.Nik)).ToList();

        var s = run.Summary;
        Func<(string Nik, long District, long Regency, int Desil, int Presence), long> region =
            s.RegionLevel == "regency" ? r => r.Regency : r => r.District;
        Assert.Equal(matched.Count, s.Matched.Value);
        Assert.Equal(expectedMatched, s.Matched.Value);
        Assert.Equal(list.Count - matched.Count, s.NotMatched.Value);
        foreach (var g in s.MatchedByDesil)
            Assert.Equal(matched.Count(r => r.Desil == g.Group), g.Count.Value);
        foreach (var g in s.MatchedByRegion)
            Assert.Equal(matched.Count(r => region(r) == g.Group), g.Count.Value);
        Assert.Equal(matched.Select(region).Distinct().Order(), s.MatchedByRegion.Where(g => g.Count.Value > 0).Select(g => g.Group).Order());
        var exclusion = records.Where(r => r.Presence is 1 or 5 && r.Desil is >= 1 and <= 4 && !onList.Contains(r.Nik)).Select(r => r.Nik).ToHashSet();
        Assert.Equal(exclusion.Count, s.ExclusionCandidates.Value);
        Assert.Equal(exclusion.Count, s.ExclusionRows);
        Assert.Empty(run.Results);
        var listed = run.Exclusions.Select(e => run.Field(e, "r403").Text).ToList();
        Assert.Equal(exclusion.Count, listed.Count);
        Assert.True(exclusion.SetEquals(listed));
    }

    [Fact]
    public async Task Tier_2_and_3_are_refused_rows_and_the_exclusion_list_with_the_rule_named()
    {
        var rows = In(3201, 3).Select((p, i) => MatchKit.Row(p.Nik, i.ToString())).ToList();
        foreach (var token in new[] { service.Regency3201.Token, service.Microdata.Token })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => MatchKit.RunAsync(service.Address, token, MatchMode.Rows, rows));
            Assert.Equal(GrpcStatusCode.PermissionDenied, e.StatusCode);
            Assert.Equal("matching.rows-need-tier4", RpcErrors.RuleOf(e));
            e = await Assert.ThrowsAsync<RpcException>(() => MatchKit.RunAsync(service.Address, token, MatchMode.SummaryOnly, rows, exclusionList: true));
            Assert.Equal(GrpcStatusCode.PermissionDenied, e.StatusCode);
            Assert.Equal("matching.exclusion-list-needs-tier4", RpcErrors.RuleOf(e));
        }
        var pub = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var client = new MatchingService.MatchingServiceClient(ApiClient.Channel(service.Address));
            using var call = client.Match();
            await call.RequestStream.WriteAsync(new MatchRequest { Options = new MatchOptions { Mode = MatchMode.SummaryOnly } });
            await call.RequestStream.CompleteAsync();
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.Equal(GrpcStatusCode.PermissionDenied, pub.StatusCode);
        Assert.Equal("tier.insufficient", RpcErrors.RuleOf(pub));
    }

    [Fact]
    public async Task Tier_2_and_3_get_summary_counts_under_disclosure_control_and_no_rows()
    {
        var members = In(3201, 400, skip: 500);
        var list = members.Select((p, i) => MatchKit.Row(p.Nik, i.ToString())).ToList();
        foreach (var (token, region) in new[] { (service.Regency3201.Token, "3201"), (service.Microdata.Token, "") })
        {
            var run = await MatchKit.RunAsync(service.Address, token, MatchMode.SummaryOnly, list);
            Assert.Empty(run.Results);
            Assert.Empty(run.Exclusions);
            Assert.Empty(run.Header.Fields);
            var s = run.Summary;
            Assert.Equal(region, s.Metadata.EffectiveRegion);
            Assert.Null(s.NotMatched); // it would give the matched count back
            Assert.Equal(400, s.RowsDistinctValid); // the caller's own list: exact
            Assert.Contains(s.Metadata.Rules, r => r.Id == "perturbation.cell-key");
            Assert.Contains(s.Metadata.Rules, r => r.Id == "matching.withheld" && r.Parameters["threshold"] == "5");
            Assert.Equal(2, s.Metadata.Rules.Count);
            var counts = new[] { s.Matched, s.ExclusionCandidates }.Concat(s.MatchedByDesil.Select(g => g.Count)).Concat(s.MatchedByRegion.Select(g => g.Count)).ToList();
            foreach (var c in counts)
            {
                if (c.HasValue) Assert.True(c.Value >= 5, $"a released count under the threshold of 5: {c}");
                else Assert.NotEqual("", c.Rule);
            }
            Assert.InRange(s.Matched.Value, 400 - 3, 400 + 3); // perturbed by at most D = 3
            var byDesil = members.GroupBy(p => p.Desil).ToDictionary(g => (long)g.Key!.Value, g => g.Count());
            foreach (var g in s.MatchedByDesil.Where(g => g.Count.HasValue))
                Assert.InRange(g.Count.Value, byDesil.GetValueOrDefault(g.Group) - 3, byDesil.GetValueOrDefault(g.Group) + 3);
            Assert.Contains(s.MatchedByDesil, g => !g.Count.HasValue || g.Count.Value != byDesil.GetValueOrDefault(g.Group)); // not the exact table
        }
    }

    /// <summary>
    /// Attack: a tier-2 caller tests whether one NIK is in the registry of its regency from summary counts. A list of that
    /// NIK alone, or padded with non-members, reads the same whether it is a member or not (zero and small counts are
    /// withheld alike); and differencing a list with and without it cannot use "the answer did not move" as the sign of
    /// a non-member, because the cell key takes the list's hash: adding a non-member moves the answer too.
    /// </summary>
    [Fact]
    public async Task Attack_membership_of_one_NIK_from_tier_2_summary_counts_is_stopped_by_disclosure_control()
    {
        // Two grants of the attacker (each has 10 summary calls a day; this test makes 13).
        var first = (await ServiceFixture.IssueAsync(service.Grants, "Pemerintah Kabupaten Bogor", Regsosek.Core.Tier.Disaggregated, "3201")).Token;
        var second = (await ServiceFixture.IssueAsync(service.Grants, "Pemerintah Kabupaten Bogor", Regsosek.Core.Tier.Disaggregated, "3201")).Token;
        var member = In(3201, 1, skip: 1000)[0];
        var nonMember = MatchKit.Unknown(service.Dataset, member.Nik);
        var padding = In(3201, 4).Select(p => MatchKit.Unknown(service.Dataset, p.Nik)).ToList();
        foreach (var extra in new[] { new List<string>(), padding })
        {
            var a = await MatchKit.RunAsync(service.Address, first, MatchMode.SummaryOnly,
                extra.Append(member.Nik).Select((n, i) => MatchKit.Row(n, i.ToString())));
            var b = await MatchKit.RunAsync(service.Address, first, MatchMode.SummaryOnly,
                extra.Append(nonMember).Select((n, i) => MatchKit.Row(n, i.ToString())));
            Assert.False(a.Summary.Matched.HasValue);
            Assert.Equal(a.Summary.Matched.ToByteArray(), b.Summary.Matched.ToByteArray());
            Assert.Equal(Bytes(a.Summary.MatchedByDesil), Bytes(b.Summary.MatchedByDesil));
            Assert.Equal(Bytes(a.Summary.MatchedByRegion), Bytes(b.Summary.MatchedByRegion));
            Assert.Null(a.Summary.NotMatched);
            Assert.Equal(Bytes(a.Summary.Metadata.Rules), Bytes(b.Summary.Metadata.Rules));
        }

        // Differencing: a base list of 60 members, then the base plus each of 8 non-members.
        var baseList = In(3201, 60, skip: 1200).Select(p => p.Nik).ToList();
        var baseRun = await MatchKit.RunAsync(service.Address, second, MatchMode.SummaryOnly,
            baseList.Select((n, i) => MatchKit.Row(n, i.ToString())));
        int moved = 0;
        foreach (var p in In(3201, 8, skip: 1300))
        {
            var probe = baseList.Append(MatchKit.Unknown(service.Dataset, p.Nik)).ToList();
            var run = await MatchKit.RunAsync(service.Address, second, MatchMode.SummaryOnly,
                probe.Select((n, i) => MatchKit.Row(n, i.ToString())));
            if (run.Summary.Matched.Value != baseRun.Summary.Matched.Value) moved++;
        }
        Assert.True(moved > 0, "adding a non-member never moved the released count: an unchanged answer would mark non-members");

        static byte[] Bytes(IEnumerable<IMessage> messages) => messages.SelectMany(g => g.ToByteArray()).ToArray();
    }

    [Fact]
    public async Task The_audit_record_holds_the_grant_counts_and_the_lists_hash_and_never_a_NIK()
    {
        var head = await service.AuditHeadAsync();
        var people = In(3201, 10, skip: 60).Concat(In(3273, 3));
        var rows = people.Select((p, i) => MatchKit.Row(p.Nik, $"k{i}", "")).Append(MatchKit.Row("12345", "bad")).ToList();
        var run = await MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows, rows);

        var canonical = string.Concat(rows.Select(r => $"{r.Nik}\t{r.Kk}\t{r.Key}\n"));
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        Assert.Equal(sha, run.Summary.ListSha256);

        var record = (await service.AuditRecordsAfterAsync(head)).Single(r => r.Entry.Method == "/regsosek.v1.MatchingService/Match");
        Assert.Equal(AuditDecision.Allowed, record.Entry.Decision);
        Assert.Equal(_bnba3201.Grant.Id, record.Entry.GrantId);
        Assert.Equal("3201", record.Entry.Scope.Value);
        Assert.Equal(10, record.Entry.Rows);
        using var request = JsonDocument.Parse(record.Entry.Request!);
        Assert.Equal(sha, request.RootElement.GetProperty("listSha256").GetString());
        Assert.Equal("14", request.RootElement.GetProperty("rowsSubmitted").GetString());
        Assert.Equal("10", request.RootElement.GetProperty("rowsMatched").GetString());
        Assert.Equal("10", request.RootElement.GetProperty("rowsReturned").GetString());
        foreach (var r in rows.Where(r => r.Nik.Length >= 5))
            Assert.DoesNotContain(r.Nik, record.Entry.Request!);
        Assert.DoesNotContain("k0", record.Entry.Request!);

        // The semester usage report counts the grant's matching calls (this one, and a refused one that is not counted).
        await Assert.ThrowsAsync<RpcException>(() => MatchKit.RunAsync(service.Address, _bnba3201.Token, MatchMode.Rows,
            Enumerable.Repeat(rows, 800).SelectMany(r => r), exclusionList: false, batchRows: 100_000)); // a batch over 10,000 rows
        var wib = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(7));
        var report = await Regsosek.Stores.Reports.UsageReport.BuildAsync(service.Audit, _bnba3201.Grant.Id, $"{wib.Year}-{(wib.Month <= 6 ? 1 : 2)}");
        Assert.Equal((1L, 10L), report.Matching);
        Assert.Contains("Matching calls (pemadanan by NIK): 1, returning 10 records.", report.ToMarkdown());
    }

    [Fact]
    public async Task A_malformed_stream_gets_INVALID_ARGUMENT_naming_the_field()
    {
        var client = new MatchingService.MatchingServiceClient(ApiClient.Channel(service.Address));
        async Task<RpcException> Send(params MatchRequest[] messages)
        {
            return await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var call = client.Match(new Metadata { { "authorization", "Bearer " + _bnba3201.Token } });
                try
                {
                    foreach (var m in messages) await call.RequestStream.WriteAsync(m);
                    await call.RequestStream.CompleteAsync();
                }
                catch (RpcException) { }
                await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
            });
        }
        static string? Field(RpcException e) =>
            e.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
        var batch = new MatchBatch();
        batch.Rows.Add(MatchKit.Row("3201010101900001", "a"));

        var e = await Send(new MatchRequest { Batch = batch });
        Assert.Equal(GrpcStatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("options", Field(e));
        e = await Send(new MatchRequest { Options = new MatchOptions() }, new MatchRequest { Options = new MatchOptions() });
        Assert.Equal("requests[1]", Field(e));
        var big = new MatchBatch();
        big.Rows.AddRange(Enumerable.Range(0, 10_001).Select(i => MatchKit.Row("1", i.ToString())));
        e = await Send(new MatchRequest { Options = new MatchOptions() }, new MatchRequest { Batch = batch }, new MatchRequest { Batch = big });
        Assert.Equal("requests[2].batch.rows", Field(e));
        var longKey = new MatchBatch();
        longKey.Rows.Add(MatchKit.Row("1", new string('k', 129)));
        e = await Send(new MatchRequest { Options = new MatchOptions() }, new MatchRequest { Batch = longKey });
        Assert.Equal("requests[1].batch.rows[0].key", Field(e));
        e = await Send(new MatchRequest { Options = new MatchOptions { Mode = (MatchMode)7 } });
        Assert.Equal("options.mode", Field(e));
    }

    [Fact]
    public async Task A_client_cancel_stops_the_match_and_leaves_no_temp_files()
    {
        var root = service.Services.GetService(typeof(Regsosek.Extracts.Matching.MatchingEngine)) is Regsosek.Extracts.Matching.MatchingEngine engine
            ? engine.Options.TempRoot : throw new InvalidOperationException("no engine");
        // The temp root is shared with whatever else runs on the machine: only directories that appear during this call count.
        var before = Directory.GetDirectories(root, "regsosek-match-*").ToHashSet();
        string[] Jobs() => Directory.GetDirectories(root, "regsosek-match-*").Where(d => !before.Contains(d)).ToArray();
        var head = await service.AuditHeadAsync();

        using var cancel = new CancellationTokenSource();
        var client = new MatchingService.MatchingServiceClient(ApiClient.Channel(service.Address));
        using var call = client.Match(new Metadata { { "authorization", "Bearer " + _bnba3201.Token } }, cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(new MatchRequest { Options = new MatchOptions { Mode = MatchMode.Rows } });
        var batch = new MatchBatch();
        batch.Rows.AddRange(In(3201, 500).Select((p, i) => MatchKit.Row(p.Nik, i.ToString())));
        await call.RequestStream.WriteAsync(new MatchRequest { Batch = batch });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Jobs().Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.NotEmpty(Jobs()); // the list is being spooled on disk

        cancel.Cancel();
        var e = await Assert.ThrowsAnyAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.Equal(GrpcStatusCode.Cancelled, e.StatusCode);
        deadline = DateTime.UtcNow.AddSeconds(20);
        while (Jobs().Length > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Empty(Jobs());

        // The call is recorded as refused-by-cancel, not allowed; nothing was committed.
        AuditRecord? record = null;
        while (record is null && DateTime.UtcNow < deadline)
        {
            record = (await service.AuditRecordsAfterAsync(head)).SingleOrDefault(r => r.Entry.Method == "/regsosek.v1.MatchingService/Match");
            if (record is null) await Task.Delay(20);
        }
        Assert.NotNull(record);
        Assert.NotEqual(AuditDecision.Allowed, record!.Entry.Decision);
        Assert.Equal(0, record.Entry.Rows);
    }

    /// <summary>
    /// Attack: the summary's noise hides one NIK in one answer, but many answers with fresh noise (the attacker varies an
    /// invalid row to change the list's hash) could be averaged. The grant's matching calls per day stop that: a tier-2
    /// grant gets 10 (Regsosek:Limits:MatchingSummaryCallsPerDay), then RESOURCE_EXHAUSTED naming the limit, audited.
    /// </summary>
    [Fact]
    public async Task Attack_many_small_summary_calls_are_stopped_by_the_grants_calls_per_day()
    {
        var attacker = await ServiceFixture.IssueAsync(service.Grants, "Pemerintah Kabupaten Bogor", Regsosek.Core.Tier.Disaggregated, "3201");
        var target = In(3201, 1, skip: 1500)[0].Nik;
        async Task<MatchRun> Probe(int i) => await MatchKit.RunAsync(service.Address, attacker.Token, MatchMode.SummaryOnly,
            [MatchKit.Row(target, "t"), MatchKit.Row($"x{i}", "pad")]);
        for (int i = 0; i < 10; i++)
            Assert.Equal(2, (await Probe(i)).Summary.RowsSubmitted);
        var head = await service.AuditHeadAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => Probe(10));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.StatusCode);
        var quota = e.GetRpcStatus()?.GetDetail<Google.Rpc.QuotaFailure>();
        Assert.Equal("matching.calls-per-day", Assert.Single(quota!.Violations).Subject);
        Assert.Contains("10 matching calls", e.Status.Detail);
        Assert.Equal("matching.calls-per-day", RpcErrors.RuleOf(e));
        var record = (await service.AuditRecordsAfterAsync(head)).Single(r => r.Entry.Method == "/regsosek.v1.MatchingService/Match");
        Assert.Equal(AuditDecision.Denied, record.Entry.Decision);
        Assert.Equal("matching.calls-per-day", record.Entry.Rule);
        Assert.Equal(0, record.Entry.Rows);

        // Another grant is not affected.
        var other = await ServiceFixture.IssueAsync(service.Grants, "Pemerintah Kabupaten Bogor", Regsosek.Core.Tier.Disaggregated, "3201");
        Assert.Equal(1, (await MatchKit.RunAsync(service.Address, other.Token, MatchMode.SummaryOnly, [MatchKit.Row(target, "t")])).Summary.RowsSubmitted);
    }

    [Fact]
    public async Task The_rows_per_call_and_tier_4_calls_per_day_come_from_configuration_and_refuse_with_RESOURCE_EXHAUSTED()
    {
        await using var app = service.BuildSecondServer(o => o.HttpPort = -1, configuration: new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Regsosek:Limits:MatchingMaxRowsPerCall"] = "50",
                ["Regsosek:Limits:MatchingCallsPerDay"] = "2",
            }).Build());
        await app.StartAsync();
        var address = $"127.0.0.1:{((Regsosek.Host.Endpoints)app.Services.GetService(typeof(Regsosek.Host.Endpoints))!).Grpc!.Port}";
        var root = ((Regsosek.Extracts.Matching.MatchingEngine)app.Services.GetService(typeof(Regsosek.Extracts.Matching.MatchingEngine))!).Options.TempRoot;
        var before = Directory.GetDirectories(root, "regsosek-match-*").ToHashSet();
        var grant = await ServiceFixture.IssueAsync(service.Grants, "Dinas Sosial Kabupaten Bogor", Regsosek.Core.Tier.Bnba, "3201");
        var people = In(3201, 60, skip: 2000).Select((p, i) => MatchKit.Row(p.Nik, i.ToString())).ToList();

        var head = await service.AuditHeadAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => MatchKit.RunAsync(address, grant.Token, MatchMode.Rows, people, batchRows: 20));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("matching.max-rows-per-call", Assert.Single(e.GetRpcStatus()!.GetDetail<Google.Rpc.QuotaFailure>().Violations).Subject);
        Assert.Contains("at most 50 rows", e.Status.Detail);
        var record = (await service.AuditRecordsAfterAsync(head)).Single(r => r.Entry.Method == "/regsosek.v1.MatchingService/Match");
        Assert.Equal(("matching.max-rows-per-call", AuditDecision.Denied, 0L), (record.Entry.Rule, record.Entry.Decision, record.Entry.Rows));
        await AssertGoneAsync(Directory.GetDirectories(root, "regsosek-match-*").Where(d => !before.Contains(d))); // the spool is gone

        // Two calls a day for this tier-4 grant (the refused one above does not count); the third is refused.
        for (int i = 0; i < 2; i++)
            Assert.Equal(50, (await MatchKit.RunAsync(address, grant.Token, MatchMode.Rows, people.Take(50))).Results.Count);
        e = await Assert.ThrowsAsync<RpcException>(() => MatchKit.RunAsync(address, grant.Token, MatchMode.Rows, people.Take(5)));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("matching.calls-per-day", RpcErrors.RuleOf(e));
        Assert.Contains("2 matching calls", e.Status.Detail);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_client_cancel_while_results_stream_stops_the_work_and_leaves_no_temp_files()
    {
        var engine = (Regsosek.Extracts.Matching.MatchingEngine)service.Services.GetService(typeof(Regsosek.Extracts.Matching.MatchingEngine))!;
        string[] Jobs() => Directory.GetDirectories(engine.Options.TempRoot, "regsosek-match-*");
        var grant = await ServiceFixture.IssueAsync(service.Grants, "Dinas Sosial Kabupaten Bogor", Regsosek.Core.Tier.Bnba, "3201");
        var people = In(3201, 8000);
        // The cancel races the server's last messages: when the whole answer already fits in the HTTP/2 window, the server
        // finishes first and the call is simply complete. Such an attempt shows nothing; the cancel is tried again.
        for (int attempt = 1; ; attempt++)
        {
            var head = await service.AuditHeadAsync();
            using var cancel = new CancellationTokenSource();
            var client = new MatchingService.MatchingServiceClient(ApiClient.Channel(service.Address));
            using var call = client.Match(new Metadata { { "authorization", "Bearer " + grant.Token } }, cancellationToken: cancel.Token);
            await call.RequestStream.WriteAsync(new MatchRequest { Options = new MatchOptions { Mode = MatchMode.Rows } });
            for (int b = 0; b < people.Count; b += 2000)
            {
                var batch = new MatchBatch();
                batch.Rows.AddRange(people.Skip(b).Take(2000).Select((p, i) => MatchKit.Row(p.Nik, (b + i).ToString())));
                await call.RequestStream.WriteAsync(new MatchRequest { Batch = batch });
            }
            await call.RequestStream.CompleteAsync();
            // Header, then the first results: the match is done and its results are being read from the call's database.
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(MatchResponse.PayloadOneofCase.Header, call.ResponseStream.Current.PayloadCase);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(MatchResponse.PayloadOneofCase.Results, call.ResponseStream.Current.PayloadCase);
            var during = Jobs(); // ours among them (the temp root is shared with whatever else runs on the machine)
            Assert.NotEmpty(during);

            cancel.Cancel();
            var e = await Assert.ThrowsAnyAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });
            Assert.Equal(GrpcStatusCode.Cancelled, e.StatusCode);
            await AssertGoneAsync(during); // database, sorted tables and spill files gone, in either case

            // Recorded: allowed (committed before the first message), then interrupted by the client with what was sent.
            var deadline = DateTime.UtcNow.AddSeconds(attempt < 3 ? 5 : 20);
            List<AuditRecord> records = [];
            while (DateTime.UtcNow < deadline)
            {
                records = (await service.AuditRecordsAfterAsync(head)).Where(r => r.Entry.Method == "/regsosek.v1.MatchingService/Match").ToList();
                if (records.Count == 2) break;
                await Task.Delay(20);
            }
            if (records.Count == 1 && records[0].Entry.Decision == AuditDecision.Allowed && attempt < 3) continue; // the server finished first
            Assert.Equal([AuditDecision.Allowed, AuditDecision.Interrupted], records.Select(r => r.Entry.Decision).ToArray());
            Assert.Equal("call.cancelled", records[1].Entry.Rule);
            Assert.InRange(records[1].Entry.Rows, 1, 7999);
            return;
        }
    }

    /// <summary>Waits up to 20 s for <paramref name="directories"/> to be deleted, then asserts none is left.</summary>
    private static async Task AssertGoneAsync(IEnumerable<string> directories)
    {
        var left = directories.ToList();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (left.Any(Directory.Exists) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Empty(left.Where(Directory.Exists));
    }
}
