using System.Data.Common;
using DuckDB.NET.Native;

namespace Regsosek.DataAccess;

/// <summary>
/// DuckDB failed in a call made through the low-level API (<see cref="ChunkStream"/>, <see cref="ChunkAppender"/>).
/// DuckDB.NET's own <see cref="DuckDB.NET.Data.DuckDBException"/> cannot be constructed outside DuckDB.NET; both are
/// <see cref="DbException"/>s, which is what callers catch.
/// </summary>
public sealed class DuckDbNativeException(string message, DuckDBErrorType errorType = DuckDBErrorType.Invalid) : DbException(message)
{
    /// <summary>DuckDB's classification of the error (Invalid when DuckDB gave none).</summary>
    public DuckDBErrorType ErrorType { get; } = errorType;
}
