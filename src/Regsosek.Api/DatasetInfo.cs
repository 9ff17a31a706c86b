namespace Regsosek.Api;

/// <summary>The dataset the service answers from.</summary>
/// <param name="Directory">Root of the hive-partitioned Parquet dataset.</param>
/// <param name="Version">What responses report as their data version, e.g. "regsosek-synthetic/1 schema 1 seed 20220101".</param>
public sealed record DatasetInfo(string Directory, string Version);
