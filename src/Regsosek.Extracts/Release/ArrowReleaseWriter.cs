using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Core;

namespace Regsosek.Extracts;

/// <summary>
/// Arrow IPC stream extracts (<see cref="ArrowIpcWriter"/>), the licence and attribution in the schema metadata.
/// </summary>
internal sealed class ArrowReleaseWriter(DuckDBConnection connection, ExtractPlan plan, string directory, string file)
    : ReleaseWriter(connection, plan, directory, file)
{
    /// <inheritdoc/>
    public override long Write(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct)
    {
        using var output = Create();
        return ArrowIpcWriter.Write(Connection, select, parameters, Metadata(), output, ct);
    }

    private FileStream Create() => new(File, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);

    /// <summary>The Arrow schema metadata of an extract: its licence and attribution (as the Parquet key-value metadata).</summary>
    private Dictionary<string, string> Metadata() => new(StringComparer.Ordinal)
    {
        [ArrowIpcWriter.LicenceKey] = Licences.ForExtract(Plan.Tier),
        [ArrowIpcWriter.AttributionKey] = Licences.Attribution,
    };
}
