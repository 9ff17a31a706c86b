using System.Data;
using System.Data.Common;

namespace Regsosek.Stores.Storage;

/// <summary>
/// Brings one component's tables to the newest schema version this build knows, recording each
/// applied migration in schema_version (component, version, description, applied_at). Runs in one
/// transaction under a cross-process lock, so concurrent first uses do not race; refuses a database
/// whose schema is newer than this build.
/// </summary>
internal static class Migrator
{
    // targetVersion: stop at this version (tests build old schemas with it); null for the newest.
    public static async Task MigrateAsync(SqlDialect dialect, string component, TimeProvider time, CancellationToken ct, int? targetVersion = null)
    {
        var migrations = dialect.Migrations(component).Where(m => targetVersion is null || m.Version <= targetVersion).ToList();
        await using var connection = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(dialect.MigrationIsolation, ct).ConfigureAwait(false);
        await dialect.LockMigrationsAsync(connection, tx, component, ct).ConfigureAwait(false);
        await using (var ddl = Db.Command(connection, dialect.SchemaVersionDdl, tx))
            await ddl.ExecuteNonQueryAsync(ct).ConfigureAwait(false);

        long current;
        await using (var q = Db.Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version WHERE component = @c", tx).With("@c", component))
            current = Convert.ToInt64(await q.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);

        int newest = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (current > newest)
            throw new StoreSchemaException(
                $"the {component} tables in {dialect.Location} are at schema version {current}, newer than this build knows ({newest}); " +
                "run a newer Regsosek service, or point it at another database");

        foreach (var m in migrations)
        {
            if (m.Version <= current) continue;
            await using (var apply = Db.Command(connection, m.Sql, tx))
                await apply.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await using var record = Db.Command(connection,
                    "INSERT INTO schema_version (component, version, description, applied_at) VALUES (@c, @v, @d, @t)", tx)
                .With("@c", component).With("@v", m.Version).With("@d", m.Description)
                .With("@t", dialect.TimeValue(Timestamps.Normalise(time.GetUtcNow())));
            await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}
