using Regsosek.Catalogue.Summaries;
using Regsosek.Schema;

namespace Regsosek.Api;

/// <summary>The dataset the service answers from.</summary>
/// <param name="Partitions">Its partitions, listed once, so that queries read only their scope's files.</param>
/// <param name="Version">What responses report as their data version, e.g. "regsosek-synthetic/1 schema 1 seed 20220101".</param>
/// <param name="Persons">Persons in the dataset (from its manifest): an upper bound of any group's size.</param>
public sealed record DatasetInfo(DatasetPartitions Partitions, string Version, long Persons = long.MaxValue)
{
    /// <summary>The summary tables prepared for this dataset version (<c>regsosek dataset prepare</c>); none: every
    /// request reads the records.</summary>
    public PreparedSummaries Summaries { get; init; } = PreparedSummaries.None;

    /// <summary>Why no summaries are used, for the operator (null when they are, or when there is nothing to say).</summary>
    public string? SummariesProblem { get; init; }

    /// <summary>Root of the hive-partitioned Parquet dataset (absolute).</summary>
    public string Directory => Partitions.Directory;
}
