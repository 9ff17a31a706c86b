using System.Security.Cryptography;
using System.Text;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Tokens;

namespace Regsosek.Stores.Tests;

public sealed class TokenFormatTests
{
    [Fact]
    public void Generated_tokens_are_rgs_and_256_random_bits_in_base64url()
    {
        var tokens = Enumerable.Range(0, 500).Select(_ => AccessTokens.Generate()).ToList();

        Assert.All(tokens, t =>
        {
            Assert.StartsWith("rgs_", t);
            Assert.Equal(47, t.Length);
            Assert.True(AccessTokens.IsWellFormed(t));
            var b64 = t[4..].Replace('-', '+').Replace('_', '/') + "=";
            Assert.Equal(32, Convert.FromBase64String(b64).Length);
        });
        Assert.Equal(500, tokens.Distinct().Count());
    }

    [Theory]
    [InlineData("rgs_")]
    [InlineData("rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]   // 42 characters
    [InlineData("rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 44 characters
    [InlineData("rgx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A")]
    [InlineData("rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("rgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")]  // spare bits set: not canonical
    public void Malformed_tokens_are_recognised(string token)
    {
        Assert.False(AccessTokens.IsWellFormed(token));
    }

    [Fact]
    public void The_stored_hash_is_SHA256_of_the_token_text()
    {
        var t = AccessTokens.Generate();
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(t)), AccessTokens.Hash(t));
        Assert.True(AccessTokens.HashEquals(AccessTokens.Hash(t), SHA256.HashData(Encoding.ASCII.GetBytes(t))));
        Assert.False(AccessTokens.HashEquals(AccessTokens.Hash(t), AccessTokens.Hash(AccessTokens.Generate())));
    }

    [Fact]
    public void Grant_ids_are_g_ULIDs_that_sort_by_issue_time()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 50).Select(i => GrantIds.New(t0.AddMilliseconds(i * 1000))).ToList();

        Assert.All(ids, id => Assert.True(GrantIds.IsWellFormed(id), id));
        Assert.Equal(ids, ids.OrderBy(x => x, StringComparer.Ordinal));
        Assert.Equal(50, ids.Distinct().Count());
        Assert.False(GrantIds.IsWellFormed("g_0000000000000000000000000"));   // 25 digits
        Assert.False(GrantIds.IsWellFormed("g_0000000000000000000000000U")); // U is not Crockford
        Assert.False(GrantIds.IsWellFormed("x_00000000000000000000000000"));
    }
}
