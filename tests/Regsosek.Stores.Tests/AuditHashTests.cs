using System.Security.Cryptography;
using System.Text;
using Regsosek.Core;
using Regsosek.Stores.Audit;

namespace Regsosek.Stores.Tests;

/// <summary>The hash encoding, checked against an independent implementation of the documented format.</summary>
public sealed class AuditHashTests
{
    private static readonly byte[] Prev = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static AuditEntry Entry => new()
    {
        GrantId = "g_01JTEST0000000000000000000", Organisation = "Pemkab Aceh Selatan", Unit = "Bappeda",
        Method = "/regsosek.v1.AggregateService/Aggregate", Request = """{"indicators":["listrik"],"region":"1101"}""",
        Scope = RegionCode.Parse("1101"), Decision = AuditDecision.Denied, Rule = "scope.outside_grant",
        Cells = 3, Rows = 0, Bytes = 512, ExtractSha256 = null, Latency = TimeSpan.FromMilliseconds(2.5), StatusCode = 7,
        RequestSha256 = new string('a', 64), RequestId = "0193f0c2a1b27c3d8e9f0a1b2c3d4e5f",
    };

    /// <summary>The README's encoding written out by hand: 0x00 for NULL, else 0x01, u32 BE length, bytes.</summary>
    private static byte[] Reference(long seq, long timeUs, AuditEntry e, byte[] prev, int version = 2)
    {
        var ms = new MemoryStream();
        void Field(byte[]? b)
        {
            if (b is null) { ms.WriteByte(0); return; }
            ms.WriteByte(1);
            ms.Write([(byte)(b.Length >> 24), (byte)(b.Length >> 16), (byte)(b.Length >> 8), (byte)b.Length]);
            ms.Write(b);
        }
        void Text(string? s) => Field(s is null ? null : Encoding.UTF8.GetBytes(s));
        void Int(long v) => Field(Enumerable.Range(0, 8).Select(i => (byte)(v >> (56 - 8 * i))).ToArray());
        Text($"regsosek-audit-v{version}");
        Int(seq); Int(timeUs);
        Text(e.GrantId); Text(e.Organisation); Text(e.Unit); Text(e.Method); Text(e.Request);
        Text(e.Scope.Value);
        Text(e.Decision switch { AuditDecision.Allowed => "allowed", AuditDecision.Denied => "denied", _ => "interrupted" });
        Text(e.Rule);
        Int(e.Cells); Int(e.Rows); Int(e.Bytes); Text(e.ExtractSha256);
        Int((long)(e.Latency.Ticks / 10)); Int(e.StatusCode);
        if (version >= 2) { Text(e.RequestSha256); Text(e.RequestId); }
        Field(prev);
        return SHA256.HashData(ms.ToArray());
    }

    [Fact]
    public void The_hash_follows_the_documented_encoding()
    {
        var row = SqlAuditLog.ToRow(Entry, 42, 1_772_000_000_123_456, Prev);
        Assert.Equal(Reference(42, 1_772_000_000_123_456, Entry, Prev), row.Hash);
    }

    [Fact]
    public void A_record_sealed_before_schema_version_2_hashes_per_encoding_version_1()
    {
        var v1 = SqlAuditLog.ToRow(Entry, 42, 1_772_000_000_123_456, Prev) with { RequestSha256 = null, RequestId = null, HashVersion = 1 };
        Assert.Equal(Reference(42, 1_772_000_000_123_456, Entry, Prev, version: 1), AuditHash.Compute(v1));
        // Same fields, other version: another hash (the version tag is part of the encoding).
        Assert.NotEqual(AuditHash.Compute(v1), AuditHash.Compute(v1 with { HashVersion = 2 }));
        Assert.NotEqual(AuditHash.Compute(v1), AuditHash.Compute(v1 with { HashVersion = 3 }));
    }

    [Fact]
    public void An_interrupted_call_hashes_per_the_encoding()
    {
        var e = Entry with { Decision = AuditDecision.Interrupted, Rule = AuditRules.DeadlineExceeded, Rows = 17, StatusCode = 4 };
        Assert.Equal(Reference(3, 99, e, Prev), SqlAuditLog.ToRow(e, 3, 99, Prev).Hash);
    }

    [Fact]
    public void A_public_call_with_null_identity_fields_hashes_per_the_encoding()
    {
        var e = Entry with { GrantId = null, Organisation = null, Unit = null, Rule = null, Decision = AuditDecision.Allowed, Scope = RegionCode.National };
        Assert.Equal(Reference(1, 0, e, new byte[32]), SqlAuditLog.ToRow(e, 1, 0, new byte[32]).Hash);
    }

    [Fact]
    public void Moving_text_across_a_field_boundary_changes_the_hash()
    {
        var a = SqlAuditLog.ToRow(Entry with { Organisation = "Pemkab Aceh", Unit = " Selatan Bappeda" }, 1, 0, Prev);
        var b = SqlAuditLog.ToRow(Entry with { Organisation = "Pemkab Aceh Selatan", Unit = " Bappeda" }, 1, 0, Prev);
        Assert.NotEqual(a.Hash, b.Hash);
    }

    [Fact]
    public void Null_and_empty_text_hash_differently()
    {
        var a = SqlAuditLog.ToRow(Entry with { Rule = null, Decision = AuditDecision.Allowed }, 1, 0, Prev);
        var b = SqlAuditLog.ToRow(Entry with { Rule = "", Decision = AuditDecision.Allowed }, 1, 0, Prev);
        Assert.NotEqual(a.Hash, b.Hash);
    }

    [Fact]
    public void Every_field_contributes_to_the_hash()
    {
        var baseHash = SqlAuditLog.ToRow(Entry, 5, 1000, Prev).Hash;
        var variants = new[]
        {
            SqlAuditLog.ToRow(Entry, 6, 1000, Prev),
            SqlAuditLog.ToRow(Entry, 5, 1001, Prev),
            SqlAuditLog.ToRow(Entry, 5, 1000, new byte[32]),
            SqlAuditLog.ToRow(Entry with { GrantId = "g_01JTEST0000000000000000001" }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Method = "/x" }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Request = "{}" }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Scope = RegionCode.Parse("11") }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Decision = AuditDecision.Allowed }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Rule = "tier.too_low" }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Cells = 4 }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Rows = 1 }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Bytes = 513 }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { ExtractSha256 = new string('0', 64) }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Latency = TimeSpan.FromMilliseconds(3) }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { StatusCode = 0 }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { RequestSha256 = new string('b', 64) }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { RequestId = "another-request" }, 5, 1000, Prev),
            SqlAuditLog.ToRow(Entry with { Decision = AuditDecision.Interrupted }, 5, 1000, Prev),
        };
        Assert.All(variants, v => Assert.NotEqual(baseHash, v.Hash));
        Assert.Equal(variants.Length, variants.Select(v => Convert.ToHexString(v.Hash)).Distinct().Count());
    }
}
