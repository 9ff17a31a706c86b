using Regsosek.Catalogue;
using Regsosek.DuckDb;

namespace Regsosek.Engine;

/// <summary>Binds a <see cref="QueryPlan"/>'s parameters to a prepared statement: $1 is the first.</summary>
public static class PlanParameters
{
    /// <summary>Binds every parameter of <paramref name="parameters"/> in order.</summary>
    /// <exception cref="InvalidOperationException">A parameter kind this binder does not know.</exception>
    public static void Bind(DuckDbPreparedStatement statement, IReadOnlyList<QueryParameter> parameters)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            int index = i + 1;
            switch (parameters[i])
            {
                case Int64Parameter p: statement.Bind(index, p.Value); break;
                case DoubleParameter p: statement.Bind(index, p.Value); break;
                case StringParameter p: statement.Bind(index, p.Value); break;
                case Int64ListParameter p:
                    if (p.Values is long[] array) statement.BindList(index, array);
                    else statement.BindList(index, p.Values.ToArray());
                    break;
                case DoubleListParameter p:
                    if (p.Values is double[] doubles) statement.BindList(index, doubles);
                    else statement.BindList(index, p.Values.ToArray());
                    break;
                default: throw new InvalidOperationException($"parameter ${index} has an unknown kind {parameters[i].GetType().Name}");
            }
        }
    }
}
