using System.Buffers;
using System.Buffers.Binary;

namespace Regsosek.Extracts;

/// <summary>
/// Joins Parquet files of one schema, written in order (DuckDB's COPY … ROW_GROUPS_PER_FILE), into one Parquet file
/// with their row groups in order, without decoding any data: each part's bytes between its magic and its footer are
/// copied as they are, and the parts' footers are merged into one, every absolute file offset shifted by where the
/// part's bytes now start. Why: a Parquet writer keeps the metadata of every row group of its file until it writes
/// the footer at the end (tens of KB per row group for a wide record), so one writer's memory grows with the file;
/// here no more than one part's footer is in memory, and the merged row groups go through a scratch file.
/// <para>The footer is Thrift's compact protocol (parquet.thrift FileMetaData). Offsets rewritten: RowGroup.file_offset,
/// ColumnChunk.file_offset, offset_index_offset and column_index_offset, and ColumnMetaData's data_page_offset,
/// index_page_offset, dictionary_page_offset and bloom_filter_offset (0 = unset stays 0). RowGroup.ordinal becomes the
/// row group's index in the joined file (dropped beyond 32,767). The first part gives the schema, key-value
/// metadata, created_by and column orders; every part must have the same schema. Encrypted files are refused.</para>
/// </summary>
public static class ParquetConcatenation
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    // Compact protocol type codes (prefixed: "Byte" or "Double" in a case label would be a type pattern).
    private const byte TTrue = 1, TFalse = 2, TByte = 3, TI16 = 4, TI32 = 5, TI64 = 6, TDouble = 7, TBinary = 8, TList = 9, TSet = 10, TMap = 11, TStruct = 12;

    private enum Kind { Other, RowGroup, ColumnChunk, ColumnMetaData }

    /// <summary>
    /// Writes <paramref name="output"/> from <paramref name="parts"/> (in order). <paramref name="scratch"/> is a
    /// file path for the merged row-group metadata (deleted afterwards).
    /// </summary>
    /// <returns>Rows in the joined file.</returns>
    /// <exception cref="InvalidDataException">A part is not a Parquet file this can join (bad magic, encrypted, other schema).</exception>
    public static long Concatenate(IReadOnlyList<string> parts, string output, string scratch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("at least one part", nameof(parts));
        byte[]? schema = null, keyValues = null, createdBy = null, columnOrders = null;
        int version = 1;
        long rows = 0, rowGroups = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using (var target = new FileStream(output, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var groups = new FileStream(scratch, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            {
                target.Write(Magic);
                foreach (var part in parts)
                {
                    ct.ThrowIfCancellationRequested();
                    using var source = new FileStream(part, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                    var footer = ReadFooter(source, part, out long dataEnd);
                    long delta = target.Position - Magic.Length;
                    source.Position = Magic.Length;
                    for (long left = dataEnd - Magic.Length; left > 0;)
                    {
                        int n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                        if (n == 0) throw new InvalidDataException($"{Path.GetFileName(part)}: truncated");
                        target.Write(buffer, 0, n);
                        left -= n;
                    }
                    var reader = new Reader(footer);
                    short id = 0;
                    while (reader.FieldHeader(ref id) is var (type, fieldId) && type != 0)
                    {
                        switch (fieldId)
                        {
                            case 1 when type == TI32:
                                version = (int)reader.ZigZag();
                                break;
                            case 2 when type == TList:
                                if (schema is null) schema = reader.Raw(type);
                                else if (!reader.Span(type).SequenceEqual(schema))
                                    throw new InvalidDataException($"{Path.GetFileName(part)}: its schema differs from the first part's");
                                break;
                            case 3 when type == TI64:
                                rows += reader.ZigZag();
                                break;
                            case 4 when type == TList:
                                var (count, element) = reader.ListHeader();
                                if (count > 0 && element != TStruct) throw new InvalidDataException($"{Path.GetFileName(part)}: row_groups is not a list of structs");
                                for (int i = 0; i < count; i++)
                                {
                                    var writer = new Writer(groups);
                                    Transcode(ref reader, writer, Kind.RowGroup, delta, rowGroups + i);
                                }
                                rowGroups += count;
                                break;
                            case 5 when type == TList:
                                if (keyValues is null) keyValues = reader.Raw(type);
                                else reader.Span(type);
                                break;
                            case 6 when type == TBinary:
                                if (createdBy is null) createdBy = reader.Raw(type);
                                else reader.Span(type);
                                break;
                            case 7 when type == TList:
                                if (columnOrders is null) columnOrders = reader.Raw(type);
                                else reader.Span(type);
                                break;
                            case 8 or 9:
                                throw new InvalidDataException($"{Path.GetFileName(part)}: encrypted Parquet files cannot be joined");
                            default:
                                reader.Span(type); // a field this does not know: not carried over
                                break;
                        }
                    }
                }
                if (schema is null) throw new InvalidDataException("the first part has no schema");

                long footerStart = target.Position;
                var w = new Writer(target);
                w.Field(1, TI32, 0);
                w.ZigZag(version);
                w.Field(2, TList, 1);
                target.Write(schema);
                w.Field(3, TI64, 2);
                w.ZigZag(rows);
                w.Field(4, TList, 3);
                w.ListHeader(rowGroups, TStruct);
                groups.Position = 0;
                groups.CopyTo(target, 1 << 16);
                short last = 4;
                if (keyValues is not null) { w.Field(5, TList, last); target.Write(keyValues); last = 5; }
                if (createdBy is not null) { w.Field(6, TBinary, last); target.Write(createdBy); last = 6; }
                if (columnOrders is not null) { w.Field(7, TList, last); target.Write(columnOrders); }
                target.WriteByte(0);
                long length = target.Position - footerStart;
                if (length > int.MaxValue) throw new InvalidDataException("the joined footer is larger than Parquet allows");
                Span<byte> tail = stackalloc byte[8];
                BinaryPrimitives.WriteInt32LittleEndian(tail, (int)length);
                Magic.CopyTo(tail[4..]);
                target.Write(tail);
            }
            return rows;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a part's footer (FileMetaData bytes); <paramref name="dataEnd"/> is where it starts.</summary>
    private static byte[] ReadFooter(FileStream source, string part, out long dataEnd)
    {
        Span<byte> head = stackalloc byte[4];
        Span<byte> tail = stackalloc byte[8];
        if (source.Length < 12) throw new InvalidDataException($"{Path.GetFileName(part)}: too short for a Parquet file");
        source.ReadExactly(head);
        source.Position = source.Length - 8;
        source.ReadExactly(tail);
        if (!head.SequenceEqual(Magic) || !tail[4..].SequenceEqual(Magic))
            throw new InvalidDataException($"{Path.GetFileName(part)}: not a Parquet file (or an encrypted one)");
        int length = BinaryPrimitives.ReadInt32LittleEndian(tail);
        dataEnd = source.Length - 8 - length;
        if (length <= 0 || dataEnd < Magic.Length) throw new InvalidDataException($"{Path.GetFileName(part)}: bad footer length {length}");
        var footer = new byte[length];
        source.Position = dataEnd;
        source.ReadExactly(footer);
        return footer;
    }

    /// <summary>
    /// Copies one struct of kind <paramref name="kind"/> from <paramref name="reader"/> to <paramref name="writer"/>,
    /// shifting its offsets by <paramref name="delta"/> and, for a row group, setting its ordinal.
    /// </summary>
    private static void Transcode(ref Reader reader, Writer writer, Kind kind, long delta, long ordinal)
    {
        short id = 0, written = 0;
        while (true)
        {
            var (type, fieldId) = reader.FieldHeader(ref id);
            if (type == 0) break;
            if (kind == Kind.RowGroup && fieldId == 7 && type == TI16)
            {
                reader.ZigZag();
                if (ordinal > short.MaxValue) continue; // beyond i16: left out
                writer.Field(7, TI16, written);
                writer.ZigZag(ordinal);
                written = 7;
                continue;
            }
            writer.Field(fieldId, type, written);
            written = fieldId;
            if (type == TI64 && IsOffset(kind, fieldId))
            {
                long offset = reader.ZigZag();
                writer.ZigZag(offset > 0 ? offset + delta : offset);
            }
            else if (type == TStruct && kind == Kind.ColumnChunk && fieldId == 3)
                Transcode(ref reader, writer, Kind.ColumnMetaData, delta, 0);
            else if (type == TList && kind == Kind.RowGroup && fieldId == 1)
            {
                var (count, element) = reader.ListHeader();
                writer.ListHeader(count, element);
                for (int i = 0; i < count; i++)
                {
                    if (element != TStruct) throw new InvalidDataException("RowGroup.columns is not a list of structs");
                    Transcode(ref reader, writer, Kind.ColumnChunk, delta, 0);
                }
            }
            else
                writer.Bytes(reader.Span(type));
        }
        writer.Stop();
    }

    private static bool IsOffset(Kind kind, short field) => kind switch
    {
        Kind.RowGroup => field == 5,
        Kind.ColumnChunk => field is 2 or 4 or 6,
        Kind.ColumnMetaData => field is 9 or 10 or 11 or 14,
        _ => false,
    };

    /// <summary>Reads the compact protocol from a footer held in memory.</summary>
    private ref struct Reader(byte[] data)
    {
        private readonly byte[] _data = data;
        private int _position;

        /// <summary>Reads a field header: (0, 0) at the struct's end; <paramref name="last"/> carries the previous field id.</summary>
        public (byte Type, short Id) FieldHeader(ref short last)
        {
            byte b = Next();
            if (b == 0) return (0, 0);
            byte type = (byte)(b & 0x0F);
            int delta = b >> 4;
            short id = delta == 0 ? (short)ZigZag() : (short)(last + delta);
            last = id;
            return (type, id);
        }

        public (int Count, byte Element) ListHeader()
        {
            byte b = Next();
            int count = b >> 4;
            if (count == 15) count = checked((int)Varint());
            return (count, (byte)(b & 0x0F));
        }

        public long ZigZag()
        {
            ulong v = Varint();
            return (long)(v >> 1) ^ -(long)(v & 1);
        }

        /// <summary>The bytes of one value of <paramref name="type"/> (after its field header), skipped over: a copy to keep.</summary>
        public byte[] Raw(byte type) => Span(type).ToArray();

        /// <summary>The bytes of one value of <paramref name="type"/> (after its field header), skipped over, in the footer itself.</summary>
        public ReadOnlySpan<byte> Span(byte type)
        {
            int start = _position;
            Skip(type, inCollection: false);
            return _data.AsSpan(start, _position - start);
        }

        private void Skip(byte type, bool inCollection)
        {
            switch (type)
            {
                case TTrue or TFalse:
                    if (inCollection) _position++;
                    break;
                case TByte: _position++; break;
                case TI16 or TI32 or TI64: Varint(); break;
                case TDouble: _position += 8; break;
                case TBinary:
                {
                    int length = checked((int)Varint()); // read before adding: "_position += Varint()" would add to the old position
                    _position += length;
                    break;
                }
                case TList or TSet:
                {
                    var (count, element) = ListHeader();
                    for (int i = 0; i < count; i++) Skip(element, inCollection: true);
                    break;
                }
                case TMap:
                {
                    int count = checked((int)Varint());
                    if (count == 0) break;
                    byte types = Next();
                    for (int i = 0; i < count; i++)
                    {
                        Skip((byte)(types >> 4), inCollection: true);
                        Skip((byte)(types & 0x0F), inCollection: true);
                    }
                    break;
                }
                case TStruct:
                {
                    short id = 0;
                    while (FieldHeader(ref id) is var (t, _) && t != 0) Skip(t, inCollection: false);
                    break;
                }
                default:
                    throw new InvalidDataException($"unknown Thrift compact type {type} in a Parquet footer");
            }
            if (_position > _data.Length) throw new InvalidDataException("truncated Parquet footer");
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Next();
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return result;
            }
            throw new InvalidDataException("bad varint in a Parquet footer");
        }

        private byte Next() =>
            _position < _data.Length ? _data[_position++] : throw new InvalidDataException("truncated Parquet footer");
    }

    /// <summary>Writes the compact protocol to a stream.</summary>
    private readonly struct Writer(Stream stream)
    {
        public void Field(short id, byte type, short last)
        {
            int delta = id - last;
            if (delta is > 0 and <= 15) stream.WriteByte((byte)((delta << 4) | type));
            else
            {
                stream.WriteByte(type);
                ZigZag(id);
            }
        }

        public void ListHeader(long count, byte element)
        {
            if (count < 15) stream.WriteByte((byte)((count << 4) | element));
            else
            {
                stream.WriteByte((byte)(0xF0 | element));
                Varint((ulong)count);
            }
        }

        public void ZigZag(long value) => Varint((ulong)((value << 1) ^ (value >> 63)));

        public void Bytes(ReadOnlySpan<byte> bytes) => stream.Write(bytes);

        public void Stop() => stream.WriteByte(0);

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            stream.WriteByte((byte)value);
        }
    }
}
