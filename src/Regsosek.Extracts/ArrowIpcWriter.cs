using Apache.Arrow;
using Apache.Arrow.Ipc;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Extracts;

/// <summary>
/// Writes query results as one Arrow IPC stream (the format pandas, polars and R read natively): DuckDB.NET hands a
/// result over as Arrow record batches (<see cref="DuckDBCommand.ExecuteArrowStream"/>, DuckDB's own Arrow
/// conversion, streaming), Apache.Arrow's <see cref="ArrowStreamWriter"/> writes them. Several results of one schema
/// (sort runs, in order) can follow each other in the stream. The schema carries the licence and attribution in its
/// metadata, as the Parquet file's key-value metadata does. One batch in memory at a time; cancelling the token
/// interrupts the running query. Not thread-safe.
/// </summary>
public sealed class ArrowIpcWriter : IDisposable
{
    /// <summary>Schema metadata key of the licence text.</summary>
    public const string LicenceKey = "licence";

    /// <summary>Schema metadata key of the attribution.</summary>
    public const string AttributionKey = "attribution";

    private readonly Stream _output;
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private Apache.Arrow.Schema? _schema;
    private ArrowStreamWriter? _writer;

    /// <summary>A stream to <paramref name="output"/> (left open) with <paramref name="metadata"/> in its schema.</summary>
    public ArrowIpcWriter(Stream output, IReadOnlyDictionary<string, string> metadata)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
    }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// Runs <paramref name="select"/> with <paramref name="parameters"/> and appends its rows. The first result gives
    /// the stream's schema; later ones must have the same columns.
    /// </summary>
    /// <returns>Rows of this result.</returns>
    /// <exception cref="System.Data.Common.DbException">DuckDB failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public long Append(DuckDBConnection connection, string select, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default)
    {
        using var command = Commands.Create(connection, select, parameters);
        command.UseStreamingMode = true;
        long rows = Commands.Interruptible(command, c =>
        {
            using var batches = c.ExecuteArrowStream();
            var writer = Start(batches.Schema);
            long n = 0;
            while (batches.ReadNextRecordBatchAsync(ct).AsTask().GetAwaiter().GetResult() is { } batch)
            {
                using (batch)
                {
                    ct.ThrowIfCancellationRequested();
                    writer.WriteRecordBatch(new RecordBatch(_schema!, batch.Arrays, batch.Length));
                    n += batch.Length;
                }
            }
            return n;
        }, ct);
        Rows += rows;
        return rows;
    }

    /// <summary>Writes the end-of-stream marker. Nothing can be appended afterwards.</summary>
    /// <exception cref="InvalidOperationException">Nothing was appended: the stream has no schema.</exception>
    public void Finish()
    {
        if (_writer is null) throw new InvalidOperationException("no result was appended: the stream has no schema");
        _writer.WriteEnd();
        _writer.Dispose();
        _output.Flush();
    }

    /// <summary>Writes <paramref name="select"/>'s rows to <paramref name="output"/> as one complete stream.</summary>
    /// <returns>Rows written.</returns>
    public static long Write(DuckDBConnection connection, string select, IReadOnlyList<QueryParameter> parameters,
        IReadOnlyDictionary<string, string> metadata, Stream output, CancellationToken ct = default)
    {
        using var writer = new ArrowIpcWriter(output, metadata);
        long rows = writer.Append(connection, select, parameters, ct);
        writer.Finish();
        return rows;
    }

    private ArrowStreamWriter Start(Apache.Arrow.Schema schema)
    {
        if (_writer is not null)
        {
            if (schema.FieldsList.Count != _schema!.FieldsList.Count
                || schema.FieldsList.Zip(_schema.FieldsList).Any(p => p.First.Name != p.Second.Name || p.First.DataType.TypeId != p.Second.DataType.TypeId))
                throw new InvalidOperationException("a result appended to an Arrow stream has other columns than the first");
            return _writer;
        }
        _schema = new Apache.Arrow.Schema(schema.FieldsList, _metadata);
        _writer = new ArrowStreamWriter(_output, _schema, leaveOpen: true);
        _writer.WriteStart();
        return _writer;
    }

    /// <summary>Releases the writer (without the end-of-stream marker unless <see cref="Finish"/> ran).</summary>
    public void Dispose() => _writer?.Dispose();
}
