using System.Security.Cryptography;
using System.Text.Json;
using Regsosek.Api.Tests.Infrastructure;
using Regsosek.Stores.Audit;

namespace Regsosek.Api.Tests;

/// <summary>
/// regsosek.v1.ExtractService (server streaming) through the independent client: a tier-3 extract streams its
/// file in chunks and then one summary whose checksum matches the bytes received and the audit record; lower
/// tiers, identity variables and bad columns are refused with the rule or field named.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ExtractTests(ServiceFixture service)
{
    [Fact]
    public async Task A_tier_3_extract_streams_data_chunks_then_a_summary_that_matches_the_bytes_and_the_audit_record()
    {
        var head = await service.AuditHeadAsync();
        var file = Path.Combine(service.Root, $"extract-{Guid.NewGuid():N}.csv");
        var result = await ApiClient.CallAsync(service.Address, ApiCall.Extract(new
        {
            table = "EXTRACT_TABLE_INDIVIDU",
            columns = new[] { "regency_code", "r405", "r407" },
            region = "32.01",
            format = "EXTRACT_FORMAT_CSV",
        }, service.Microdata.Token, saveTo: file));

        Assert.True(result.Ok, result.ToString());
        var messages = result.Json.GetProperty("messages").EnumerateArray().ToList();
        Assert.True(messages.Count >= 2, $"data chunks and a summary: {result}");
        Assert.All(messages[..^1], m => Assert.Equal("data", m.GetProperty("payload").GetString()));
        Assert.All(messages[..^1], m => Assert.InRange(m.GetProperty("dataLength").GetInt32(), 1, 1 << 20));
        Assert.Equal("summary", messages[^1].GetProperty("payload").GetString());

        var summary = messages[^1].GetProperty("summary");
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), summary.GetProperty("sha256").GetString());
        Assert.Equal(result.Json.GetProperty("dataSha256").GetString(), summary.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length.ToString(), summary.GetProperty("bytes").GetString());

        var lines = (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0).ToList();
        // A tier-3 person row carries its key, the family pseudonym and the member number, in front of the columns asked for.
        Assert.Equal("family_id,r401,regency_code,r405,r407", lines[0]);
        Assert.Equal((lines.Count - 1).ToString(), summary.GetProperty("rows").GetString());
        Assert.True(lines.Count > 100, "regency 3201 holds thousands of persons");
        // The family pseudonym is an unsigned 64-bit integer in decimal; only the region asked for; rows ascend by it.
        Assert.All(lines.Skip(1), l => Assert.Matches("^[0-9]{1,20},[0-9]+,3201,", l));
        var families = lines.Skip(1).Select(l => ulong.Parse(l[..l.IndexOf(',')], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(families.Order(), families);

        var metadata = summary.GetProperty("metadata");
        Assert.Equal("TIER_MICRODATA", metadata.GetProperty("tier").GetString());
        Assert.Equal("3201", metadata.GetProperty("effective_region").GetString());
        Assert.Equal("Sumber: Registrasi Sosial Ekonomi 2022, Kementerian PPN/Bappenas", metadata.GetProperty("attribution").GetString());
        Assert.Contains("mikro", metadata.GetProperty("licence").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JsonValueKind.Object, summary.GetProperty("k_anonymity").ValueKind);

        var record = (await service.AuditRecordsAfterAsync(head)).Single(r => r.Entry.Method == "/regsosek.v1.ExtractService/Extract");
        Assert.Equal(AuditDecision.Allowed, record.Entry.Decision);
        Assert.Equal(service.Microdata.Grant.Id, record.Entry.GrantId);
        Assert.Equal(summary.GetProperty("sha256").GetString(), record.Entry.ExtractSha256);
        Assert.Equal(lines.Count - 1, record.Entry.Rows);
    }

    [Fact]
    public async Task An_extract_in_the_Arrow_stream_format_reads_back_with_Apache_Arrow_row_for_row()
    {
        var file = Path.Combine(service.Root, $"extract-{Guid.NewGuid():N}.arrows");
        var result = await ApiClient.CallAsync(service.Address, ApiCall.Extract(new
        {
            table = "EXTRACT_TABLE_INDIVIDU",
            columns = new[] { "regency_code", "r405", "r407" },
            region = "3201",
            format = "EXTRACT_FORMAT_ARROW_STREAM",
        }, service.Microdata.Token, saveTo: file));
        Assert.True(result.Ok, result.ToString());
        var summary = result.Json.GetProperty("messages").EnumerateArray().Last().GetProperty("summary");

        await using var stream = File.OpenRead(file);
        using var reader = new Apache.Arrow.Ipc.ArrowStreamReader(stream);
        long rows = 0;
        var regencies = new HashSet<long>();
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
            using (batch)
            {
                rows += batch.Length;
                var regency = batch.Column("regency_code");
                for (int i = 0; i < batch.Length; i++)
                    regencies.Add(regency switch
                    {
                        Apache.Arrow.Int16Array a => a.GetValue(i)!.Value,
                        Apache.Arrow.Int32Array a => a.GetValue(i)!.Value,
                        Apache.Arrow.Int64Array a => a.GetValue(i)!.Value,
                        _ => throw new InvalidOperationException($"regency_code is {regency.Data.DataType.Name}"),
                    });
            }
        Assert.Equal(["family_id", "r401", "regency_code", "r405", "r407"], reader.Schema.FieldsList.Select(f => f.Name));
        Assert.Equal(summary.GetProperty("rows").GetString(), rows.ToString());
        Assert.True(rows > 100, "regency 3201 holds thousands of persons");
        Assert.Equal([3201L], regencies);
        Assert.Contains("Registrasi Sosial Ekonomi 2022", string.Join(" ", reader.Schema.Metadata.Values));
    }

    [Fact]
    public async Task Extracts_are_refused_below_tier_3_for_identity_variables_and_for_unknown_columns()
    {
        var plain = new { columns = new[] { "r405", "r407" }, region = "3201", format = "EXTRACT_FORMAT_CSV" };
        var r = await ApiClient.RunAsync(service.Address,
            ApiCall.Extract(plain),
            ApiCall.Extract(plain, service.Regency3201.Token),
            ApiCall.Extract(new { columns = new[] { "r403", "r407" }, region = "3201" }, service.Microdata.Token),
            ApiCall.Extract(new { columns = new[] { "r405", "golongan_darah" }, region = "3201" }, service.Microdata.Token),
            ApiCall.Extract(plain, service.Revoked.Token),
            ApiCall.GoodPublicAggregate());

        foreach (var refused in r.Take(2))
        {
            refused.AssertRefused(GrpcStatusCode.PermissionDenied, "tier.insufficient");
            Assert.Empty(refused.Json.GetProperty("messages").EnumerateArray());
        }
        r[2].AssertRefused(GrpcStatusCode.PermissionDenied, "extract.identity");
        Assert.Contains("golongan_darah", r[3].AssertFieldViolation("columns[1]"));
        r[4].AssertRefused(GrpcStatusCode.PermissionDenied, "auth.grant-revoked");
        Assert.True(r[5].Ok, r[5].ToString());
    }

    [Fact]
    public async Task When_the_audit_log_cannot_be_written_an_extract_fails_UNAVAILABLE_before_its_first_byte()
    {
        var head = await service.AuditHeadAsync();
        CallResult r;
        service.Audit.FailAppends = true;
        try
        {
            r = await ApiClient.CallAsync(service.Address, ApiCall.Extract(
                new { columns = new[] { "regency_code", "r405" }, region = "3201", format = "EXTRACT_FORMAT_CSV" }, service.Microdata.Token));
        }
        finally
        {
            service.Audit.FailAppends = false;
        }

        Assert.Contains("audit", r.AssertStatus(GrpcStatusCode.Unavailable).Message);
        Assert.Empty(r.Json.GetProperty("messages").EnumerateArray());
        Assert.Equal(0, r.Json.GetProperty("dataBytes").GetInt64());
        Assert.Equal(head, await service.AuditHeadAsync());
    }
}
