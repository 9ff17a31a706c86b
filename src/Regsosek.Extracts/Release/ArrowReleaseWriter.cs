using Regsosek.Schema;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Core;

namespace Regsosek.Extracts;

/// <summary>
/// Arrow IPC stream extracts (<see cref="ArrowIpcWriter"/>), the licence and attribution in the schema metadata.
/// Sorted runs are record batches that follow each other in the one stream: nothing to join afterwards.
/// </summary>
internal sealed class ArrowReleaseWriter(DuckDBConnection connection, ExtractPlan plan, string directory, string file)
    : ReleaseWriter(connection, plan, directory, file)
{
    private FileStream? _output;
    private ArrowIpcWriter? _stream;

    /// <inheritdoc/>
    public override long Write(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct)
    {
        using var output = Create();
        return ArrowIpcWriter.Write(Connection, select, parameters, Metadata(), output, ct);
    }

    /// <inheritdoc/>
    public override void BeginRuns()
    {
        _output = Create();
        _stream = new ArrowIpcWriter(_output, Metadata());
    }

    /// <inheritdoc/>
    public override long AppendRun(string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct) =>
        _stream!.Append(Connection, select, parameters, ct);

    /// <inheritdoc/>
    public override void EndRuns(long rows, CancellationToken ct)
    {
        _stream!.Finish();
        Dispose();
    }

    /// <inheritdoc/>
    protected override string CopyOptions(bool header) => throw new NotSupportedException("DuckDB's COPY does not write Arrow IPC streams");

    /// <inheritdoc/>
    protected override void JoinRuns(List<string> runs, long rows, CancellationToken ct) =>
        throw new NotSupportedException("Arrow runs are written into the one stream");

    /// <inheritdoc/>
    public override void Dispose()
    {
        _stream?.Dispose();
        _output?.Dispose();
        _stream = null;
        _output = null;
    }

    private FileStream Create() => new(File, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);

    /// <summary>The Arrow schema metadata of an extract: its licence and attribution (as the Parquet key-value metadata).</summary>
    private Dictionary<string, string> Metadata() => new(StringComparer.Ordinal)
    {
        [ArrowIpcWriter.LicenceKey] = Licences.ForExtract(Plan.Tier),
        [ArrowIpcWriter.AttributionKey] = Licences.Attribution,
    };
}
