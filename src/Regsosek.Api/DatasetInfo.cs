using Regsosek.Schema;

namespace Regsosek.Api;

/// <summary>The dataset the service answers from.</summary>
/// <param name="Partitions">Its partitions, listed once, so that queries read only their scope's files.</param>
/// <param name="Version">What responses report as their data version, e.g. "regsosek-synthetic/1 schema 1 seed 20220101".</param>
public sealed record DatasetInfo(DatasetPartitions Partitions, string Version)
{
    /// <summary>Root of the hive-partitioned Parquet dataset (absolute).</summary>
    public string Directory => Partitions.Directory;
}
