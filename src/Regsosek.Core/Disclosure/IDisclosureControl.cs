using Regsosek.Core.Aggregates;

namespace Regsosek.Core.Disclosure;

/// <summary>
/// The one step between the engine's exact cells and the response: turns an <see cref="ExactTable"/>
/// into a <see cref="ReleasedTable"/> for a caller of the given tier. Per-tier parameters come from the
/// <see cref="DisclosureOptions"/> given at construction.
/// </summary>
public interface IDisclosureControl
{
    /// <summary>Applies every disclosure-control rule of <paramref name="tier"/> to <paramref name="table"/>.</summary>
    ReleasedTable Apply(ExactTable table, Tier tier);

    /// <summary>As <see cref="Apply(ExactTable, Tier)"/>, stopping with <see cref="OperationCanceledException"/> soon after
    /// <paramref name="cancellationToken"/> is cancelled (issue 11, class 6). Pass <c>Allowed.DisclosureTier</c> as the tier.</summary>
    ReleasedTable Apply(ExactTable table, Tier tier, CancellationToken cancellationToken) => Apply(table, tier);

    /// <summary>Issue 11, class 2: null when percentile probability <paramref name="p"/> can pass for some group of at
    /// most <paramref name="largestGroup"/> records at <paramref name="tier"/>; otherwise the INVALID_ARGUMENT text
    /// naming the limit. The default (for stand-ins) accepts everything.</summary>
    string? CheckPercentile(double p, long largestGroup, Tier tier) => null;

    /// <summary>Issue 11, class 6: null when a table of <paramref name="rows"/> rows and <paramref name="measures"/>
    /// measures is within the size limit; otherwise the RESOURCE_EXHAUSTED text naming the limit and how to narrow
    /// the request. The default (for stand-ins) accepts everything.</summary>
    string? CheckTableSize(long rows, int measures) => null;

    /// <summary>The largest table accepted, in cells (rows × measures): the bound of table completion too.</summary>
    long MaxCells => DisclosureOptions.DefaultMaxCells;
}
