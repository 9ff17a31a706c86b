using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Regsosek.Api.ExtractJobs;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Api.V1;
using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Jobs;
using JobState = Regsosek.Api.V1.ExtractJobState;

namespace Regsosek.Api.Tests;

/// <summary>
/// regsosek.v1.ExtractJobService end to end (docs/extract-jobs.md): each state change, downloads resumed from any
/// offset whose bytes equal the one-piece file and the streaming Extract's, the codebook, the audit records, bad input,
/// limits, expiry, revocation, and restarts in the middle of a running job and of a download (a new server on the
/// same home and store).
/// </summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class ExtractJobTests(ServiceFixture service)
{
    private JobKit Jobs => new(service.Address);
    private ExtractJobHooks Hooks => service.Services.GetRequiredService<ExtractJobHooks>();
    private ExtractJobFiles Files => service.Services.GetRequiredService<ExtractJobFiles>();
    private IExtractJobStore Store => service.Services.GetRequiredService<IExtractJobStore>();

    private Task<Stores.Grants.IssuedGrant> NewMicrodataGrantAsync(string region = "32") =>
        ServiceFixture.IssueAsync(service.Grants, "Universitas Padjadjaran " + Guid.NewGuid().ToString("N")[..6], Core.Tier.Microdata, region);

    [Fact]
    public async Task A_job_goes_queued_then_ready_and_its_file_equals_the_streaming_extract_whole_and_resumed_from_any_offset()
    {
        var head = await service.AuditHeadAsync();
        var request = JobKit.SmallExtract();
        var submitted = await Jobs.SubmitAsync(request, service.Microdata.Token);
        Assert.Equal(JobState.Queued, submitted.State);
        Assert.Matches("^xj_[0-9a-f]{32}$", submitted.JobId);
        Assert.Equal(request, submitted.Extract);
        Assert.Empty(submitted.Files);

        var ready = await Jobs.WaitStateAsync(submitted.JobId, service.Microdata.Token, JobState.Ready);
        Assert.Equal(1u, ready.Attempts);
        Assert.True(ready.ExpiresAt.ToDateTimeOffset() > ready.FinishedAt.ToDateTimeOffset().AddHours(71));
        var data = ready.Files.Single(f => f.Kind == ExtractJobFileKind.Data);
        Assert.Equal("data.csv", data.Name);
        Assert.Equal(ready.Bytes, data.Bytes);
        Assert.Equal("3201", ready.Metadata.EffectiveRegion);
        Assert.Equal(Licences.Attribution, ready.Metadata.Attribution);
        Assert.Equal(Licences.Microdata, ready.Metadata.Licence);
        Assert.NotNull(ready.KAnonymity);

        // The one-piece download is the file the streaming Extract call gives for the same request.
        var whole = await Jobs.DownloadAsync(ready.JobId, service.Microdata.Token);
        Assert.Equal(data.Sha256, JobKit.Sha256(whole));
        Assert.Equal(data.Bytes, whole.Length);
        Assert.Equal((await StreamingExtractAsync(request, service.Microdata.Token)).ToArray(), whole);
        var lines = System.Text.Encoding.UTF8.GetString(whole).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ready.Records, lines.Length - 1);
        Assert.Equal("family_id,r401,regency_code,r405,r407,r409", lines[0]);

        // A broken download resumed from where it stopped, at awkward offsets, gives the same bytes.
        foreach (var cut in new long[] { 1, 4095, whole.Length / 2, whole.Length - 1 })
        {
            var first = await Jobs.DownloadAsync(ready.JobId, service.Microdata.Token, length: cut);
            var rest = await Jobs.DownloadAsync(ready.JobId, service.Microdata.Token, offset: first.Length);
            Assert.Equal(cut, first.Length);
            Assert.Equal(whole, first.Concat(rest).ToArray());
        }
        Assert.Empty(await Jobs.DownloadAsync(ready.JobId, service.Microdata.Token, offset: whole.Length));

        // The audit trail: the submission, the completion (rows, bytes, SHA-256), and each download with its offset and bytes.
        var records = await service.AuditRecordsAfterAsync(head);
        var submission = records.Single(r => r.Entry.Method == "/regsosek.v1.ExtractJobService/SubmitExtractJob");
        Assert.Equal(AuditDecision.Allowed, submission.Entry.Decision);
        Assert.Equal("3201", submission.Entry.Scope.Value);
        var completed = records.Single(r => r.Entry.Method == ExtractJobAudit.CompletedMethod && r.Entry.Request.Contains(ready.JobId));
        Assert.Equal(ExtractJobAudit.CompletedRule, completed.Entry.Rule);
        Assert.Equal(submission.Entry.RequestId, completed.Entry.RequestId);
        Assert.Equal((ready.Records, data.Bytes, data.Sha256), (completed.Entry.Rows, completed.Entry.Bytes, completed.Entry.ExtractSha256));
        var downloads = records.Where(r => r.Entry.Method == "/regsosek.v1.ExtractJobService/DownloadExtractJob").ToList();
        Assert.Equal(10, downloads.Count);
        Assert.All(downloads, d => Assert.Equal(data.Sha256, d.Entry.ExtractSha256));
        var half = downloads.Single(d => d.Entry.Request.Contains($"\"offset\": \"{whole.Length / 2}\""));
        Assert.Equal(whole.Length - whole.Length / 2, half.Entry.Bytes);
        Assert.Equal(whole.Length, downloads[0].Entry.Bytes);
    }

    [Fact]
    public async Task The_codebook_names_every_column_with_its_labels_and_value_labels_the_filters_the_report_and_the_licence()
    {
        var request = JobKit.SmallExtract("regency_code", "r405", "r407");
        request.Filters.Add(new ExtractFilter { Column = "r405", Codes = new CodeSet { Values = { 2 } } });
        request.KAnonymity = new KAnonymityOptions { K = 5, AgeBands = AgeBanding._10Years };
        var job = await Jobs.SubmitAsync(request, service.Microdata.Token);
        var ready = await Jobs.WaitStateAsync(job.JobId, service.Microdata.Token, JobState.Ready);

        var jsonFile = ready.Files.Single(f => f.Kind == ExtractJobFileKind.CodebookJson);
        var json = await Jobs.DownloadAsync(job.JobId, service.Microdata.Token, ExtractJobFileKind.CodebookJson);
        Assert.Equal(jsonFile.Sha256, JobKit.Sha256(json));
        using var codebook = JsonDocument.Parse(json);
        var root = codebook.RootElement;
        Assert.Equal(Licences.Attribution, root.GetProperty("attribution").GetString());
        Assert.Equal(Licences.Microdata, root.GetProperty("licence").GetString());
        Assert.Equal(ready.Files.Single(f => f.Kind == ExtractJobFileKind.Data).Sha256, root.GetProperty("sha256").GetString());
        var columns = root.GetProperty("columns").EnumerateArray().ToList();
        // The key of a tier-3 person row comes first (docs/extracts.md), and the codebook says so.
        Assert.Equal(["family_id", "r401", "regency_code", "r405", "r407"], columns.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["family_id", "r401"], root.GetProperty("row_key").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains("per-grant pseudonym", columns[0].GetProperty("note").GetString());
        var sex = columns[3];
        var dictionary = Schema.DataDictionary.Default.Get(Schema.TableKind.Individu, "r405");
        Assert.Equal(dictionary.LabelEn, sex.GetProperty("label_en").GetString());
        Assert.Equal(dictionary.Codes.Select(c => (c.Code, c.LabelEn)),
            sex.GetProperty("values").EnumerateArray().Select(v => (v.GetProperty("code").GetInt32(), v.GetProperty("label_en").GetString()!)));
        Assert.Contains("10-year band", columns[4].GetProperty("note").GetString());
        var filter = root.GetProperty("filters").EnumerateArray().Single();
        Assert.Equal("r405", filter.GetProperty("column").GetString());
        Assert.Equal([2L], filter.GetProperty("codes").EnumerateArray().Select(c => c.GetInt64()));
        Assert.Equal(5, root.GetProperty("k_anonymity").GetProperty("k").GetInt32());
        Assert.Equal(ready.KAnonymity.RecordsBelowK, root.GetProperty("k_anonymity").GetProperty("records_below_k").GetInt64());

        var markdown = System.Text.Encoding.UTF8.GetString(await Jobs.DownloadAsync(job.JobId, service.Microdata.Token, ExtractJobFileKind.CodebookMarkdown));
        Assert.Contains(Licences.Attribution, markdown);
        Assert.Contains("`r405 in (2)`", markdown);
        foreach (var code in dictionary.Codes) Assert.Contains($"| {code.Code} | {code.LabelEn} |", markdown);
    }

    [Fact]
    public async Task Unknown_and_other_grants_jobs_are_the_same_NOT_FOUND_and_bad_fields_are_named()
    {
        var other = await NewMicrodataGrantAsync();
        var job = await Jobs.SubmitAsync(JobKit.SmallExtract(), service.Microdata.Token);
        await Jobs.WaitStateAsync(job.JobId, service.Microdata.Token, JobState.Ready);
        var unknown = "xj_" + new string('0', 32);

        var theirs = await JobKit.RefusalAsync(() => Jobs.GetAsync(job.JobId, other.Token));
        var none = await JobKit.RefusalAsync(() => Jobs.GetAsync(unknown, other.Token));
        var malformed = await JobKit.RefusalAsync(() => Jobs.GetAsync("../../etc/passwd", other.Token));
        Assert.Equal(StatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(none.StatusCode, theirs.StatusCode);
        Assert.Equal(none.Status.Detail.Replace(unknown, "ID"), theirs.Status.Detail.Replace(job.JobId, "ID"));
        Assert.Equal(StatusCode.NotFound, malformed.StatusCode);
        var download = await JobKit.RefusalAsync(() => Jobs.DownloadAsync(job.JobId, other.Token));
        Assert.Equal(StatusCode.NotFound, download.StatusCode);
        var cancel = await JobKit.RefusalAsync(async () => await Jobs.Client.CancelExtractJobAsync(new CancelExtractJobRequest { JobId = job.JobId }, JobKit.Options(other.Token)));
        Assert.Equal(StatusCode.NotFound, cancel.StatusCode);
        Assert.DoesNotContain(job.JobId, (await Jobs.Client.ListExtractJobsAsync(new ListExtractJobsRequest(), JobKit.Options(other.Token))).Jobs.Select(j => j.JobId));
        Assert.Equal(JobState.Ready, (await Jobs.GetAsync(job.JobId, service.Microdata.Token)).State); // untouched

        var size = (await Jobs.GetAsync(job.JobId, service.Microdata.Token)).Bytes;
        foreach (var (offset, length, field) in new[] { (size + 1, 0L, "offset"), (-1L, 0L, "offset"), (0L, -5L, "length") })
        {
            var bad = await JobKit.RefusalAsync(() => Jobs.DownloadAsync(job.JobId, service.Microdata.Token, offset: offset, length: length));
            Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
            Assert.Equal(field, JobKit.FieldOf(bad));
        }
        var noId = await JobKit.RefusalAsync(() => Jobs.GetAsync("", service.Microdata.Token));
        Assert.Equal("job_id", JobKit.FieldOf(noId));
        var noExtract = await JobKit.RefusalAsync(async () => await Jobs.Client.SubmitExtractJobAsync(new SubmitExtractJobRequest(), JobKit.Options(service.Microdata.Token)));
        Assert.Equal("extract", JobKit.FieldOf(noExtract));

        // The rules of the Extract call, at submission: tier, identity variables, unknown columns.
        var tier2 = await JobKit.RefusalAsync(() => Jobs.SubmitAsync(JobKit.SmallExtract(), service.Regency3201.Token));
        Assert.Equal(("tier.insufficient", StatusCode.PermissionDenied), (JobKit.RuleOf(tier2), tier2.StatusCode));
        var listTier2 = await JobKit.RefusalAsync(async () => await Jobs.Client.ListExtractJobsAsync(new ListExtractJobsRequest(), JobKit.Options(service.Regency3201.Token)));
        Assert.Equal("tier.insufficient", JobKit.RuleOf(listTier2));
        var identity = await JobKit.RefusalAsync(() => Jobs.SubmitAsync(JobKit.SmallExtract("r403"), service.Microdata.Token));
        Assert.Equal("extract.identity", JobKit.RuleOf(identity));
        var column = await JobKit.RefusalAsync(() => Jobs.SubmitAsync(JobKit.SmallExtract("r405", "golongan_darah"), service.Microdata.Token));
        Assert.Equal("extract.columns[1]", "extract." + JobKit.FieldOf(column));
        var anonymous = await JobKit.RefusalAsync(() => Jobs.GetAsync(job.JobId, null));
        Assert.Equal(StatusCode.PermissionDenied, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_running_job_reports_its_phase_and_a_cancelled_one_stops_loses_its_files_and_cannot_be_downloaded()
    {
        var grant = await NewMicrodataGrantAsync();
        var gate = new PhaseGate(Hooks, "writing");
        try
        {
            var job = await Jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token);
            Assert.Equal(job.JobId, await gate.Reached);
            var running = await Jobs.GetAsync(job.JobId, grant.Token);
            Assert.Equal((JobState.Running, "writing", 1u), (running.State, running.Phase, running.Attempts));
            Assert.True(Directory.Exists(Files.Directory(job.JobId)));
            var notYet = await JobKit.RefusalAsync(() => Jobs.DownloadAsync(job.JobId, grant.Token));
            Assert.Equal(StatusCode.FailedPrecondition, notYet.StatusCode);

            var cancelled = await Jobs.Client.CancelExtractJobAsync(new CancelExtractJobRequest { JobId = job.JobId }, JobKit.Options(grant.Token));
            Assert.Equal(JobState.Cancelled, cancelled.State);
            Assert.Equal(ExtractJobAudit.CancelledRule, cancelled.FailureRule);
            await WaitUntilAsync(() => !Directory.Exists(Files.Directory(job.JobId)));
            await Task.Delay(300); // the interrupted worker must not bring it back
            Assert.Equal(JobState.Cancelled, (await Jobs.GetAsync(job.JobId, grant.Token)).State);
            Assert.False(Directory.Exists(Files.Directory(job.JobId)));
            Assert.Equal(StatusCode.FailedPrecondition, (await JobKit.RefusalAsync(() => Jobs.DownloadAsync(job.JobId, grant.Token))).StatusCode);
            // Cancelling a finished job changes nothing.
            Assert.Equal(JobState.Cancelled, (await Jobs.Client.CancelExtractJobAsync(new CancelExtractJobRequest { JobId = job.JobId }, JobKit.Options(grant.Token))).State);
        }
        finally
        {
            gate.Release();
            Hooks.OnPhase = null;
        }
    }

    [Fact]
    public async Task A_job_the_planner_refuses_when_it_runs_fails_with_the_rule_and_leaves_no_files()
    {
        // A job stored with a region outside its grant (as if the grant's scope had changed after submission).
        var grant = await NewMicrodataGrantAsync("31");
        var refused = await JobKit.RefusalAsync(() => Jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token));
        Assert.Equal("scope.outside-grant", JobKit.RuleOf(refused)); // 3201 is outside province 31: refused at submission already
        var stored = new ExtractJobRecord
        {
            Id = ExtractJobFiles.NewJobId(), GrantId = grant.Grant.Id, State = Stores.Jobs.ExtractJobState.Queued, Phase = "queued",
            Request = Google.Protobuf.MessageExtensions.ToByteArray(JobKit.SmallExtract()), RequestId = "test-refused-at-run",
            Scope = "31", SubmittedAt = DateTimeOffset.UtcNow,
        };
        await Store.SubmitAsync(stored, new ExtractJobLimits(10, long.MaxValue));
        service.Services.GetRequiredService<ExtractJobWorker>().Enqueue(stored.Id);
        var failed = await Jobs.WaitStateAsync(stored.Id, grant.Token, JobState.Failed);
        Assert.Equal("scope.outside-grant", failed.FailureRule);
        Assert.False(Directory.Exists(Files.Directory(stored.Id)));
    }

    [Fact]
    public async Task Per_grant_limits_refuse_with_RESOURCE_EXHAUSTED_naming_the_limit()
    {
        var grant = await NewMicrodataGrantAsync();
        await using var app = service.BuildSecondServer(configuration: Settings(new()
        {
            ["Regsosek:Extracts:Jobs:MaxActiveJobsPerGrant"] = "1",
            ["Regsosek:Extracts:Jobs:MaxBytesPerGrantPerDay"] = "1",
        }));
        await app.StartAsync();
        var jobs = JobKit.For(app);
        var gate = new PhaseGate(app.Services.GetRequiredService<ExtractJobHooks>(), "writing");
        var first = await jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token);
        await gate.Reached;

        var busy = await JobKit.RefusalAsync(() => jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token));
        Assert.Equal(StatusCode.ResourceExhausted, busy.StatusCode);
        Assert.Equal(ExtractJobLimitException.ActiveJobs, JobKit.LimitOf(busy));
        var another = await NewMicrodataGrantAsync();
        Assert.Equal(JobState.Queued, (await jobs.SubmitAsync(JobKit.SmallExtract(), another.Token)).State); // not limited by the first grant

        gate.Release();
        await jobs.WaitStateAsync(first.JobId, grant.Token, JobState.Ready);
        var spent = await JobKit.RefusalAsync(() => jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token));
        Assert.Equal(ExtractJobLimitException.BytesPerDay, JobKit.LimitOf(spent));
        Assert.Contains("24 hours", spent.Status.Detail);
        await app.StopAsync();
    }

    [Fact]
    public async Task Files_expire_after_the_retention_are_deleted_and_the_job_says_why()
    {
        var grant = await NewMicrodataGrantAsync();
        await using var app = service.BuildSecondServer(configuration: Settings(new()
        {
            ["Regsosek:Extracts:Jobs:RetentionHours"] = "0.0005", // 1.8 s
            ["Regsosek:Extracts:Jobs:SweepIntervalSeconds"] = "0.2",
        }));
        await app.StartAsync();
        var jobs = JobKit.For(app);
        var head = await service.AuditHeadAsync();
        var job = await jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token);
        var ready = await jobs.WaitStateAsync(job.JobId, grant.Token, JobState.Ready);
        Assert.True(Directory.Exists(Files.Directory(job.JobId)));

        var expired = await jobs.WaitStateAsync(job.JobId, grant.Token, JobState.Expired);
        Assert.Equal(ExtractJobAudit.RetentionRule, expired.FailureRule);
        Assert.Empty(expired.Files);
        var gone = await JobKit.RefusalAsync(() => jobs.DownloadAsync(job.JobId, grant.Token));
        Assert.Equal(StatusCode.FailedPrecondition, gone.StatusCode); // refused from the moment the state says expired
        // The sweep marks the job expired first (so no download starts), then deletes the files, then audits the
        // deletion: wait for the audit record, after which the directory must be gone.
        bool IsDeletion(AuditRecord r) => r.Entry.Method == ExtractJobAudit.DeletedMethod && r.Entry.Request.Contains(job.JobId);
        var records = await service.AuditRecordsAfterAsync(head);
        for (var i = 0; i < 100 && !records.Any(IsDeletion); i++)
        {
            await Task.Delay(100);
            records = await service.AuditRecordsAfterAsync(head);
        }
        var deleted = records.Single(IsDeletion);
        Assert.False(Directory.Exists(Files.Directory(job.JobId)));
        Assert.Equal(ExtractJobAudit.RetentionRule, deleted.Entry.Rule);
        Assert.True(ready.ExpiresAt.ToDateTimeOffset() - ready.FinishedAt.ToDateTimeOffset() < TimeSpan.FromSeconds(2));
        await app.StopAsync();
    }

    [Fact]
    public async Task A_revoked_grant_cannot_reach_its_ready_files_at_once_and_the_sweep_deletes_them()
    {
        var grant = await NewMicrodataGrantAsync();
        var job = await Jobs.SubmitAsync(JobKit.SmallExtract(), grant.Token);
        await Jobs.WaitStateAsync(job.JobId, grant.Token, JobState.Ready);
        await service.Grants.RevokeAsync(grant.Grant.Id, "PKS ended", DateTimeOffset.UtcNow);

        var status = await JobKit.RefusalAsync(() => Jobs.GetAsync(job.JobId, grant.Token));
        Assert.Equal("auth.grant-revoked", JobKit.RuleOf(status));
        var download = await JobKit.RefusalAsync(() => Jobs.DownloadAsync(job.JobId, grant.Token));
        Assert.Equal("auth.grant-revoked", JobKit.RuleOf(download));
        Assert.True(Directory.Exists(Files.Directory(job.JobId)), "the files wait for the sweep");

        var ended = await service.Services.GetRequiredService<ExtractJobSweeper>().SweepAsync();
        Assert.Contains(job.JobId, ended);
        Assert.False(Directory.Exists(Files.Directory(job.JobId)));
        var stored = await Store.GetAsync(job.JobId);
        Assert.Equal((Stores.Jobs.ExtractJobState.Expired, "grant.revoked"), (stored!.State, stored.FailureRule));
    }

    [Fact]
    public async Task A_job_running_when_its_server_stops_or_crashes_runs_again_on_the_next_server_and_gives_the_same_file()
    {
        var grant = await NewMicrodataGrantAsync();
        var request = JobKit.SmallExtract();
        string id;
        await using (var first = service.BuildSecondServer())
        {
            await first.StartAsync();
            var gate = new PhaseGate(first.Services.GetRequiredService<ExtractJobHooks>(), "copying");
            id = (await JobKit.For(first).SubmitAsync(request, grant.Token)).JobId;
            await gate.Reached; // the file is written; the worker is copying it when the server stops
            await first.StopAsync();
        }
        var afterStop = await Store.GetAsync(id);
        Assert.Equal((Stores.Jobs.ExtractJobState.Queued, 1), (afterStop!.State, afterStop.Attempts));
        Assert.False(Directory.Exists(Files.Directory(id)));

        // A crash leaves the job "running" in the store, with a half-copied file.
        Assert.True(await Store.TryUpdateAsync(afterStop with { State = Stores.Jobs.ExtractJobState.Running, Phase = "copying" }, [Stores.Jobs.ExtractJobState.Queued]));
        Directory.CreateDirectory(Files.Directory(id));
        await File.WriteAllTextAsync(Path.Combine(Files.Directory(id), "data.csv.part"), "half");

        // Another replica's running job is not this server's to take up.
        var elsewhere = afterStop with
        {
            Id = ExtractJobFiles.NewJobId(), RequestId = "test-other-replica", State = Stores.Jobs.ExtractJobState.Queued, Attempts = 0, Node = "",
        };
        await Store.SubmitAsync(elsewhere, new ExtractJobLimits(10, long.MaxValue));
        Assert.True(await Store.TryUpdateAsync(elsewhere with { State = Stores.Jobs.ExtractJobState.Running, Attempts = 1, Node = "replica-2:/srv/jobs" },
            [Stores.Jobs.ExtractJobState.Queued]));

        await using var second = service.BuildSecondServer();
        await second.StartAsync();
        var jobs = JobKit.For(second);
        var ready = await jobs.WaitStateAsync(id, grant.Token, JobState.Ready);
        Assert.Equal(2u, ready.Attempts);
        var untouched = await Store.GetAsync(elsewhere.Id);
        Assert.Equal((Stores.Jobs.ExtractJobState.Running, 1, "replica-2:/srv/jobs"), (untouched!.State, untouched.Attempts, untouched.Node));
        await Store.TryUpdateAsync(untouched with { State = Stores.Jobs.ExtractJobState.Cancelled }, [Stores.Jobs.ExtractJobState.Running]);
        var bytes = await jobs.DownloadAsync(id, grant.Token);
        Assert.Equal(ready.Files.Single(f => f.Kind == ExtractJobFileKind.Data).Sha256, JobKit.Sha256(bytes));
        Assert.Equal((await StreamingExtractAsync(request, grant.Token)).ToArray(), bytes);
        Assert.False(File.Exists(Path.Combine(Files.Directory(id), "data.csv.part")));
        await second.StopAsync();
    }

    [Fact]
    public async Task A_download_broken_by_a_server_restart_resumes_on_the_next_server_to_the_same_bytes()
    {
        var grant = await NewMicrodataGrantAsync();
        var request = new ExtractRequest { Table = ExtractTable.Individu, Region = "3201", Format = ExtractFormat.Csv }; // every tier-3 column: several MiB
        string id;
        string sha;
        byte[] received;
        await using (var first = service.BuildSecondServer())
        {
            await first.StartAsync();
            var jobs = JobKit.For(first);
            id = (await jobs.SubmitAsync(request, grant.Token)).JobId;
            var ready = await jobs.WaitStateAsync(id, grant.Token, JobState.Ready);
            sha = ready.Files.Single(f => f.Kind == ExtractJobFileKind.Data).Sha256;
            Assert.True(ready.Bytes > 2 * ExtractJobsApi.ChunkBytes, $"the file should take several chunks ({ready.Bytes} bytes)");

            using var cancel = new CancellationTokenSource();
            using var call = jobs.Client.DownloadExtractJob(new DownloadExtractJobRequest { JobId = id }, JobKit.Options(grant.Token, cancel.Token));
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            received = call.ResponseStream.Current.Data.ToByteArray();
            await cancel.CancelAsync(); // the connection breaks after the first chunk...
            await first.StopAsync();    // ...and the server goes down
        }
        await using var second = service.BuildSecondServer();
        await second.StartAsync();
        var rest = await JobKit.For(second).DownloadAsync(id, grant.Token, offset: received.Length);
        var file = received.Concat(rest).ToArray();
        Assert.Equal(sha, JobKit.Sha256(file));
        Assert.Equal((await StreamingExtractAsync(request, grant.Token)).ToArray(), file);
        await second.StopAsync();
    }

    [Fact]
    public async Task Bad_job_settings_stop_the_start_naming_each_and_an_unknown_one_is_refused()
    {
        await using var app = service.BuildSecondServer(configuration: Settings(new()
        {
            ["Regsosek:Extracts:Jobs:Workers"] = "0",
            ["Regsosek:Extracts:Jobs:RetentionHours"] = "-1",
            ["Regsosek:Extracts:ChunkBytes"] = "4096",
        }));
        var e = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.Contains("Regsosek:Extracts:Jobs:Workers must be 1 to 64 (got 0)", e.ToString());
        Assert.Contains("Regsosek:Extracts:Jobs:RetentionHours must be", e.ToString());

        await using var typo = service.BuildSecondServer(configuration: Settings(new() { ["Regsosek:Extracts:Jobs:Retention"] = "5" }));
        var t = await Assert.ThrowsAnyAsync<Exception>(() => typo.StartAsync());
        Assert.Contains("Retention", t.ToString());
    }

    private static IConfiguration Settings(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private async Task<MemoryStream> StreamingExtractAsync(ExtractRequest request, string token)
    {
        var client = new ExtractService.ExtractServiceClient(ApiClient.Channel(service.Address));
        using var call = client.Extract(request, JobKit.Options(token));
        var bytes = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            if (chunk.PayloadCase == ExtractChunk.PayloadOneofCase.Data) chunk.Data.WriteTo(bytes);
        return bytes;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
