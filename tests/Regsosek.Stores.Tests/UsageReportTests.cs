using Regsosek.Core;
using Regsosek.Stores.Audit;
using Regsosek.Stores.Reports;
using Regsosek.Stores.Tests.Support;

namespace Regsosek.Stores.Tests;

public sealed class SemesterTests
{
    [Fact]
    public void The_first_semester_is_January_to_June_in_WIB()
    {
        var s = Semester.Parse("2026-1");
        Assert.Equal(new DateTimeOffset(2025, 12, 31, 17, 0, 0, TimeSpan.Zero), s.Start);
        Assert.Equal(new DateTimeOffset(2026, 6, 30, 17, 0, 0, TimeSpan.Zero), s.End);
        Assert.Equal("2026-1", s.ToString());
    }

    [Fact]
    public void The_second_semester_is_July_to_December_in_WIB()
    {
        var s = Semester.Parse("2026-2");
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.FromHours(7)), s.Start);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.FromHours(7)), s.End);
    }

    [Theory]
    [InlineData("2026-3", "YYYY-1")]
    [InlineData("2026", "YYYY-1")]
    [InlineData("26-1", "YYYY-1")]
    [InlineData("2026/1", "YYYY-1")]
    [InlineData("2026-01", "YYYY-1")]
    [InlineData("", "YYYY-1")]
    [InlineData(null, "YYYY-1")]
    [InlineData("2021-2", "before Regsosek")]
    public void Bad_semesters_get_an_error_that_says_what_to_write(string? text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Semester.Parse(text));
        Assert.Contains(expected, e.Message);
    }
}

public sealed class UsageReportTests : IAsyncLifetime
{
    private const string Grant = "g_01JREPORT00000000000000000";
    private const string Aggregate = "/regsosek.v1.AggregateService/Aggregate";
    private const string Extract = "/regsosek.v1.ExtractService/Extract";
    private readonly SqliteBackend _backend = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2025, 12, 31, 16, 59, 59, TimeSpan.Zero)); // 23:59:59 WIB
    private IAuditLog _log = null!;

    public async Task InitializeAsync()
    {
        _log = _backend.CreateAuditLog(_time);
        await Add(AuditDecision.Allowed, "3273", cells: 99, grant: Grant);                             // 2025-2: outside
        _time.Advance(TimeSpan.FromSeconds(1));                                                       // 2026-01-01 00:00 WIB
        await Add(AuditDecision.Allowed, "3273", cells: 20, grant: Grant);
        await Add(AuditDecision.Allowed, "3273", cells: 30, bytes: 700, grant: Grant);
        await Add(AuditDecision.Allowed, "327301", cells: 5, grant: Grant);
        await Add(AuditDecision.Denied, "32", rule: "scope.outside_grant", grant: Grant);
        await Add(AuditDecision.Denied, "32", rule: "scope.outside_grant", grant: Grant);
        await Add(AuditDecision.Denied, "3273", rule: "tier.bnba_required", method: Extract, grant: Grant);
        await Add(AuditDecision.Allowed, "3273", rows: 1200, bytes: 50_000, method: Extract, sha: new string('c', 64), grant: Grant);
        await Add(AuditDecision.Allowed, "3273", cells: 1000, grant: "g_01JOTHER000000000000000000");  // another grant
        _time.Set(new DateTimeOffset(2026, 6, 30, 16, 59, 59, TimeSpan.Zero));                        // last second of 2026-1
        await Add(AuditDecision.Allowed, "3273", cells: 1, grant: Grant);
        _time.Advance(TimeSpan.FromSeconds(1));                                                       // 2026-2
        await Add(AuditDecision.Allowed, "3273", cells: 500, grant: Grant);
    }

    public async Task DisposeAsync()
    {
        await _log.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private Task Add(AuditDecision decision, string scope, long cells = 0, long rows = 0, long bytes = 100, string? rule = null,
        string method = Aggregate, string? sha = null, string grant = Grant) =>
        _log.AppendAsync(new AuditEntry
        {
            GrantId = grant, Organisation = "Pemkot Bandung", Unit = "Dinas Sosial", Method = method, Request = "{}",
            Scope = RegionCode.Parse(scope), Decision = decision, Rule = rule, Cells = cells, Rows = rows, Bytes = bytes,
            ExtractSha256 = sha, StatusCode = decision == AuditDecision.Denied ? 7 : 0,
        });

    [Fact]
    public async Task Counts_are_by_method_and_region_for_the_grant_and_semester_only()
    {
        var report = await UsageReport.BuildAsync(_log, Grant, "2026-1");

        Assert.Equal(
        [
            new UsageLine(Aggregate, "32", Calls: 2, Refused: 2, Cells: 0, Extracts: 0, Rows: 0, Bytes: 0),
            new UsageLine(Aggregate, "3273", Calls: 3, Refused: 0, Cells: 51, Extracts: 0, Rows: 0, Bytes: 900),
            new UsageLine(Aggregate, "327301", Calls: 1, Refused: 0, Cells: 5, Extracts: 0, Rows: 0, Bytes: 100),
            new UsageLine(Extract, "3273", Calls: 2, Refused: 1, Cells: 0, Extracts: 1, Rows: 1200, Bytes: 50_000),
        ], report.Lines);
        Assert.Equal(new UsageLine("total", "", 8, 3, 56, 1, 1200, 51_000), report.Total);
        Assert.Equal([new RefusalLine("scope.outside_grant", Aggregate, 2), new RefusalLine("tier.bnba_required", Extract, 1)], report.Refusals);
        Assert.Equal((2L, 10L), report.Records);
        Assert.Equal("Pemkot Bandung", report.Organisation);
    }

    [Fact]
    public async Task The_next_semester_holds_only_its_own_calls()
    {
        var report = await UsageReport.BuildAsync(_log, Grant, "2026-2");
        Assert.Equal(new UsageLine("total", "", 1, 0, 500, 0, 0, 100), report.Total);
        Assert.Empty(report.Refusals);
    }

    [Fact]
    public async Task Markdown_shows_the_tables_and_the_source_records()
    {
        var md = (await UsageReport.BuildAsync(_log, Grant, "2026-1")).ToMarkdown();

        Assert.Contains("semester 2026-1", md);
        Assert.Contains("2026-01-01 to 2026-06-30", md);
        Assert.Contains("records #2 to #10", md);
        Assert.Contains($"| {Extract} | 3273 | 2 | 1 | 0 | 1 | 1200 | 50000 | 0 |", md);
        Assert.Contains("| **Total** |  | 8 | 3 | 56 | 1 | 1200 | 51000 | 0 |", md);
        Assert.Contains($"| scope.outside_grant | {Aggregate} | 2 |", md);
    }

    [Fact]
    public async Task CSV_rows_add_up_to_the_total_row()
    {
        var csv = (await UsageReport.BuildAsync(_log, Grant, "2026-1")).ToCsv();
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();

        Assert.Equal("grant_id,semester,kind,method,region,rule,calls,refused,cells,extracts,rows,bytes,interrupted", string.Join(',', rows[0]));
        var usage = rows.Where(r => r[2] == "usage").ToList();
        var total = rows.Single(r => r[2] == "total");
        for (int col = 6; col <= 12; col++)
            Assert.Equal(long.Parse(total[col]), usage.Sum(r => long.Parse(r[col])));
        Assert.Equal(2, rows.Count(r => r[2] == "refusal"));
        Assert.All(rows.Skip(1), r => Assert.Equal((Grant, "2026-1"), (r[0], r[1])));
    }

    [Fact]
    public async Task Interrupted_calls_count_once_with_what_was_actually_sent()
    {
        // A streaming extract committed to 5000 rows and was cut off by its deadline after 1800; a unary call was
        // cancelled before anything left; another extract was aborted at shutdown after 10 of its 700 rows.
        _time.Set(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var cut = AuditRequest.NewRequestId();
        var aborted = AuditRequest.NewRequestId();
        await AddCall(cut, AuditDecision.Allowed, null, rows: 5000, bytes: 400_000, method: Extract);
        await AddCall(AuditRequest.NewRequestId(), AuditDecision.Allowed, null, cells: 12, bytes: 300);
        await AddCall(cut, AuditDecision.Interrupted, AuditRules.DeadlineExceeded, rows: 1800, bytes: 150_000, method: Extract);
        await AddCall(AuditRequest.NewRequestId(), AuditDecision.Interrupted, AuditRules.Cancelled);
        await AddCall(aborted, AuditDecision.Allowed, null, rows: 700, bytes: 60_000, method: Extract);
        await AddCall(aborted, AuditDecision.Interrupted, AuditRules.AbortedAtShutdown, rows: 10, bytes: 900, method: Extract);

        var report = await UsageReport.BuildAsync(_log, Grant, "2027-1");

        Assert.Equal(
        [
            new UsageLine(Aggregate, "3273", Calls: 2, Refused: 0, Cells: 12, Extracts: 0, Rows: 0, Bytes: 300) { Interrupted = 1 },
            new UsageLine(Extract, "3273", Calls: 2, Refused: 0, Cells: 0, Extracts: 0, Rows: 1810, Bytes: 150_900) { Interrupted = 2 },
        ], report.Lines);
        Assert.Equal(3, report.Total.Interrupted);
        Assert.Empty(report.Refusals); // an interruption is not a refusal
        Assert.Contains($"| {Extract} | 3273 | 2 | 0 | 0 | 0 | 1810 | 150900 | 2 |", report.ToMarkdown());
    }

    private Task AddCall(string requestId, AuditDecision decision, string? rule, long cells = 0, long rows = 0, long bytes = 0,
        string method = Aggregate) =>
        _log.AppendAsync(new AuditEntry
        {
            GrantId = Grant, Organisation = "Pemkot Bandung", Unit = "Dinas Sosial", Method = method, Request = "{}",
            Scope = RegionCode.Parse("3273"), Decision = decision, Rule = rule, Cells = cells, Rows = rows, Bytes = bytes,
            RequestId = requestId, StatusCode = rule is null ? 0 : rule == AuditRules.DeadlineExceeded ? 4 : rule == AuditRules.Cancelled ? 1 : 14,
        });

    [Fact]
    public async Task An_empty_semester_says_so()
    {
        var report = await UsageReport.BuildAsync(_log, Grant, "2027-1");
        Assert.Empty(report.Lines);
        Assert.Null(report.Records);
        Assert.Contains("no calls by this grant", report.ToMarkdown());
        Assert.Contains("No call was refused", report.ToMarkdown());
    }

    [Fact]
    public async Task A_bad_semester_or_grant_is_refused_before_reading()
    {
        await Assert.ThrowsAsync<FormatException>(() => UsageReport.BuildAsync(_log, Grant, "2026-H1"));
        await Assert.ThrowsAsync<ArgumentException>(() => UsageReport.BuildAsync(_log, " ", "2026-1"));
    }

    [Fact]
    public void CSV_and_Markdown_escape_separators_in_names()
    {
        var rec = new AuditRecord
        {
            Sequence = 1, Time = Semester.Parse("2026-1").Start, PrevHash = "", Hash = "",
            Entry = new AuditEntry
            {
                GrantId = Grant, Organisation = "A|B", Unit = "U", Method = "m,\"x\"|y", Request = "{}", Scope = RegionCode.National,
                Decision = AuditDecision.Denied, Rule = "r,1",
            },
        };
        var report = UsageReport.Build([rec], Grant, Semester.Parse("2026-1"));
        Assert.Contains("\"m,\"\"x\"\"|y\"", report.ToCsv());
        Assert.Contains("\"r,1\"", report.ToCsv());
        Assert.Contains("m,\"x\"\\|y", report.ToMarkdown());
        Assert.Contains("A\\|B", report.ToMarkdown());
    }
}

public sealed class StoreFactoryTests
{
    [Fact]
    public async Task SQLite_is_the_default_and_a_connection_string_selects_PostgreSQL()
    {
        await using var sqliteGrants = StoreFactory.CreateGrantStore(new StoreSettings { SqlitePath = "/tmp/never-opened.db" });
        await using var sqliteAudit = StoreFactory.CreateAuditLog(new StoreSettings());
        var pg = new StoreSettings { PostgresConnectionString = "Host=127.0.0.1;Port=5432;Username=u;Database=d" };
        await using var pgGrants = StoreFactory.CreateGrantStore(pg);
        await using var pgAudit = StoreFactory.CreateAuditLog(pg);

        Assert.IsType<Regsosek.Stores.Grants.SqliteGrantStore>(sqliteGrants);
        Assert.IsType<SqliteAuditLog>(sqliteAudit);
        Assert.IsType<Regsosek.Stores.Grants.PostgresGrantStore>(pgGrants);
        Assert.IsType<PostgresAuditLog>(pgAudit);
        Assert.False(File.Exists("/tmp/never-opened.db")); // nothing is opened before first use
    }

    [Fact]
    public void Bad_settings_get_errors_that_say_what_to_write()
    {
        var noHost = Assert.Throws<ArgumentException>(() => StoreFactory.CreateAuditLog(new StoreSettings { PostgresConnectionString = "Database=x" }));
        Assert.Contains("Host=", noHost.Message);
        var garbage = Assert.Throws<ArgumentException>(() => StoreFactory.CreateAuditLog(new StoreSettings { PostgresConnectionString = "this is not one" }));
        Assert.Contains("connection string", garbage.Message);
        var memory = Assert.Throws<ArgumentException>(() => StoreFactory.CreateGrantStore(new StoreSettings { SqlitePath = ":memory:" }));
        Assert.Contains("file path", memory.Message);
    }
}
