namespace Regsosek.DuckDb;

/// <summary>
/// A value for one numbered parameter ('$1', '$2', ...) of a prepared statement. Query planners (aggregates,
/// extracts) put every client-controlled value in one of these instead of in the SQL text.
/// </summary>
public abstract record DuckDbParameter
{
    /// <summary>Binds the value to parameter <paramref name="index"/> (1-based).</summary>
    public abstract void Bind(DuckDbPreparedStatement statement, int index);

    /// <summary>Binds <paramref name="parameters"/> in order: the first to $1.</summary>
    public static void BindAll(DuckDbPreparedStatement statement, IReadOnlyList<DuckDbParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(parameters);
        for (int i = 0; i < parameters.Count; i++) parameters[i].Bind(statement, i + 1);
    }

    /// <summary>True when <paramref name="other"/> binds the same value (lists compared element by element).</summary>
    public virtual bool SameValue(DuckDbParameter other) => Equals(other);
}

/// <summary>A BIGINT parameter (region codes, k, bounds).</summary>
public sealed record Int64Parameter(long Value) : DuckDbParameter
{
    /// <inheritdoc />
    public override void Bind(DuckDbPreparedStatement statement, int index) => statement.Bind(index, Value);
}

/// <summary>A DOUBLE parameter (a percentile's probability, a numeric filter bound).</summary>
public sealed record DoubleParameter(double Value) : DuckDbParameter
{
    /// <inheritdoc />
    public override void Bind(DuckDbPreparedStatement statement, int index) => statement.Bind(index, Value);
}

/// <summary>A VARCHAR parameter (the dataset's file glob, from server configuration).</summary>
public sealed record StringParameter(string Value) : DuckDbParameter
{
    /// <inheritdoc />
    public override void Bind(DuckDbPreparedStatement statement, int index) => statement.Bind(index, Value);
}

/// <summary>A BIGINT[] parameter (filter values, region filter codes; for list_contains).</summary>
public sealed record Int64ListParameter(IReadOnlyList<long> Values) : DuckDbParameter
{
    /// <inheritdoc />
    public override void Bind(DuckDbPreparedStatement statement, int index) =>
        statement.BindList(index, Values is long[] array ? array : Values.ToArray());

    /// <inheritdoc />
    public override bool SameValue(DuckDbParameter other) => other is Int64ListParameter o && Values.SequenceEqual(o.Values);
}

/// <summary>A DOUBLE[] parameter (the probabilities of percentiles computed together).</summary>
public sealed record DoubleListParameter(IReadOnlyList<double> Values) : DuckDbParameter
{
    /// <inheritdoc />
    public override void Bind(DuckDbPreparedStatement statement, int index) =>
        statement.BindList(index, Values is double[] array ? array : Values.ToArray());

    /// <inheritdoc />
    public override bool SameValue(DuckDbParameter other) => other is DoubleListParameter o && Values.SequenceEqual(o.Values);
}
