using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Regsosek.Stores.Audit;

namespace Regsosek.Stores.Tests;

/// <summary>The request part of an audit record: clipped text, SHA-256 of the whole request, request ids.</summary>
public sealed class AuditRequestTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>
    /// A string of <paramref name="length"/> UTF-16 units drawn (from <paramref name="seed"/>) from ASCII, 2- and 3-byte
    /// characters, surrogate pairs, lone surrogates and NUL: everything a hostile client can put in a JSON string.
    /// </summary>
    internal static string Junk(int length, int seed)
    {
        var random = new Random(seed);
        var sb = new StringBuilder(length);
        while (sb.Length < length)
        {
            switch (random.Next(8))
            {
                case 0: sb.Append('\0'); break;
                case 1: sb.Append('é'); break;
                case 2: sb.Append('€'); break;
                case 3: sb.Append("😀"); break;
                case 4: sb.Append((char)random.Next(0xD800, 0xE000)); break; // lone surrogate
                default: sb.Append((char)random.Next(0x20, 0x7F)); break;
            }
        }
        return sb.ToString();
    }

    private static Arbitrary<int> Lengths => Gen.OneOf(Gen.Choose(0, 1500), Gen.Choose(1300, 5000), Gen.Choose(5000, 300_000)).ToArbitrary();
    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue - 1).ToArbitrary();

    private static Config Config(int maxTest) => FsCheck.Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true);

    [Fact]
    public void Any_request_is_stored_in_at_most_the_limit_as_valid_text_and_hashed_whole()
    {
        Check.One(Config(300), Prop.ForAll(Lengths, Seeds, (length, seed) =>
        {
            var json = Junk(length, seed);
            var bytes = Encoding.UTF8.GetBytes(json);
            var r = AuditRequest.From(bytes, json);
            int stored = StrictUtf8.GetByteCount(r.Text); // throws on a lone surrogate
            Assert.True(stored <= AuditRequest.MaxStoredBytes, $"stored {stored} bytes");
            Assert.DoesNotContain('\0', r.Text);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), r.Sha256);
            Assert.Equal(bytes.Length, r.Length);
            Assert.Equal(r, AuditRequest.FromJson(json));
            if (r.Clipped)
                Assert.EndsWith($" …[clipped: {bytes.Length} bytes]", r.Text);
        }));
    }

    [Fact]
    public void Clean_text_within_the_limit_is_kept_as_it_is_and_longer_text_keeps_its_longest_fitting_prefix()
    {
        Check.One(Config(300), Prop.ForAll(Lengths, Seeds, (length, seed) =>
        {
            // Only characters the stores can hold, so that nothing is replaced.
            var text = Junk(length, seed).Replace('\0', 'x');
            text = new string(text.Select(c => char.IsSurrogate(c) ? 'y' : c).ToArray());
            var clipped = AuditRequest.Clip(text);
            int full = Encoding.UTF8.GetByteCount(text);
            if (full <= AuditRequest.MaxStoredBytes)
            {
                Assert.Equal(text, clipped);
                return;
            }
            var marker = $" …[clipped: {full} bytes]";
            var prefix = clipped[..^marker.Length];
            Assert.StartsWith(prefix, text, StringComparison.Ordinal);
            Assert.EndsWith(marker, clipped);
            // Longest: one more character would not have left room for the marker.
            Assert.True(Encoding.UTF8.GetByteCount(text[..(prefix.Length + 1)]) > AuditRequest.MaxStoredBytes - 64);
        }));
    }

    [Fact]
    public void A_surrogate_pair_at_the_cut_is_never_split()
    {
        // 4031 ASCII bytes, then emoji: the budget (4096 - 64 = 4032) ends inside the first emoji.
        var text = new string('a', 4031) + string.Concat(Enumerable.Repeat("😀", 100));
        var clipped = AuditRequest.Clip(text);
        Assert.Equal(new string('a', 4031) + $" …[clipped: {4031 + 400} bytes]", clipped);
    }

    [Fact]
    public void Nul_and_lone_surrogates_become_replacement_characters_even_in_short_requests()
    {
        Assert.Equal("{\"a\":\"\uFFFD\uFFFD\"}", AuditRequest.Clip("{\"a\":\"\0\uD800\"}"));
        Assert.Equal("{}", AuditRequest.Clip("{}"));
    }

    [Fact]
    public void Request_ids_are_fresh_and_of_the_accepted_shape()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => AuditRequest.NewRequestId()).ToList();
        Assert.All(ids, id => Assert.True(AuditRequest.IsValidRequestId(id), id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.False(AuditRequest.IsValidRequestId(""));
        Assert.False(AuditRequest.IsValidRequestId("has space"));
        Assert.False(AuditRequest.IsValidRequestId(new string('a', 65)));
        Assert.True(AuditRequest.IsValidRequestId("client-7:req_0042.b"));
    }
}
