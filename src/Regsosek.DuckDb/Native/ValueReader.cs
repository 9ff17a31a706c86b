using System.Globalization;

namespace Regsosek.DuckDb.Native;

/// <summary>Reads single values as .NET objects: for <see cref="DuckDbConnection.ExecuteScalar{T}"/>, not for hot paths.</summary>
internal static class ValueReader
{
    /// <summary>The value at <paramref name="row"/>, converted to <typeparamref name="T"/>.</summary>
    internal static T? Read<T>(DuckDbVector vector, int row, ColumnInfo column)
    {
        if (!vector.IsValid(row)) return Null<T>("the value is NULL");
        var value = ReadBoxed(vector, row, column);
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (target.IsInstanceOfType(value)) return (T)value;
        try
        {
            return (T)Convert(value, target);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new InvalidCastException(
                $"Cannot convert the {column.Type.ToString().ToUpperInvariant()} value {value} to {target.Name}: {e.Message}", e);
        }
    }

    /// <summary>Null for reference and nullable types; an error for other value types, which cannot be null.</summary>
    internal static T? Null<T>(string why)
    {
        if (default(T) is null) return default;
        throw new InvalidOperationException(
            $"ExecuteScalar<{typeof(T).Name}>: {why}; ask for {typeof(T).Name}? to receive null instead");
    }

    private static object ReadBoxed(DuckDbVector vector, int row, ColumnInfo column) => column.Type switch
    {
        DuckDbType.Boolean => vector.GetData<byte>(row + 1)[row] != 0,
        DuckDbType.TinyInt => vector.GetData<sbyte>(row + 1)[row],
        DuckDbType.SmallInt => vector.GetData<short>(row + 1)[row],
        DuckDbType.Integer => vector.GetData<int>(row + 1)[row],
        DuckDbType.BigInt => vector.GetData<long>(row + 1)[row],
        DuckDbType.UTinyInt => vector.GetData<byte>(row + 1)[row],
        DuckDbType.USmallInt => vector.GetData<ushort>(row + 1)[row],
        DuckDbType.UInteger => vector.GetData<uint>(row + 1)[row],
        DuckDbType.UBigInt => vector.GetData<ulong>(row + 1)[row],
        DuckDbType.HugeInt => vector.GetData<Int128>(row + 1)[row],
        DuckDbType.UHugeInt => vector.GetData<UInt128>(row + 1)[row],
        DuckDbType.Float => vector.GetData<float>(row + 1)[row],
        DuckDbType.Double => vector.GetData<double>(row + 1)[row],
        DuckDbType.Date => DuckDbDate.ToDateOnly(vector.GetData<int>(row + 1)[row]),
        DuckDbType.Timestamp or DuckDbType.TimestampTz =>
            DateTime.UnixEpoch.AddTicks(vector.GetData<long>(row + 1)[row] * TimeSpan.TicksPerMicrosecond),
        DuckDbType.Varchar => vector.GetString(row),
        DuckDbType.Decimal => ReadDecimal(vector, row, column),
        _ => throw new InvalidCastException(
            $"ExecuteScalar does not read {column.Type.ToString().ToUpperInvariant()} values; cast the column in SQL (e.g. to VARCHAR)"),
    };

    private static decimal ReadDecimal(DuckDbVector vector, int row, ColumnInfo column)
    {
        Int128 unscaled = column.ElementSize switch
        {
            2 => vector.GetData<short>(row + 1)[row],
            4 => vector.GetData<int>(row + 1)[row],
            8 => vector.GetData<long>(row + 1)[row],
            _ => vector.GetData<Int128>(row + 1)[row],
        };
        decimal value = (decimal)unscaled;
        for (int i = 0; i < column.Scale; i++) value /= 10m;
        return value;
    }

    private static object Convert(object value, Type target)
    {
        if (value is Int128 huge)
        {
            if (target == typeof(double)) return (double)huge;
            if (target == typeof(decimal)) return (decimal)huge;
            value = checked((long)huge);
        }
        else if (value is UInt128 uhuge)
        {
            if (target == typeof(double)) return (double)uhuge;
            value = checked((ulong)uhuge);
        }
        if (target == typeof(Int128)) return (Int128)System.Convert.ToInt64(value, CultureInfo.InvariantCulture);
        if (target == typeof(string)) return System.Convert.ToString(value, CultureInfo.InvariantCulture)!;
        return System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }
}
