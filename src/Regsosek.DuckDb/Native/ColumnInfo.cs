namespace Regsosek.DuckDb.Native;

/// <summary>
/// What a reader needs to know about a column or vector: its type id, the width of one value
/// in the vector's data (0 when values are not stored flat, e.g. STRUCT), and a DECIMAL's scale.
/// </summary>
internal readonly record struct ColumnInfo(DuckDbType Type, int ElementSize, byte Scale)
{
    /// <summary>Describes a duckdb_logical_type (borrowed; not destroyed here).</summary>
    internal static ColumnInfo FromLogicalType(IntPtr logicalType)
    {
        var type = NativeMethods.duckdb_get_type_id(logicalType);
        return type switch
        {
            DuckDbType.Decimal => new ColumnInfo(type, SizeOf(NativeMethods.duckdb_decimal_internal_type(logicalType)),
                NativeMethods.duckdb_decimal_scale(logicalType)),
            DuckDbType.Enum => new ColumnInfo(type, SizeOf(NativeMethods.duckdb_enum_internal_type(logicalType)), 0),
            _ => new ColumnInfo(type, SizeOf(type), 0),
        };
    }

    /// <summary>Describes the type of a vector (duckdb_vector_get_column_type).</summary>
    internal static ColumnInfo OfVector(IntPtr vector)
    {
        var logicalType = NativeMethods.duckdb_vector_get_column_type(vector);
        try
        {
            return FromLogicalType(logicalType);
        }
        finally
        {
            NativeMethods.duckdb_destroy_logical_type(ref logicalType);
        }
    }

    /// <summary>Bytes per value in a flat vector of <paramref name="type"/>; 0 when not flat or not fixed.</summary>
    internal static int SizeOf(DuckDbType type) => type switch
    {
        DuckDbType.Boolean or DuckDbType.TinyInt or DuckDbType.UTinyInt => 1,
        DuckDbType.SmallInt or DuckDbType.USmallInt => 2,
        DuckDbType.Integer or DuckDbType.UInteger or DuckDbType.Float or DuckDbType.Date => 4,
        DuckDbType.BigInt or DuckDbType.UBigInt or DuckDbType.Double or DuckDbType.Timestamp or DuckDbType.TimestampS
            or DuckDbType.TimestampMs or DuckDbType.TimestampNs or DuckDbType.TimestampTz or DuckDbType.Time
            or DuckDbType.TimeTz or DuckDbType.TimeNs => 8,
        DuckDbType.HugeInt or DuckDbType.UHugeInt or DuckDbType.Uuid or DuckDbType.Interval => 16,
        // duckdb_string_t and duckdb_list_entry are 16 bytes too
        DuckDbType.Varchar or DuckDbType.Blob or DuckDbType.Bit or DuckDbType.BigNum or DuckDbType.List
            or DuckDbType.Map => 16,
        _ => 0,
    };
}
