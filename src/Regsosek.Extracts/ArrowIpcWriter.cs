using Apache.Arrow;
using Apache.Arrow.Ipc;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Extracts;

/// <summary>
/// Writes a query's result as an Arrow IPC stream (the format pandas, polars and R read natively): DuckDB.NET hands
/// the result over as Arrow record batches (<see cref="DuckDBCommand.ExecuteArrowStream"/>, DuckDB's own Arrow
/// conversion, streaming), Apache.Arrow's <see cref="ArrowStreamWriter"/> writes them. The schema carries the
/// licence and attribution in its metadata, as the Parquet file's key-value metadata does. One batch in memory at a
/// time; cancelling the token interrupts the query.
/// </summary>
public static class ArrowIpcWriter
{
    /// <summary>Schema metadata key of the licence text.</summary>
    public const string LicenceKey = "licence";

    /// <summary>Schema metadata key of the attribution.</summary>
    public const string AttributionKey = "attribution";

    /// <summary>
    /// Runs <paramref name="select"/> with <paramref name="parameters"/> and writes its rows to <paramref name="output"/>
    /// as one Arrow IPC stream (schema, record batches, end-of-stream marker).
    /// </summary>
    /// <returns>Rows written.</returns>
    /// <exception cref="System.Data.Common.DbException">DuckDB failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static long Write(DuckDBConnection connection, string select, IReadOnlyList<QueryParameter> parameters,
        IReadOnlyDictionary<string, string> metadata, Stream output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(output);
        using var command = Commands.Create(connection, select, parameters);
        command.UseStreamingMode = true;
        return Commands.Interruptible(command, c =>
        {
            using var batches = c.ExecuteArrowStream();
            var schema = new Apache.Arrow.Schema(batches.Schema.FieldsList, metadata);
            using var writer = new ArrowStreamWriter(output, schema, leaveOpen: true);
            writer.WriteStart();
            long rows = 0;
            while (batches.ReadNextRecordBatchAsync(ct).AsTask().GetAwaiter().GetResult() is { } batch)
            {
                using (batch)
                {
                    ct.ThrowIfCancellationRequested();
                    writer.WriteRecordBatch(new RecordBatch(schema, batch.Arrays, batch.Length));
                    rows += batch.Length;
                }
            }
            writer.WriteEnd();
            return rows;
        }, ct);
    }
}
