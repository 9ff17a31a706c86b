using Regsosek.Core;

namespace Regsosek.Stores.Grants;

/// <summary>
/// Which region codes exist: the official Kemendagri region tables the service serves (the dataset's wilayah/
/// tables, or idn-area-data). A grant may only be issued for a region that exists.
/// </summary>
public interface IRegionExistence
{
    /// <summary>True when <paramref name="code"/> is an existing region (national always is).</summary>
    bool Exists(RegionCode code);

    /// <summary>Where the region tables come from, for messages (e.g. "the dataset's wilayah tables").</summary>
    string Source { get; }
}

/// <summary>
/// A grant store that refuses to issue a grant for a region that does not exist. The one place where the check is
/// made: the service's AdminService and the command line both issue through it.
/// </summary>
public sealed class RegionCheckedGrantStore(IGrantStore inner, IRegionExistence regions) : IGrantStore
{
    /// <summary>The request field a refusal names.</summary>
    public const string RegionField = "region";

    /// <summary>Throws when <paramref name="region"/> is not in <paramref name="regions"/>.</summary>
    /// <exception cref="InvalidGrantRequestException">The region does not exist (<see cref="InvalidGrantRequestException.Field"/> "region").</exception>
    public static void Require(IRegionExistence regions, RegionCode region)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (!regions.Exists(region))
            throw new InvalidGrantRequestException(RegionField,
                $"region {region.Value} ({region.Level.ToString().ToLowerInvariant()}) does not exist in the official region tables ({regions.Source}); " +
                "give the Kemendagri code of an existing province (2 digits), regency/city (4), district (6) or village (10)");
    }

    /// <inheritdoc/>
    public Task<IssuedGrant> IssueAsync(GrantRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(regions, request.Region);
        return inner.IssueAsync(request, ct);
    }

    /// <inheritdoc/>
    public Task<GrantRecord?> GetAsync(string grantId, CancellationToken ct = default) => inner.GetAsync(grantId, ct);

    /// <inheritdoc/>
    public Task<Grant?> FindByTokenAsync(string token, CancellationToken ct = default) => inner.FindByTokenAsync(token, ct);

    /// <inheritdoc/>
    public Task<IReadOnlyList<GrantRecord>> ListAsync(GrantFilter filter, CancellationToken ct = default) => inner.ListAsync(filter, ct);

    /// <inheritdoc/>
    public Task<GrantRecord> RevokeAsync(string grantId, string reason, DateTimeOffset at, CancellationToken ct = default) =>
        inner.RevokeAsync(grantId, reason, at, ct);

    /// <inheritdoc/>
    public Task<GrantRecord> ExtendAsync(string grantId, DateTimeOffset newUntil, CancellationToken ct = default) =>
        inner.ExtendAsync(grantId, newUntil, ct);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A fixed set of region codes (tests, small deployments).</summary>
public sealed class RegionSet(IEnumerable<RegionCode> regions, string source = "a fixed list") : IRegionExistence
{
    private readonly HashSet<string> _codes = regions.Select(r => r.Value).ToHashSet(StringComparer.Ordinal);

    /// <inheritdoc/>
    public bool Exists(RegionCode code) => code.Level == RegionLevel.National || _codes.Contains(code.Value);

    /// <inheritdoc/>
    public string Source { get; } = source;
}
