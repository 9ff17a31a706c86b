using FsCheck;
using FsCheck.Fluent;
using Regsosek.Extracts.KAnonymity;

namespace Regsosek.Extracts.Tests;

/// <summary>
/// <see cref="SuppressionRounds"/> (groups of moving combinations, settled sizes) against the rule written the plain
/// way: every round recomputes every class's size over all combinations and clears the round's field where it is
/// below k.
/// </summary>
public sealed class SuppressionRoundsTests
{
    /// <summary>Three fields of 3 bits each; round r clears field r.</summary>
    private static readonly long[] Masks = [0b111, 0b111 << 3, 0b111 << 6];

    /// <summary>The rule, round by round over every combination: (current keys, fields cleared).</summary>
    private static (long[] Current, sbyte[] Suppressed) Plainly(long[] keys, long[] sizes, long k)
    {
        var current = (long[])keys.Clone();
        var suppressed = new sbyte[keys.Length];
        for (int round = 0; round < Masks.Length; round++)
        {
            var classSize = current.Zip(sizes).GroupBy(p => p.First).ToDictionary(g => g.Key, g => g.Sum(p => p.Second));
            var small = current.Select(c => classSize[c] < k).ToArray();
            for (int i = 0; i < keys.Length; i++)
                if (small[i])
                {
                    current[i] &= ~Masks[round];
                    suppressed[i] = (sbyte)(round + 1);
                }
        }
        return (current, suppressed);
    }

    private static Gen<(long[] Keys, long[] Sizes, long K)> Batches() =>
        // Fields 0–3 (0 = NULL), so combinations collide once fields are cleared; distinct keys, sizes 1–6.
        from keys in Gen.ListOf(Gen.Choose(0, 3).Three().Select(f => (long)f.Item1 | ((long)f.Item2 << 3) | ((long)f.Item3 << 6)))
        let distinct = keys.Distinct().ToArray()
        from sizes in Gen.ArrayOf(Gen.Choose(1, 6).Select(s => (long)s), distinct.Length)
        from k in Gen.Choose(2, 8)
        select (distinct, sizes, (long)k);

    [Fact]
    public void Property_every_combination_ends_as_the_plain_rounds_leave_it_with_its_class_size_and_one_first_a_class()
    {
        PropertyRunner.ForAll(Batches().ToArbitrary(), input =>
        {
            var (keys, sizes, k) = input;
            var result = SuppressionRounds.Run<long>(keys, sizes, Masks, k);
            var (current, suppressed) = Plainly(keys, sizes, k);
            Assert.Equal(current, result.Current);
            Assert.Equal(suppressed, result.Suppressed);
            // Released class sizes, recounted from the final keys; one combination of each class marked first.
            var classSize = current.Zip(sizes).GroupBy(p => p.First).ToDictionary(g => g.Key, g => g.Sum(p => p.Second));
            Assert.Equal(current.Select(c => classSize[c]), result.ClassSize);
            Assert.Equal(classSize.Keys.Order(), current.Where((_, i) => result.FirstOfClass[i]).Order());
            // What suppression is for: every class left with a value is k or more.
            Assert.All(classSize.Where(c => c.Key != 0), c => Assert.True(c.Value >= k));
        }, maxTest: 300);
    }

    [Fact]
    public void Property_a_workspace_reused_across_batches_of_any_sizes_gives_each_batch_the_outcome_of_a_fresh_run()
    {
        var gen = Gen.ListOf(Batches()).Select(b => b.ToList());
        PropertyRunner.ForAll(gen.ToArbitrary(), batches =>
        {
            var workspace = new SuppressionRounds.Workspace<long>();
            foreach (var (keys, sizes, k) in batches)
            {
                var fresh = SuppressionRounds.Run<long>(keys, sizes, Masks, k);
                var reused = SuppressionRounds.Run<long>(keys, sizes, Masks, k, workspace);
                Assert.Equal(fresh.Current, reused.Current);
                Assert.Equal(fresh.Suppressed, reused.Suppressed);
                Assert.Equal(fresh.ClassSize, reused.ClassSize);
                Assert.Equal(fresh.FirstOfClass, reused.FirstOfClass);
            }
        }, maxTest: 100);
    }

    [Fact]
    public void A_small_class_loses_fields_in_order_until_it_merges_and_a_large_one_is_left_alone()
    {
        // k = 3. (1,1,1)×5 is left alone. (2,1,1)×1 loses field 0 → (∅,1,1), still 1 record, then field 1 →
        // (∅,∅,1). (∅,∅,1)×2 is below k too: rounds 0 and 1 "clear" fields it has as NULL already; after round 1
        // the two make a class of 3, kept. Both count two cleared fields.
        long Key(long a, long b, long c) => a | (b << 3) | (c << 6);
        long[] keys = [Key(1, 1, 1), Key(2, 1, 1), Key(0, 0, 1)];
        var result = SuppressionRounds.Run<long>(keys, [5, 1, 2], Masks, 3);
        Assert.Equal([Key(1, 1, 1), Key(0, 0, 1), Key(0, 0, 1)], result.Current);
        Assert.Equal(new sbyte[] { 0, 2, 2 }, result.Suppressed);
        Assert.Equal([5L, 3, 3], result.ClassSize);
        Assert.Equal([true, true, false], result.FirstOfClass);
    }
}
