namespace Regsosek.DuckDb;

/// <summary>
/// An error reported by DuckDB. <see cref="Exception.Message"/> carries DuckDB's own error
/// text (e.g. "Catalog Error: Table with name x does not exist!"), prefixed with what we were
/// doing when that helps.
/// </summary>
public sealed class DuckDbException : Exception
{
    /// <summary>Creates an exception carrying DuckDB's error text and, when known, its category.</summary>
    public DuckDbException(string message, DuckDbErrorType? errorType = null) : base(message) => ErrorType = errorType;

    /// <summary>
    /// DuckDB's error category (duckdb_result_error_type), when DuckDB reports one: for errors
    /// raised while executing a statement. Null for errors of prepare, open, bind and append,
    /// for which the C API gives only a message.
    /// </summary>
    public DuckDbErrorType? ErrorType { get; }
}
