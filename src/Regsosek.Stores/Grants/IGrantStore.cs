using Regsosek.Core;

namespace Regsosek.Stores.Grants;

/// <summary>
/// Where grants live (SQLite by default, PostgreSQL when configured). Tokens are stored only as
/// SHA-256 hashes; lookups never cache, so a revocation or expiry takes effect on the very next call.
/// Storage failures surface as <see cref="Storage.StoreUnavailableException"/>.
/// </summary>
public interface IGrantStore : IAsyncDisposable
{
    /// <summary>
    /// Checks the request against <see cref="GrantValidity"/>, stores a new grant with a fresh random token,
    /// and returns both. The token is not stored and cannot be shown again.
    /// </summary>
    /// <exception cref="InvalidGrantRequestException">The request breaks a rule.</exception>
    Task<IssuedGrant> IssueAsync(GrantRequest request, CancellationToken ct = default);

    /// <summary>The grant with id <paramref name="grantId"/>, or null.</summary>
    Task<GrantRecord?> GetAsync(string grantId, CancellationToken ct = default);

    /// <summary>
    /// The grant whose token is <paramref name="token"/>, active or not (the caller checks
    /// <see cref="Grant.IsActiveAt"/>); null for an unknown or malformed token.
    /// </summary>
    Task<Grant?> FindByTokenAsync(string token, CancellationToken ct = default);

    /// <summary>The grants matching <paramref name="filter"/>, oldest first.</summary>
    Task<IReadOnlyList<GrantRecord>> ListAsync(GrantFilter filter, CancellationToken ct = default);

    /// <summary>
    /// Closes the grant (PKS art. 6(1)c) as of <paramref name="at"/>; it stops working at once.
    /// Revoking a revoked grant changes nothing and returns it as it was (the first revocation stands).
    /// </summary>
    /// <exception cref="GrantNotFoundException">No such grant.</exception>
    /// <exception cref="ArgumentException">The reason is empty.</exception>
    Task<GrantRecord> RevokeAsync(string grantId, string reason, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Moves the grant's end to <paramref name="newUntil"/> under <see cref="GrantValidity.CheckExtension"/>.</summary>
    /// <exception cref="GrantNotFoundException">No such grant.</exception>
    /// <exception cref="GrantStateException">The grant is revoked.</exception>
    /// <exception cref="InvalidGrantRequestException">The new end breaks a rule.</exception>
    Task<GrantRecord> ExtendAsync(string grantId, DateTimeOffset newUntil, CancellationToken ct = default);
}
