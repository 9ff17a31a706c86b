using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Regsosek.Schema;

namespace Regsosek.DataAccess;

/// <summary>
/// A statement prepared once on a connection and executed many times, streaming (DuckDB.NET's low-level
/// prepared-statement API: DuckDB.NET's ADO.NET commands prepare again on every execution). Bound values stay
/// bound between executions: binding again makes DuckDB bind the statement again (list the files, read their
/// metadata), so callers skip it when the values are the same. Not thread-safe.
/// </summary>
public sealed class PreparedQuery : IDisposable
{
    private readonly DuckDBNativeConnection _connection;
    private readonly DuckDBPreparedStatement _statement;

    private PreparedQuery(DuckDBNativeConnection connection, DuckDBPreparedStatement statement)
    {
        _connection = connection;
        _statement = statement;
    }

    /// <summary>Prepares <paramref name="sql"/> (one statement) on <paramref name="connection"/>.</summary>
    /// <exception cref="DuckDbNativeException">It does not prepare (a syntax or binder error).</exception>
    public static PreparedQuery Prepare(DuckDBConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sql);
        var native = connection.NativeConnection;
        if (NativeMethods.PreparedStatements.DuckDBPrepare(native, sql, out var statement) == DuckDBState.Success)
            return new PreparedQuery(native, statement);
        var error = NativeMethods.PreparedStatements.DuckDBPrepareError(statement);
        statement.Dispose();
        throw new DuckDbNativeException(string.IsNullOrEmpty(error) ? "DuckDB could not prepare the statement" : error);
    }

    /// <summary>Number of parameters ($1..$n) of the statement.</summary>
    public long ParameterCount => NativeMethods.PreparedStatements.DuckDBParams(_statement);

    /// <summary>Binds <paramref name="parameters"/> in order, the first to $1.</summary>
    public void Bind(IReadOnlyList<QueryParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count != ParameterCount)
            throw new ArgumentException($"the statement has {ParameterCount} parameters; {parameters.Count} were given", nameof(parameters));
        for (int i = 0; i < parameters.Count; i++) Bind(i + 1, parameters[i]);
    }

    /// <summary>Runs the statement with the values bound now; cancelling <paramref name="ct"/> interrupts it.</summary>
    /// <exception cref="DuckDbNativeException">DuckDB failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public ChunkStream Execute(CancellationToken ct = default) => ChunkStream.Execute(_connection, _statement, ct);

    private void Bind(long index, QueryParameter parameter)
    {
        var state = parameter switch
        {
            Int64Parameter p => NativeMethods.PreparedStatements.DuckDBBindInt64(_statement, index, p.Value),
            DoubleParameter p => NativeMethods.PreparedStatements.DuckDBBindDouble(_statement, index, p.Value),
            StringParameter p => NativeMethods.PreparedStatements.DuckDBBindVarchar(_statement, index, p.Value),
            BooleanParameter p => NativeMethods.PreparedStatements.DuckDBBindBoolean(_statement, index, p.Value),
            Int64ListParameter p => BindList(index, DuckDBType.BigInt, p.Values.Select(NativeMethods.Value.DuckDBCreateInt64)),
            DoubleListParameter p => BindList(index, DuckDBType.Double, p.Values.Select(NativeMethods.Value.DuckDBCreateDouble)),
            _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter.GetType().Name, "unknown parameter type"),
        };
        if (state != DuckDBState.Success)
            throw new DuckDbNativeException($"cannot bind parameter ${index}: {NativeMethods.PreparedStatements.DuckDBPrepareError(_statement)}");
    }

    private DuckDBState BindList(long index, DuckDBType elementType, IEnumerable<DuckDBValue> elements)
    {
        var values = elements.ToArray();
        try
        {
            using var type = NativeMethods.LogicalType.DuckDBCreateLogicalType(elementType);
            using var list = NativeMethods.Value.DuckDBCreateListValue(type, values, values.Length);
            return NativeMethods.PreparedStatements.DuckDBBindValue(_statement, index, list);
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    /// <summary>Destroys the prepared statement.</summary>
    public void Dispose() => _statement.Dispose();
}
