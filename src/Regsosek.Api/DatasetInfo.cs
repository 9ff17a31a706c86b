using Regsosek.Schema;

namespace Regsosek.Api;

/// <summary>The dataset the service answers from.</summary>
/// <param name="Directory">Root of the hive-partitioned Parquet dataset.</param>
/// <param name="Version">What responses report as their data version, e.g. "regsosek-synthetic/1 schema 1 seed 20220101".</param>
public sealed record DatasetInfo(string Directory, string Version)
{
    /// <summary>The dataset's partitions, so that queries read only their scope's files. Unscanned unless set
    /// (every query then reads the whole table, pruned by its region filter: the same answers, slower).</summary>
    public DatasetPartitions Partitions { get; init; } = DatasetPartitions.Unscanned(Directory);
}
