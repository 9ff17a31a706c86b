using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Regsosek.Extracts.KAnonymity;

/// <summary>
/// Local suppression on a batch of the class table, in memory: the original combinations (packed keys) and their
/// record counts in, for each combination its current key, how many quasi-identifiers were cleared, its released
/// class's size and whether it is the first of that class out. Pure: arrays in, arrays out.
/// <para>The rule (<see cref="KAnonymitySql.SuppressRecords"/>, a window count over the records per round, applied
/// to whole combinations, which always stay alike): round r (one per quasi-identifier, in suppression order) sums the
/// record counts by current key and, for every class below k, clears the r-th field (<paramref name="fieldMasks"/>)
/// of its combinations' current keys, deciding on the sizes at the round's start.</para>
/// <para>How it is computed: a class of k or more never shrinks (records leave a class only when it is below k), so
/// a combination that stays in round r never changes again (it is <em>settled</em>), and one still moving in round r
/// has moved in every round before, its first r fields all cleared. So the moving combinations with equal current
/// keys are merged into one group, and each round looks only at the groups — fewer every round — and at the settled
/// sizes of their keys; the fields cleared in a combination are the first <see cref="Result{TKey}.Suppressed"/> of
/// the order, that count being the rounds its group kept moving.</para>
/// </summary>
internal static class SuppressionRounds
{
    /// <summary>The outcome for each combination, in the input's order.</summary>
    public readonly record struct Result<TKey>(TKey[] Current, sbyte[] Suppressed, long[] ClassSize, bool[] FirstOfClass);

    /// <summary>
    /// The rounds' working memory — the groups' arrays, the hash tables and the round maps — kept from one batch to the
    /// next, so that later batches reuse memory already touched instead of growing the heap (province 32's peak:
    /// 266–271 MB without, 245–249 MB with; CPU the same within the noise). Not thread-safe: one per extract.
    /// </summary>
    public sealed class Workspace<TKey> where TKey : struct, IBinaryInteger<TKey>
    {
        internal TKey[] GroupKeys = [], MovedKeys = [];
        internal long[] GroupSizes = [], MovedSizes = [];
        internal readonly Dictionary<TKey, long> Settled = new();
        internal readonly Dictionary<TKey, int> Merged = new();
        internal readonly List<int[]> Next = new();

        /// <summary>Makes every array hold at least <paramref name="n"/> values and empties the tables.</summary>
        internal void Reset(int n)
        {
            if (GroupKeys.Length < n)
            {
                (GroupKeys, MovedKeys, GroupSizes, MovedSizes) = (new TKey[n], new TKey[n], new long[n], new long[n]);
            }
            Settled.Clear();
            Merged.Clear();
        }

        /// <summary>The round map of round <paramref name="round"/>, at least <paramref name="groups"/> long.</summary>
        internal int[] RoundMap(int round, int groups)
        {
            while (Next.Count <= round) Next.Add([]);
            if (Next[round].Length < groups) Next[round] = new int[groups];
            return Next[round];
        }
    }

    /// <summary>Runs the rounds over <paramref name="keys"/> (distinct) with record counts <paramref name="sizes"/>.</summary>
    /// <param name="keys">The batch's original combinations, packed, each once.</param>
    /// <param name="sizes">Their record counts (positive).</param>
    /// <param name="fieldMasks">Per round, the bits of the quasi-identifier that round clears.</param>
    /// <param name="k">The smallest class size left alone.</param>
    /// <param name="workspace">Working memory to reuse from an earlier call (one batch after another), or null.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once a batch: its loops should not start unoptimised
    public static Result<TKey> Run<TKey>(ReadOnlySpan<TKey> keys, ReadOnlySpan<long> sizes, IReadOnlyList<TKey> fieldMasks, long k,
        Workspace<TKey>? workspace = null)
        where TKey : struct, IBinaryInteger<TKey>
    {
        if (keys.Length != sizes.Length) throw new ArgumentException("one size per key", nameof(sizes));
        if (fieldMasks.Count > sbyte.MaxValue) throw new ArgumentOutOfRangeException(nameof(fieldMasks), "at most 127 rounds");
        int n = keys.Length;
        // Round 0's groups are the combinations themselves (their keys are distinct). Two pairs of arrays hold this
        // round's groups and the next's, swapped each round; one hash table merges the moving groups, cleared each
        // round.
        workspace ??= new Workspace<TKey>();
        workspace.Reset(n);
        var (groupKeys, movedKeys, groupSizes, movedSizes) = (workspace.GroupKeys, workspace.MovedKeys, workspace.GroupSizes, workspace.MovedSizes);
        keys.CopyTo(groupKeys);
        sizes.CopyTo(groupSizes);
        int groups = n;
        var settled = workspace.Settled;
        var merged = workspace.Merged;
        // next[r][g]: the group of round r + 1 that group g of round r moved into, or −1 when it settled in round r.
        var next = workspace.Next;
        int rounds = 0;
        for (int round = 0; round < fieldMasks.Count && groups > 0; round++)
        {
            var keep = ~fieldMasks[round];
            var moved = workspace.RoundMap(round, groups);
            rounds = round + 1;
            merged.Clear();
            int count = 0;
            for (int g = 0; g < groups; g++)
            {
                // The groups' keys are distinct, so settling one in this loop changes no other group's class size.
                // In round 0 no group's key is settled yet (the combinations' keys are distinct): no lookup.
                var key = groupKeys[g];
                long size = groupSizes[g];
                if ((round > 0 && settled.TryGetValue(key, out long already) ? already : 0) + size >= k)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(settled, key, out _) += size;
                    moved[g] = -1;
                    continue;
                }
                var movedKey = key & keep;
                ref int into = ref CollectionsMarshal.GetValueRefOrAddDefault(merged, movedKey, out bool known);
                if (!known)
                {
                    into = count++;
                    movedKeys[into] = movedKey;
                    movedSizes[into] = 0;
                }
                movedSizes[into] += size;
                moved[g] = into;
            }
            (groupKeys, movedKeys) = (movedKeys, groupKeys);
            (groupSizes, movedSizes) = (movedSizes, groupSizes);
            groups = count;
        }

        // The released classes: the settled ones, and what still moved in the last round (every field cleared).
        for (int g = 0; g < groups; g++)
            CollectionsMarshal.GetValueRefOrAddDefault(settled, groupKeys[g], out _) += groupSizes[g];
        // Each field's complement, cumulated: cleared[r] clears the first r fields.
        var cleared = new TKey[fieldMasks.Count + 1];
        cleared[0] = ~TKey.Zero;
        for (int r = 0; r < fieldMasks.Count; r++) cleared[r + 1] = cleared[r] & ~fieldMasks[r];

        var current = new TKey[n];
        var suppressed = new sbyte[n];
        var released = new long[n];
        var first = new bool[n];
        for (int i = 0; i < n; i++)
        {
            int group = i, moves = 0;
            while (moves < rounds && next[moves][group] >= 0) group = next[moves++][group];
            suppressed[i] = (sbyte)moves;
            current[i] = keys[i] & cleared[moves];
            // A class's size is negated once its first combination has been seen (sizes are positive).
            ref long size = ref CollectionsMarshal.GetValueRefOrNullRef(settled, current[i]);
            first[i] = size > 0;
            released[i] = Math.Abs(size);
            size = -released[i];
        }
        return new Result<TKey>(current, suppressed, released, first);
    }
}
