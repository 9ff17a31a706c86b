using Regsosek.Core;

namespace Regsosek.Stores.Grants;

/// <summary>
/// Creates the first operator grant of the data owner, whose token can then call the admin API to
/// issue every other grant. The host exposes it as an "init" command that prints the token once.
/// </summary>
public static class OperatorBootstrap
{
    /// <summary>The data owner (pengelola Data Regsosek).</summary>
    public const string DataOwner = "Kementerian PPN/Bappenas";

    /// <summary>
    /// Issues an operator grant: organisation <see cref="DataOwner"/>, the given unit, national scope,
    /// tier 1 (administration gives no data access beyond the public's), valid two years.
    /// </summary>
    /// <param name="store">The grant store.</param>
    /// <param name="unit">The operator's unit, e.g. "Direktorat Perlindungan dan Kesejahteraan Masyarakat".</param>
    /// <param name="force">Issue even if an active operator grant exists (e.g. its token was lost).</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="GrantStateException">An active operator exists and <paramref name="force"/> is false.</exception>
    public static async Task<IssuedGrant> InitAsync(IGrantStore store, string unit, bool force = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!force)
        {
            var operators = await store.ListAsync(new GrantFilter { ActiveOnly = true, IsOperator = true }, ct).ConfigureAwait(false);
            if (operators.Count > 0)
                throw new GrantStateException(
                    $"an active operator grant already exists ({operators[0].Grant.Id}, {operators[0].Grant.Unit}); " +
                    "issue further operators through the admin API with its token, or force a new one if that token is lost");
        }
        return await store.IssueAsync(new GrantRequest
        {
            Organisation = DataOwner,
            Unit = unit,
            Tier = Tier.Public,
            Region = RegionCode.National,
            Purpose = "Operator of the Regsosek data service: grants access, revokes it, audits use",
            IsOperator = true,
        }, ct).ConfigureAwait(false);
    }
}
