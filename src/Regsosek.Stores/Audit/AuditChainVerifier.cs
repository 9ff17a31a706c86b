namespace Regsosek.Stores.Audit;

/// <summary>Reads what the verifier needs from a store.</summary>
internal interface IAuditChainSource
{
    /// <summary>Every row up to the head at the start, in sequence order.</summary>
    IAsyncEnumerable<AuditRow> ReadChainAsync(CancellationToken ct);
    /// <summary>The row whose stored hash is <paramref name="hash"/>.</summary>
    Task<AuditRow?> FindByHashAsync(byte[] hash, CancellationToken ct);
    /// <summary>True when some row's prev_hash is <paramref name="prevHash"/>.</summary>
    Task<bool> AnyWithPrevHashAsync(byte[] prevHash, CancellationToken ct);
}

/// <summary>
/// Walks the chain in sequence order. At each record it checks: the sequence number follows the last
/// (else <see cref="AuditProblemKind.Deleted"/>); the record's hash matches its fields (else it works out
/// where the record was originally written by following prev_hash links back to an intact record:
/// <see cref="AuditProblemKind.Reordered"/>, <see cref="AuditProblemKind.Deleted"/> with renumbering,
/// <see cref="AuditProblemKind.Inserted"/> with renumbering, or plainly <see cref="AuditProblemKind.Altered"/>);
/// its prev_hash is the previous record's hash (else <see cref="AuditProblemKind.Inserted"/>).
/// </summary>
internal static class AuditChainVerifier
{
    private const int MaxBackwardSteps = 1_000;
    private const int MaxRenumberingGap = 1_000;

    public static async Task<AuditVerification> VerifyAsync(IAuditChainSource source, AuditAnchor? anchor, CancellationToken ct)
    {
        long expected = 1;
        byte[] prev = AuditHash.Genesis.ToArray();
        string? hashAtAnchor = null;
        int newestVersion = 1;
        await foreach (var row in source.ReadChainAsync(ct).ConfigureAwait(false))
        {
            var problem = VersionProblem(row, expected, newestVersion)
                          ?? await CheckAsync(source, row, expected, prev, ct).ConfigureAwait(false);
            if (problem is not null)
                return new AuditVerification { RecordsChecked = expected - 1, Head = Head(expected - 1, prev), Problem = problem };
            if (anchor is not null && row.Sequence == anchor.Sequence) hashAtAnchor = Convert.ToHexStringLower(row.Hash);
            prev = row.Hash;
            newestVersion = Math.Max(newestVersion, row.HashVersion);
            expected++;
        }
        long last = expected - 1;
        var head = Head(last, prev);
        if (anchor is not null)
        {
            if (anchor.Sequence > last)
                return new AuditVerification
                {
                    RecordsChecked = last, Head = head,
                    Problem = new(last + 1, AuditProblemKind.Truncated,
                        $"the chain ends at record #{last}, but a checkpoint saw record #{anchor.Sequence}: records #{last + 1}–#{anchor.Sequence} were deleted from the end"),
                };
            if (anchor.Sequence >= 1 && !string.Equals(hashAtAnchor, anchor.Hash, StringComparison.OrdinalIgnoreCase))
                return new AuditVerification
                {
                    RecordsChecked = last, Head = head,
                    Problem = new(anchor.Sequence, AuditProblemKind.Rewritten,
                        $"record #{anchor.Sequence} hashes to {hashAtAnchor} but the checkpoint says {anchor.Hash}: the chain up to it was recomputed"),
                };
        }
        return new AuditVerification { RecordsChecked = last, Head = head };
    }

    /// <summary>
    /// A record sealed with an unknown hash encoding, or with an older encoding than a record before it (the log never
    /// goes back: a version-1 record after a version-2 one was forged or edited to escape the newer fields).
    /// </summary>
    private static AuditProblem? VersionProblem(AuditRow row, long expected, int newestVersion)
    {
        if (row.Sequence != expected) return null; // CheckAsync reports the gap
        if (row.HashVersion is < 1 or > AuditHash.CurrentVersion)
            return new(row.Sequence, AuditProblemKind.Altered,
                $"record #{row.Sequence} claims hash encoding version {row.HashVersion}, which no version of the service writes");
        if (row.HashVersion < newestVersion)
            return new(row.Sequence, AuditProblemKind.Altered,
                $"record #{row.Sequence} claims hash encoding version {row.HashVersion} after a record in version {newestVersion}: " +
                "the log never writes an older encoding after a newer one");
        return null;
    }

    private static AuditAnchor? Head(long seq, byte[] hash) => seq == 0 ? null : new(seq, Convert.ToHexStringLower(hash));

    private static async Task<AuditProblem?> CheckAsync(IAuditChainSource source, AuditRow row, long expected, byte[] prev, CancellationToken ct)
    {
        long s = row.Sequence;
        if (s != expected)
            return new(expected, AuditProblemKind.Deleted,
                s == expected + 1
                    ? $"record #{expected} is missing (deleted): the chain jumps from #{expected - 1} to #{s}"
                    : $"records #{expected}–#{s - 1} are missing (deleted): the chain jumps from #{expected - 1} to #{s}");

        bool selfOk = AuditHash.Compute(row).AsSpan().SequenceEqual(row.Hash);
        if (selfOk)
        {
            if (row.PrevHash.AsSpan().SequenceEqual(prev)) return null;
            return new(s, AuditProblemKind.Inserted,
                $"record #{s} is intact in itself but does not follow record #{s - 1}: its prev_hash is {Hex(row.PrevHash)}, " +
                $"record #{s - 1} hashes to {Hex(prev)} (a record was inserted here, or the chain was replaced from here on)");
        }

        // The fields do not give the stored hash. Was the record written at another position?
        long? original = await OriginalSequenceAsync(source, row, ct).ConfigureAwait(false);
        if (original is { } o && o != s && AuditHash.Compute(row, o).AsSpan().SequenceEqual(row.Hash))
        {
            if (o < s)
                return new(o, AuditProblemKind.Inserted,
                    $"record #{s} was written as #{o}: {s - o} record(s) were inserted before it and the rest renumbered");
            // Written later than where it sits: a swap if the record written here still exists elsewhere, else deletions.
            if (await source.AnyWithPrevHashAsync(prev, ct).ConfigureAwait(false))
                return new(s, AuditProblemKind.Reordered,
                    $"record #{s} holds the record written as #{o}: records were reordered (swapped or moved)");
            return new(s, AuditProblemKind.Deleted,
                $"record #{s} holds the record written as #{o}: {o - s} record(s) were deleted before it and the rest renumbered");
        }
        if (original is null && !row.PrevHash.AsSpan().SequenceEqual(AuditHash.Genesis)
            && await source.FindByHashAsync(row.PrevHash, ct).ConfigureAwait(false) is null)
        {
            // The record it follows is gone: try whether deletions with renumbering explain the hash.
            for (long k = 1; k <= MaxRenumberingGap; k++)
                if (AuditHash.Compute(row, s + k).AsSpan().SequenceEqual(row.Hash))
                    return new(s, AuditProblemKind.Deleted,
                        $"record #{s} was written as #{s + k}: {k} record(s) before it were deleted and the rest renumbered");
        }
        return new(s, AuditProblemKind.Altered,
            $"record #{s} does not match its hash: a field was edited (stored hash {Hex(row.Hash)}, its fields hash to {Hex(AuditHash.Compute(row))})");
    }

    /// <summary>
    /// Where <paramref name="row"/> was written: follow prev_hash links back to the first record, or to a
    /// record that is intact where it sits, and count the steps. Null when a link leads nowhere.
    /// </summary>
    private static async Task<long?> OriginalSequenceAsync(IAuditChainSource source, AuditRow row, CancellationToken ct)
    {
        var cur = row;
        var seen = new HashSet<long> { row.Sequence };
        for (long steps = 0; steps < MaxBackwardSteps; steps++)
        {
            if (cur.PrevHash.AsSpan().SequenceEqual(AuditHash.Genesis)) return steps + 1;
            var pred = await source.FindByHashAsync(cur.PrevHash, ct).ConfigureAwait(false);
            if (pred is null || !seen.Add(pred.Sequence)) return null; // a dead end or a cycle of edited links
            if (AuditHash.Compute(pred).AsSpan().SequenceEqual(pred.Hash)) return pred.Sequence + steps + 1;
            cur = pred;
        }
        return null;
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
