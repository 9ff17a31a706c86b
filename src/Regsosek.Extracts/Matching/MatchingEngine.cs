using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Schema;

namespace Regsosek.Extracts.Matching;

/// <summary>
/// Matching a sectoral list with the registry by NIK over one dataset: decides access (<see cref="MatchingPolicy"/>),
/// chooses the fields a matched record carries (each checked with <see cref="ExtractPlanner.ColumnTier"/>, the one home
/// of the extract column tiers) and starts a <see cref="MatchJob"/>. Thread-safe; each call has its own job.
/// </summary>
public sealed class MatchingEngine
{
    /// <summary>The fields of a matched record: who (name, NIK, presence, sex, age, relationship), where (down to village),
    /// the family (head, address, size, KK number), its desil and the programmes it receives (block V.A, r501a–g).</summary>
    public static readonly IReadOnlyList<(TableKind Table, string Column)> RecordColumns =
    [
        (TableKind.Individu, "r403"), (TableKind.Individu, "r402"), (TableKind.Individu, "r404"), (TableKind.Individu, "r405"),
        (TableKind.Individu, "r407"), (TableKind.Individu, "r409"),
        (TableKind.Individu, "prov_code"), (TableKind.Individu, "regency_code"), (TableKind.Individu, "district_code"),
        (TableKind.Individu, "village_code"),
        (TableKind.Keluarga, "r108"), (TableKind.Keluarga, "r107"), (TableKind.Keluarga, "r112"), (TableKind.Keluarga, "r114"),
        (TableKind.Individu, "desil"),
        (TableKind.Keluarga, "r501a"), (TableKind.Keluarga, "r501b"), (TableKind.Keluarga, "r501c"), (TableKind.Keluarga, "r501d"),
        (TableKind.Keluarga, "r501e"), (TableKind.Keluarga, "r501f"), (TableKind.Keluarga, "r501g"),
    ];

    private readonly DatasetPartitions _dataset;
    private readonly DataDictionary _dictionary;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyList<MatchFieldInfo> _fields;

    public MatchingEngine(DatasetPartitions dataset, MatchingOptions? options = null, DataDictionary? dictionary = null, TimeProvider? clock = null)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        _dictionary = dictionary ?? DataDictionary.Default;
        _clock = clock ?? TimeProvider.System;
        Options = options ?? new MatchingOptions();
        _fields = RecordColumns.Select(c => new MatchFieldInfo(_dictionary.Get(c.Table, c.Column))).ToList();
    }

    /// <summary>The options in force.</summary>
    public MatchingOptions Options { get; }

    /// <summary>The region the caller's list is matched in; throws <see cref="ExtractAccessDeniedException"/> naming the rule.</summary>
    public RegionCode Decide(Caller caller, MatchMode mode, bool exclusionList) =>
        MatchingPolicy.Decide(caller, mode, exclusionList, _clock.GetUtcNow());

    /// <summary>
    /// Starts a job matching in <paramref name="scope"/> for <paramref name="caller"/>: records carry the fields the
    /// caller's tier may see in extracts (none below tier 4: the summary needs none).
    /// <paramref name="districtExists"/> says whether a NIK's 6-digit region part is a district.
    /// </summary>
    public MatchJob Start(Caller caller, RegionCode scope, Func<int, bool> districtExists)
    {
        var fields = caller.Tier.Includes(Tier.Bnba)
            ? _fields.Where(f => caller.Tier.Includes(ExtractPlanner.ColumnTier(f.Variable))).ToList()
            : [];
        return new MatchJob(_dataset, scope, fields, districtExists, Options);
    }
}
