namespace Regsosek.Schema;

/// <summary>
/// A plain, immutable value for one numbered parameter ('$1', '$2', ...) of a planned query. Query planners
/// (aggregates, extracts) put every client-controlled value in one of these instead of in the SQL text; the engines
/// bind them to DuckDB. Nothing here refers to DuckDB: a plan is data.
/// </summary>
/// <remarks>Parameters are positional: a plan's list binds in order, the first to $1.</remarks>
public abstract record QueryParameter
{
    /// <summary>The value as DuckDB's client binds it: long, double, string, bool, long[] or double[].</summary>
    public abstract object ClrValue { get; }

    /// <summary>True when <paramref name="other"/> is the same value (lists compared element by element).</summary>
    public virtual bool SameValue(QueryParameter other) => Equals(other);

    /// <summary>True when both lists hold the same values in the same order.</summary>
    public static bool SameValues(IReadOnlyList<QueryParameter> a, IReadOnlyList<QueryParameter> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (!a[i].SameValue(b[i])) return false;
        return true;
    }
}

/// <summary>A BIGINT parameter (region codes, k, bounds).</summary>
public sealed record Int64Parameter(long Value) : QueryParameter
{
    /// <inheritdoc />
    public override object ClrValue => Value;
}

/// <summary>A DOUBLE parameter (a percentile's probability, a numeric filter bound).</summary>
public sealed record DoubleParameter(double Value) : QueryParameter
{
    /// <inheritdoc />
    public override object ClrValue => Value;
}

/// <summary>A VARCHAR parameter (the dataset's file glob, from server configuration).</summary>
public sealed record StringParameter(string Value) : QueryParameter
{
    /// <inheritdoc />
    public override object ClrValue => Value;
}

/// <summary>A BOOLEAN parameter.</summary>
public sealed record BooleanParameter(bool Value) : QueryParameter
{
    /// <inheritdoc />
    public override object ClrValue => Value;
}

/// <summary>A BIGINT[] parameter (filter values, region filter codes; for list_contains).</summary>
public sealed record Int64ListParameter(IReadOnlyList<long> Values) : QueryParameter
{
    /// <inheritdoc />
    public override object ClrValue => Values as long[] ?? Values.ToArray();

    /// <inheritdoc />
    public override bool SameValue(QueryParameter other) => other is Int64ListParameter o && Values.SequenceEqual(o.Values);
}

/// <summary>A DOUBLE[] parameter (the probabilities of percentiles computed together).</summary>
public sealed record DoubleListParameter(IReadOnlyList<double> Values) : QueryParameter
{
    /// <inheritdoc />
    public override object ClrValue => Values as double[] ?? Values.ToArray();

    /// <inheritdoc />
    public override bool SameValue(QueryParameter other) => other is DoubleListParameter o && Values.SequenceEqual(o.Values);
}
