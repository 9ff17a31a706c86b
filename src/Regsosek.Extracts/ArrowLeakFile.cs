using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;

namespace Regsosek.Extracts;

/// <summary>
/// Turns a leaked Arrow IPC file (an extract's stream, <c>.arrows</c>, or the file/Feather format, <c>.arrow</c> and
/// <c>.feather</c>) into CSV text with a header, so that <see cref="LeakTracer"/> reads it as it reads any CSV: integers in
/// decimal (a family pseudonym, UInt64, keeps all its digits), 16-byte binary as 32 hex digits, text as is; other
/// values (floating point, dates) as their invariant text. One record batch in memory at a time.
/// </summary>
internal static class ArrowLeakFile
{
    /// <summary>True for the file names the tracer reads as Arrow IPC.</summary>
    public static bool Is(string file) =>
        file.EndsWith(".arrows", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".arrow", StringComparison.OrdinalIgnoreCase)
        || file.EndsWith(".feather", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes <paramref name="arrowFile"/>'s rows to <paramref name="csvFile"/> with a header line of its column names.</summary>
    public static void ToCsv(string arrowFile, string csvFile)
    {
        using var input = File.OpenRead(arrowFile);
        // The stream format (what an extract is) starts with a message; the file format with the magic "ARROW1".
        Span<byte> magic = stackalloc byte[6];
        bool fileFormat = input.Read(magic) == 6 && magic.SequenceEqual("ARROW1"u8);
        input.Position = 0;
        using ArrowStreamReader reader = fileFormat ? new ArrowFileReader(input) : new ArrowStreamReader(input);
        using var output = new StreamWriter(csvFile, false, new UTF8Encoding(false));
        bool header = false;
        var row = new StringBuilder();
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                if (!header)
                {
                    output.WriteLine(string.Join(",", batch.Schema.FieldsList.Select(f => Field(f.Name))));
                    header = true;
                }
                for (int r = 0; r < batch.Length; r++)
                {
                    row.Clear();
                    for (int c = 0; c < batch.ColumnCount; c++)
                    {
                        if (c > 0) row.Append(',');
                        row.Append(Field(Text(batch.Column(c), r)));
                    }
                    output.WriteLine(row);
                }
            }
        }
    }

    private static string Field(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string? Text(IArrowArray array, int row)
    {
        if (array.IsNull(row)) return null;
        var inv = CultureInfo.InvariantCulture;
        return array switch
        {
            UInt64Array a => a.GetValue(row)!.Value.ToString(inv),
            Int64Array a => a.GetValue(row)!.Value.ToString(inv),
            Int32Array a => a.GetValue(row)!.Value.ToString(inv),
            Int16Array a => a.GetValue(row)!.Value.ToString(inv),
            Int8Array a => a.GetValue(row)!.Value.ToString(inv),
            UInt32Array a => a.GetValue(row)!.Value.ToString(inv),
            UInt16Array a => a.GetValue(row)!.Value.ToString(inv),
            UInt8Array a => a.GetValue(row)!.Value.ToString(inv),
            StringArray a => a.GetString(row),
            FixedSizeBinaryArray a => Convert.ToHexStringLower(a.GetBytes(row)),
            BinaryArray a => Convert.ToHexStringLower(a.GetBytes(row)),
            DoubleArray a => a.GetValue(row)!.Value.ToString("R", inv),
            FloatArray a => a.GetValue(row)!.Value.ToString("R", inv),
            BooleanArray a => a.GetValue(row)!.Value ? "true" : "false",
            _ => null,
        };
    }
}
