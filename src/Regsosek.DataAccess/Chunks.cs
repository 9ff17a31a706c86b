using DuckDB.NET.Native;

namespace Regsosek.DataAccess;

/// <summary>Facts about DuckDB's data chunks shared by <see cref="ChunkStream"/> and <see cref="ChunkAppender"/>.</summary>
public static class Chunks
{
    /// <summary>Rows in a full chunk: DuckDB's vector size (2,048).</summary>
    public static int Capacity { get; } = (int)NativeMethods.Helpers.DuckDBVectorSize();

    /// <summary>Bytes a value of <paramref name="type"/> takes in a vector (0: not a fixed-width type).</summary>
    public static int Width(DuckDBType type) => type switch
    {
        DuckDBType.Boolean or DuckDBType.TinyInt or DuckDBType.UnsignedTinyInt => 1,
        DuckDBType.SmallInt or DuckDBType.UnsignedSmallInt => 2,
        DuckDBType.Integer or DuckDBType.UnsignedInteger or DuckDBType.Date or DuckDBType.Float => 4,
        DuckDBType.BigInt or DuckDBType.UnsignedBigInt or DuckDBType.Double or DuckDBType.Timestamp => 8,
        DuckDBType.HugeInt or DuckDBType.UnsignedHugeInt or DuckDBType.Varchar => 16,
        _ => 0,
    };

    /// <summary>Throws unless <typeparamref name="T"/> is as wide as the values of <paramref name="type"/>.</summary>
    internal static unsafe void CheckWidth<T>(DuckDBType type, int column) where T : unmanaged
    {
        if (type == DuckDBType.Varchar || Width(type) != sizeof(T))
            throw new InvalidOperationException($"column {column} is {type}; {typeof(T).Name} ({sizeof(T)} bytes) is not its value width");
    }
}
