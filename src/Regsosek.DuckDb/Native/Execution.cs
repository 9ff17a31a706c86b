namespace Regsosek.DuckDb.Native;

/// <summary>
/// Runs a prepared statement through a pending result (duckdb_pending_prepared[_streaming] +
/// duckdb_execute_pending), with a cancellation token that interrupts the connection.
/// </summary>
internal static unsafe class Execution
{
    /// <summary>
    /// Executes <paramref name="statement"/> and returns its result. The returned
    /// <paramref name="registration"/> keeps <paramref name="ct"/> interrupting the connection;
    /// the caller disposes it when the result is no longer read.
    /// </summary>
    internal static ResultHandle Run(DuckDbConnection connection, PreparedStatementHandle statement, bool streaming,
        CancellationToken ct, out CancellationTokenRegistration registration)
    {
        ct.ThrowIfCancellationRequested();
        connection.BeginExecution();
        var state = streaming
            ? NativeMethods.duckdb_pending_prepared_streaming(statement, out var pending)
            : NativeMethods.duckdb_pending_prepared(statement, out pending);
        using (pending)
        {
            if (state != DuckDbState.Success)
            {
                var error = pending.IsInvalid ? null : NativeMethods.ToManagedString(NativeMethods.duckdb_pending_error(pending));
                throw new DuckDbException(error ?? "DuckDB could not start executing the statement (no error text)");
            }

            // Registered only now that the query has begun: an interrupt that arrives before
            // DuckDB starts a query would be forgotten when it starts.
            registration = ct.UnsafeRegister(static s => ((ConnectionHandle)s!).Interrupt(), connection.Handle);
            var result = ResultHandle.Allocate();
            try
            {
                if (NativeMethods.duckdb_execute_pending(pending, result.Pointer) != DuckDbState.Success)
                    throw ErrorOf(result, ct);
                result.KeepAlive(connection.Handle);
                return result;
            }
            catch
            {
                result.Dispose();
                registration.Dispose();
                registration = default;
                throw;
            }
        }
    }

    /// <summary>
    /// The exception for a failed result: <see cref="OperationCanceledException"/> when
    /// <paramref name="ct"/> was cancelled (the failure is then our own interrupt), else a
    /// <see cref="DuckDbException"/> with DuckDB's text and error type.
    /// </summary>
    internal static Exception ErrorOf(ResultHandle result, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return new OperationCanceledException(ct);
        var message = NativeMethods.ToManagedString(NativeMethods.duckdb_result_error(result.Pointer));
        var type = NativeMethods.duckdb_result_error_type(result.Pointer);
        return new DuckDbException(message ?? "DuckDB reported an error without text", type);
    }
}
