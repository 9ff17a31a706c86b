using System.Runtime.CompilerServices;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Generator;

/// <summary>
/// Up to <see cref="Capacity"/> rows of one table, column by column in managed arrays, handed to a
/// sink (a DuckDB appender) when full. Values not set in a row are NULL. Allocation-free per row.
/// </summary>
internal sealed class TableBuffer
{
    /// <summary>Rows per chunk: DuckDB's vector size.</summary>
    public static int Capacity => Chunks.Capacity;

    private const int MaxStringBytes = 128;

    public readonly ColumnType[] Types;
    public readonly string[] Names;
    public readonly long[][] Values;
    public readonly bool[][] Valid;
    public readonly byte[][] StringBytes;
    public readonly int[][] StringLengths;
    private readonly Action<TableBuffer> _flush;

    /// <summary>Rows filled so far in the current chunk.</summary>
    public int Row;

    /// <summary>Total rows written through this buffer.</summary>
    public long RowsWritten;

    public TableBuffer(IReadOnlyList<Variable> columns, Action<TableBuffer> flush)
    {
        int n = columns.Count, cap = Capacity;
        Types = columns.Select(c => c.Type).ToArray();
        Names = columns.Select(c => c.Column).ToArray();
        Values = new long[n][];
        Valid = new bool[n][];
        StringBytes = new byte[n][];
        StringLengths = new int[n][];
        for (int i = 0; i < n; i++)
        {
            Values[i] = new long[cap];
            Valid[i] = new bool[cap];
            if (Types[i] == ColumnType.Varchar)
            {
                StringBytes[i] = new byte[cap * MaxStringBytes];
                StringLengths[i] = new int[cap];
            }
        }
        _flush = flush;
    }

    private readonly HashSet<int> _claimed = [];

    /// <summary>The column index of <paramref name="name"/>, which the caller promises to write.</summary>
    public int IndexOf(string name)
    {
        int i = Array.IndexOf(Names, name);
        if (i < 0) throw new InvalidOperationException($"the data dictionary has no column {name}: update the generator");
        _claimed.Add(i);
        return i;
    }

    /// <summary>Throws when a dictionary column has no writer in the generator.</summary>
    public void RequireAllClaimed(string table)
    {
        var missing = Names.Where((_, i) => !_claimed.Contains(i)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"the generator does not write {table} column(s) {string.Join(", ", missing)} of the data dictionary: update RowEmitter");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int col, long value)
    {
        Values[col][Row] = value;
        Valid[col][Row] = true;
    }

    /// <summary>Sets an answer, NULL when it is <see cref="FamilySimulator.NA"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Answer(int col, short value)
    {
        if (value == FamilySimulator.NA) return;
        Values[col][Row] = value;
        Valid[col][Row] = true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetDouble(int col, double value) => Set(col, BitConverter.DoubleToInt64Bits(value));

    /// <summary>A span to write a string of up to 128 bytes into; finish with <see cref="CommitString"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> StringSpan(int col) => StringBytes[col].AsSpan(Row * MaxStringBytes, MaxStringBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CommitString(int col, int length)
    {
        StringLengths[col][Row] = length;
        Valid[col][Row] = true;
    }

    public void SetString(int col, ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(StringSpan(col));
        CommitString(col, utf8.Length);
    }

    /// <summary>Ends the row; hands the chunk to the sink when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndRow()
    {
        if (++Row == Capacity) Flush();
    }

    /// <summary>Hands the filled rows to the sink and clears the buffer.</summary>
    public void Flush()
    {
        if (Row == 0) return;
        _flush(this);
        RowsWritten += Row;
        foreach (var v in Valid) Array.Clear(v, 0, Row);
        Row = 0;
    }

    /// <summary>The string of row <paramref name="row"/> of column <paramref name="col"/>.</summary>
    public ReadOnlySpan<byte> StringAt(int col, int row) => StringBytes[col].AsSpan(row * MaxStringBytes, StringLengths[col][row]);
}

/// <summary>Copies a <see cref="TableBuffer"/> into an appender's data chunk, column by column, and appends it.</summary>
internal static class ChunkWriter
{
    /// <summary>Fills <paramref name="appender"/>'s chunk from the buffer's rows and appends it.</summary>
    public static void Append(TableBuffer b, ChunkAppender appender)
    {
        int n = b.Row;
        for (int c = 0; c < b.Types.Length; c++)
        {
            var values = b.Values[c];
            var valid = b.Valid[c];
            switch (b.Types[c])
            {
                case ColumnType.Boolean:
                {
                    var d = appender.Column<byte>(c);
                    for (int r = 0; r < n; r++) d[r] = (byte)values[r];
                    break;
                }
                case ColumnType.TinyInt:
                {
                    var d = appender.Column<sbyte>(c);
                    for (int r = 0; r < n; r++) d[r] = (sbyte)values[r];
                    break;
                }
                case ColumnType.SmallInt:
                {
                    var d = appender.Column<short>(c);
                    for (int r = 0; r < n; r++) d[r] = (short)values[r];
                    break;
                }
                case ColumnType.Integer:
                case ColumnType.Date:
                {
                    var d = appender.Column<int>(c);
                    for (int r = 0; r < n; r++) d[r] = (int)values[r];
                    break;
                }
                case ColumnType.BigInt:
                case ColumnType.Double:
                    values.AsSpan(0, n).CopyTo(appender.Column<long>(c));
                    break;
                case ColumnType.Varchar:
                    for (int r = 0; r < n; r++)
                        if (valid[r]) appender.SetString(c, r, b.StringAt(c, r));
                    break;
            }
            for (int r = 0; r < n; r++)
                if (!valid[r]) appender.SetNull(c, r);
        }
        appender.Append(n);
    }
}
