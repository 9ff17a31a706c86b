namespace Regsosek.DuckDb;

/// <summary>DuckDB's physical/logical type ids, mirroring duckdb_type in duckdb.h (values are ABI).</summary>
public enum DuckDbType
{
    /// <summary>DUCKDB_TYPE_INVALID.</summary>
    Invalid = 0,
    /// <summary>BOOLEAN: bool (1 byte).</summary>
    Boolean = 1,
    /// <summary>TINYINT: int8.</summary>
    TinyInt = 2,
    /// <summary>SMALLINT: int16.</summary>
    SmallInt = 3,
    /// <summary>INTEGER: int32.</summary>
    Integer = 4,
    /// <summary>BIGINT: int64.</summary>
    BigInt = 5,
    /// <summary>UTINYINT: uint8.</summary>
    UTinyInt = 6,
    /// <summary>USMALLINT: uint16.</summary>
    USmallInt = 7,
    /// <summary>UINTEGER: uint32.</summary>
    UInteger = 8,
    /// <summary>UBIGINT: uint64.</summary>
    UBigInt = 9,
    /// <summary>FLOAT: float.</summary>
    Float = 10,
    /// <summary>DOUBLE: double.</summary>
    Double = 11,
    /// <summary>TIMESTAMP: int64 microseconds since 1970-01-01.</summary>
    Timestamp = 12,
    /// <summary>DATE: int32 days since 1970-01-01 (see <see cref="DuckDbDate"/>).</summary>
    Date = 13,
    /// <summary>TIME: int64 microseconds since midnight.</summary>
    Time = 14,
    /// <summary>INTERVAL: 16 bytes (months, days, micros).</summary>
    Interval = 15,
    /// <summary>HUGEINT: 128-bit signed integer.</summary>
    HugeInt = 16,
    /// <summary>VARCHAR: duckdb_string_t (16 bytes); read with <see cref="DuckDbVector.GetStringUtf8"/>.</summary>
    Varchar = 17,
    /// <summary>BLOB: duckdb_string_t (16 bytes).</summary>
    Blob = 18,
    /// <summary>DECIMAL: int16/32/64/128 depending on width.</summary>
    Decimal = 19,
    /// <summary>TIMESTAMP_S: int64 seconds.</summary>
    TimestampS = 20,
    /// <summary>TIMESTAMP_MS: int64 milliseconds.</summary>
    TimestampMs = 21,
    /// <summary>TIMESTAMP_NS: int64 nanoseconds.</summary>
    TimestampNs = 22,
    /// <summary>ENUM: uint8/16/32 dictionary index.</summary>
    Enum = 23,
    /// <summary>LIST: <see cref="DuckDbListEntry"/> per row, values in <see cref="DuckDbVector.ListChild"/>.</summary>
    List = 24,
    /// <summary>STRUCT.</summary>
    Struct = 25,
    /// <summary>MAP.</summary>
    Map = 26,
    /// <summary>UUID: 128-bit.</summary>
    Uuid = 27,
    /// <summary>UNION.</summary>
    Union = 28,
    /// <summary>BIT.</summary>
    Bit = 29,
    /// <summary>TIME WITH TIME ZONE: 64-bit packed.</summary>
    TimeTz = 30,
    /// <summary>TIMESTAMP WITH TIME ZONE: int64 microseconds (UTC).</summary>
    TimestampTz = 31,
    /// <summary>UHUGEINT: 128-bit unsigned integer.</summary>
    UHugeInt = 32,
    /// <summary>ARRAY (fixed size).</summary>
    Array = 33,
    /// <summary>ANY (only in function signatures).</summary>
    Any = 34,
    /// <summary>BIGNUM (VARINT before 1.5).</summary>
    BigNum = 35,
    /// <summary>SQLNULL (the type of an untyped NULL).</summary>
    SqlNull = 36,
    /// <summary>STRING_LITERAL.</summary>
    StringLiteral = 37,
    /// <summary>INTEGER_LITERAL.</summary>
    IntegerLiteral = 38,
    /// <summary>TIME_NS: int64 nanoseconds since midnight.</summary>
    TimeNs = 39,
    /// <summary>GEOMETRY.</summary>
    Geometry = 40,
    /// <summary>VARIANT.</summary>
    Variant = 41,
}
