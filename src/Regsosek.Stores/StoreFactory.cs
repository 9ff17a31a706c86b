using Regsosek.Stores.Audit;
using Regsosek.Stores.Grants;
using Regsosek.Stores.Jobs;
using Regsosek.Stores.Storage;

namespace Regsosek.Stores;

/// <summary>
/// Where the grants and the audit trail live: a SQLite file (the default, <see cref="SqlitePath"/>) or
/// PostgreSQL when <see cref="PostgresConnectionString"/> is set. Both components may share one database.
/// </summary>
public sealed record StoreSettings
{
    /// <summary>The default SQLite file, relative to the working directory.</summary>
    public const string DefaultSqlitePath = ".data/regsosek.db";

    /// <summary>The SQLite file; ignored when <see cref="PostgresConnectionString"/> is set.</summary>
    public string SqlitePath { get; init; } = DefaultSqlitePath;
    /// <summary>An Npgsql connection string; null or empty for SQLite.</summary>
    public string? PostgresConnectionString { get; init; }
    /// <summary>How long a store operation may wait for a lock or the server before failing.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>True when PostgreSQL is configured.</summary>
    public bool UsesPostgres => !string.IsNullOrWhiteSpace(PostgresConnectionString);
}

/// <summary>Creates the configured stores.</summary>
public static class StoreFactory
{
    /// <summary>The grant store <paramref name="settings"/> describe.</summary>
    public static IGrantStore CreateGrantStore(StoreSettings settings, TimeProvider? time = null) =>
        settings.UsesPostgres
            ? new PostgresGrantStore(new PostgresStoreOptions { ConnectionString = settings.PostgresConnectionString!, CommandTimeout = settings.Timeout }, time)
            : new SqliteGrantStore(new SqliteStoreOptions { Path = settings.SqlitePath, BusyTimeout = settings.Timeout }, time);

    /// <summary>
    /// The grant store <paramref name="settings"/> describe, refusing grants for regions that <paramref name="regions"/>
    /// does not know (<see cref="RegionCheckedGrantStore"/>): what the service and the command line issue through.
    /// </summary>
    public static IGrantStore CreateGrantStore(StoreSettings settings, IRegionExistence regions, TimeProvider? time = null) =>
        new RegionCheckedGrantStore(CreateGrantStore(settings, time), regions);

    /// <summary>The audit log <paramref name="settings"/> describe.</summary>
    public static IAuditLog CreateAuditLog(StoreSettings settings, TimeProvider? time = null) =>
        settings.UsesPostgres
            ? new PostgresAuditLog(new PostgresStoreOptions { ConnectionString = settings.PostgresConnectionString!, CommandTimeout = settings.Timeout }, time)
            : new SqliteAuditLog(new SqliteStoreOptions { Path = settings.SqlitePath, BusyTimeout = settings.Timeout }, time);

    /// <summary>The extract-job store <paramref name="settings"/> describe (the same database as grants and audit).</summary>
    public static IExtractJobStore CreateExtractJobStore(StoreSettings settings, TimeProvider? time = null) =>
        settings.UsesPostgres
            ? new PostgresExtractJobStore(new PostgresStoreOptions { ConnectionString = settings.PostgresConnectionString!, CommandTimeout = settings.Timeout }, time)
            : new SqliteExtractJobStore(new SqliteStoreOptions { Path = settings.SqlitePath, BusyTimeout = settings.Timeout }, time);
}
