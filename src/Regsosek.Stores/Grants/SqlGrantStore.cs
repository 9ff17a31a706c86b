using System.Data.Common;
using Regsosek.Core;
using Regsosek.Stores.Storage;
using Regsosek.Stores.Tokens;

namespace Regsosek.Stores.Grants;

/// <summary>
/// The grant store over ADO.NET, shared by <see cref="SqliteGrantStore"/> and <see cref="PostgresGrantStore"/>.
/// Tables are created (and migrated) on first use. No caching: every lookup reads the database.
/// </summary>
public abstract class SqlGrantStore : IGrantStore
{
    private const string Columns =
        "id, organisation, unit, tier, region, purpose, valid_from, valid_until, revoked_at, revocation_reason, " +
        "is_operator, without_satu_data_forum, issued_at, extended_at, token_hash";

    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;
    private readonly AsyncOnce _ready;

    private protected SqlGrantStore(SqlDialect dialect, TimeProvider? time)
    {
        _dialect = dialect;
        _time = time ?? TimeProvider.System;
        _ready = new AsyncOnce(() => InitialiseAsync(CancellationToken.None));
    }

    /// <summary>Creates or migrates the tables now instead of on first use.</summary>
    public Task EnsureCreatedAsync() => Guard(_ready.RunAsync, "create the grant tables in");

    private async Task InitialiseAsync(CancellationToken ct)
    {
        if (_dialect is SqliteDialect sqlite) await sqlite.EnsureWalAsync(ct).ConfigureAwait(false);
        await Migrator.MigrateAsync(_dialect, StoreComponents.Grants, _time, ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IssuedGrant> IssueAsync(GrantRequest request, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var (from, until) = GrantValidity.Compute(request, now);
        var grant = new Grant
        {
            Id = GrantIds.New(now),
            Organisation = request.Organisation,
            Unit = request.Unit,
            Tier = request.Tier,
            Region = request.Region,
            Purpose = request.Purpose,
            ValidFrom = Timestamps.Normalise(from),
            ValidUntil = Timestamps.Normalise(until),
            IsOperator = request.IsOperator,
        };
        var token = AccessTokens.Generate();
        await Run(async c =>
        {
            await using var cmd = Db.Command(c, $"""
                INSERT INTO grants ({Columns})
                VALUES (@id, @org, @unit, @tier, @region, @purpose, @from, @until, NULL, NULL, @op, @noforum, @issued, NULL, @hash)
                """)
                .With("@id", grant.Id).With("@org", grant.Organisation).With("@unit", grant.Unit)
                .With("@tier", (int)grant.Tier).With("@region", grant.Region.Value).With("@purpose", grant.Purpose)
                .With("@from", _dialect.TimeValue(grant.ValidFrom)).With("@until", _dialect.TimeValue(grant.ValidUntil))
                .With("@op", grant.IsOperator).With("@noforum", request.WithoutSatuDataForum)
                .With("@issued", _dialect.TimeValue(Timestamps.Normalise(now))).With("@hash", AccessTokens.Hash(token));
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return 0;
        }, "issue a grant in", ct).ConfigureAwait(false);
        return new IssuedGrant(grant, token);
    }

    /// <inheritdoc/>
    public Task<GrantRecord?> GetAsync(string grantId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        return Run(c => GetAsync(c, null, grantId, ct), "read a grant from", ct);
    }

    /// <inheritdoc/>
    public async Task<Grant?> FindByTokenAsync(string token, CancellationToken ct = default)
    {
        if (!AccessTokens.IsWellFormed(token)) return null;
        var hash = AccessTokens.Hash(token);
        return await Run(async c =>
        {
            await using var cmd = Db.Command(c, $"SELECT {Columns} FROM grants WHERE token_hash = @hash").With("@hash", hash);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await r.ReadAsync(ct).ConfigureAwait(false)) return null;
            var stored = (byte[])r.GetValue(14);
            // The index found it by equality; compare again in constant time so no code path leaks timing.
            return AccessTokens.HashEquals(stored, hash) ? ReadRecord(r).Grant : null;
        }, "look up a token in", ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<GrantRecord>> ListAsync(GrantFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var at = filter.At ?? _time.GetUtcNow();
        return Run<IReadOnlyList<GrantRecord>>(async c =>
        {
            var where = new List<string>();
            await using var cmd = Db.Command(c, "");
            if (filter.ActiveOnly)
            {
                where.Add("revoked_at IS NULL AND valid_from <= @at AND valid_until > @at");
                cmd.With("@at", _dialect.TimeValue(Timestamps.Normalise(at)));
            }
            if (filter.Organisation is { } org)
            {
                where.Add("organisation = @org");
                cmd.With("@org", org);
            }
            if (filter.Region is { } region && region.Level != RegionLevel.National)
            {
                // Region codes are digits only, so a prefix match needs no LIKE escaping.
                where.Add("substr(region, 1, @rlen) = @region");
                cmd.With("@rlen", region.Value.Length).With("@region", region.Value);
            }
            if (filter.IsOperator is { } op)
            {
                where.Add("is_operator = @op");
                cmd.With("@op", op);
            }
            cmd.CommandText = $"SELECT {Columns} FROM grants" +
                              (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                              " ORDER BY issued_at, id";
            var list = new List<GrantRecord>();
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadRecord(r));
            return list;
        }, "list grants in", ct);
    }

    /// <inheritdoc/>
    public Task<GrantRecord> RevokeAsync(string grantId, string reason, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        if (string.IsNullOrWhiteSpace(reason))
            throw new ArgumentException("give the reason for closing the grant (it is kept with the grant)", nameof(reason));
        return Run(async c =>
        {
            await using (var cmd = Db.Command(c, "UPDATE grants SET revoked_at = @at, revocation_reason = @reason WHERE id = @id AND revoked_at IS NULL")
                             .With("@at", _dialect.TimeValue(Timestamps.Normalise(at))).With("@reason", reason.Trim()).With("@id", grantId))
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return await GetAsync(c, null, grantId, ct).ConfigureAwait(false) ?? throw new GrantNotFoundException(grantId);
        }, "revoke a grant in", ct);
    }

    /// <inheritdoc/>
    public Task<GrantRecord> ExtendAsync(string grantId, DateTimeOffset newUntil, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        var until = Timestamps.Normalise(newUntil);
        return Run(async c =>
        {
            // Optimistic: check the rules on what we read, then update only if nobody changed it meanwhile.
            for (int attempt = 0; ; attempt++)
            {
                var current = await GetAsync(c, null, grantId, ct).ConfigureAwait(false) ?? throw new GrantNotFoundException(grantId);
                GrantValidity.CheckExtension(current, until);
                await using var cmd = Db.Command(c, """
                    UPDATE grants SET valid_until = @until, extended_at = @now
                    WHERE id = @id AND valid_until = @old AND revoked_at IS NULL
                    """)
                    .With("@until", _dialect.TimeValue(until)).With("@now", _dialect.TimeValue(Timestamps.Normalise(_time.GetUtcNow())))
                    .With("@id", grantId).With("@old", _dialect.TimeValue(current.Grant.ValidUntil));
                if (await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1)
                    return (await GetAsync(c, null, grantId, ct).ConfigureAwait(false))!;
                if (attempt >= 3)
                    throw new GrantStateException($"grant {grantId} kept changing while it was being extended; try again");
            }
        }, "extend a grant in", ct);
    }

    private async Task<GrantRecord?> GetAsync(DbConnection c, DbTransaction? tx, string grantId, CancellationToken ct)
    {
        await using var cmd = Db.Command(c, $"SELECT {Columns} FROM grants WHERE id = @id", tx).With("@id", grantId);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadRecord(r) : null;
    }

    private GrantRecord ReadRecord(DbDataReader r) => new()
    {
        Grant = new Grant
        {
            Id = r.GetString(0),
            Organisation = r.GetString(1),
            Unit = r.GetString(2),
            Tier = (Tier)r.GetInt32(3),
            Region = RegionCode.Parse(r.GetString(4)),
            Purpose = r.GetString(5),
            ValidFrom = _dialect.ReadTime(r, 6),
            ValidUntil = _dialect.ReadTime(r, 7),
            RevokedAt = _dialect.ReadNullableTime(r, 8),
            IsOperator = r.GetBoolean(10),
        },
        RevocationReason = r.GetNullableString(9),
        WithoutSatuDataForum = r.GetBoolean(11),
        IssuedAt = _dialect.ReadTime(r, 12),
        ExtendedAt = _dialect.ReadNullableTime(r, 13),
    };

    /// <summary>Opens a connection (creating the tables on first use) and runs <paramref name="work"/>, mapping driver failures.</summary>
    private async Task<T> Run<T>(Func<DbConnection, Task<T>> work, string what, CancellationToken ct)
    {
        await Guard(_ready.RunAsync, "create the grant tables in").ConfigureAwait(false);
        try
        {
            await using var c = await _dialect.OpenAsync(ct).ConfigureAwait(false);
            return await work(c).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStorageFailure(ex, ct))
        {
            throw Unavailable(what, ex);
        }
    }

    private async Task Guard(Func<Task> work, string what)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStorageFailure(ex, CancellationToken.None))
        {
            throw Unavailable(what, ex);
        }
    }

    private StoreUnavailableException Unavailable(string what, Exception ex)
    {
        _dialect.OnFailure(ex);
        return new StoreUnavailableException($"could not {what} the grant store ({_dialect.Location}): {ex.Message}", ex);
    }

    internal static bool IsStorageFailure(Exception ex, CancellationToken ct) =>
        ex is DbException or IOException or UnauthorizedAccessException or TimeoutException or System.Net.Sockets.SocketException
        || ex is OperationCanceledException && !ct.IsCancellationRequested;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _dialect.DisposeAsync();
    }
}

/// <summary>The grant store in a SQLite file (the default).</summary>
public sealed class SqliteGrantStore : SqlGrantStore
{
    /// <summary>A store in <paramref name="options"/>.Path; the file and tables are created on first use.</summary>
    public SqliteGrantStore(SqliteStoreOptions options, TimeProvider? time = null) : base(new SqliteDialect(options), time) { }
}

/// <summary>The grant store in PostgreSQL (for several service replicas).</summary>
public sealed class PostgresGrantStore : SqlGrantStore
{
    /// <summary>A store at <paramref name="options"/>.ConnectionString; tables are created on first use.</summary>
    public PostgresGrantStore(PostgresStoreOptions options, TimeProvider? time = null) : base(new PostgresDialect(options), time) { }
}
