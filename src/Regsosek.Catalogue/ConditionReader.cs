using Regsosek.Schema;
using YamlDotNet.RepresentationModel;

namespace Regsosek.Catalogue;

/// <summary>
/// Reads one condition of the YAML condition language and checks it against the data dictionary
/// for the table of its unit: variables exist and are numeric, codes are in their code lists,
/// flags are flags of a multi-select sum, numerics belong to the same unit.
/// </summary>
internal sealed class ConditionReader(
    DataDictionary dictionary,
    IReadOnlyDictionary<string, YamlNode> named,
    IReadOnlyDictionary<string, NumericVariable> numerics)
{
    private readonly Stack<string> _resolving = new();

    private static readonly string[] Operators = ["in", "not_in", "between", "ge", "gt", "le", "lt", "is_null", "has_flag"];

    /// <summary>Reads <paramref name="node"/> as a condition on the rows of <paramref name="unit"/>.</summary>
    public Condition Read(YamlNode? node, Unit unit, string entry)
    {
        var map = Yaml.Map(node, entry, "a condition");
        if (Yaml.Get(map, "all") is { } all)
        {
            Yaml.RequireOnlyKeys(map, entry, "all");
            return new AllCondition(Yaml.Seq(all, entry, "'all'").Children.Select(c => Read(c, unit, entry)).ToList());
        }
        if (Yaml.Get(map, "any") is { } any)
        {
            Yaml.RequireOnlyKeys(map, entry, "any");
            return new AnyCondition(Yaml.Seq(any, entry, "'any'").Children.Select(c => Read(c, unit, entry)).ToList());
        }
        if (Yaml.Get(map, "not") is { } not)
        {
            Yaml.RequireOnlyKeys(map, entry, "not");
            return new NotCondition(Read(not, unit, entry));
        }
        if (Yaml.Get(map, "ref") is not null)
        {
            Yaml.RequireOnlyKeys(map, entry, "ref");
            var name = Yaml.String(map, "ref", entry);
            if (!named.TryGetValue(name, out var found))
                throw new CatalogueException(entry, $"unknown condition '{name}' in 'ref'{Yaml.At(map)}; define it under 'conditions'");
            if (_resolving.Contains(name))
                throw new CatalogueException(entry, $"condition '{name}' refers to itself (through {string.Join(" -> ", _resolving.Reverse())})");
            _resolving.Push(name);
            try
            {
                return Read(found, unit, $"{entry} (through condition '{name}')");
            }
            finally
            {
                _resolving.Pop();
            }
        }
        return ReadTest(map, unit, entry);
    }

    private Condition ReadTest(YamlMappingNode map, Unit unit, string entry)
    {
        var ops = Yaml.Keys(map).Where(k => Operators.Contains(k)).ToList();
        if (ops.Count != 1)
            throw new CatalogueException(entry, $"a test needs exactly one of {string.Join(", ", Operators)}{Yaml.At(map)}; found {(ops.Count == 0 ? "none" : string.Join(", ", ops))}");
        var op = ops[0];
        var valueNode = Yaml.Get(map, op)!;

        if (Yaml.Get(map, "numeric") is not null)
        {
            Yaml.RequireOnlyKeys(map, entry, "numeric", op);
            var id = Yaml.String(map, "numeric", entry);
            if (!numerics.TryGetValue(id, out var numeric))
                throw new CatalogueException(entry, $"unknown numeric '{id}'{Yaml.At(map)}; see 'numerics'");
            if (numeric.Unit != unit)
                throw new CatalogueException(entry, $"numeric '{id}' is over {numeric.Unit.Name()}, not {unit.Name()}");
            if (op is "in" or "not_in" or "has_flag")
                throw new CatalogueException(entry, $"'{op}' does not apply to a numeric; use between, ge, gt, le, lt or is_null");
            return new TestCondition(new NumericOperand(id), ParseOperator(op), ReadValues(op, valueNode, entry));
        }

        IReadOnlyList<string> columns;
        if (Yaml.Get(map, "vars") is { } varsNode)
        {
            Yaml.RequireOnlyKeys(map, entry, "vars", op);
            columns = Yaml.Seq(varsNode, entry, "'vars'").Children
                .Select(n => (n as YamlScalarNode)?.Value ?? throw new CatalogueException(entry, $"'vars' must list column names{Yaml.At(n)}"))
                .ToList();
            if (columns.Count == 0) throw new CatalogueException(entry, $"'vars' is empty{Yaml.At(map)}");
        }
        else
        {
            Yaml.RequireOnlyKeys(map, entry, "var", op);
            columns = [Yaml.String(map, "var", entry)];
        }

        var tests = columns.Select(c => ReadVariableTest(c, op, valueNode, unit, entry)).ToList();
        return tests.Count == 1 ? tests[0] : new AnyCondition(tests);
    }

    private Condition ReadVariableTest(string column, string op, YamlNode valueNode, Unit unit, string entry)
    {
        var variable = Lookup(dictionary, unit, column, entry);
        if (op == "has_flag")
        {
            if (!variable.MultiSelectSum)
                throw new CatalogueException(entry, $"'has_flag' needs a multi-select sum (\"Jumlahkan kode\"); {column} is not one; use 'in'");
            int mask = 0, maxSum = 0;
            foreach (var c in variable.Codes)
                if (IsFlag(c.Code)) maxSum += c.Code;
            foreach (var f in Yaml.Numbers(valueNode, entry, "'has_flag'"))
            {
                if (f != Math.Floor(f) || !IsFlag((int)f) || variable.FindCode((int)f) is null)
                    throw new CatalogueException(entry, $"{f} is not a flag of {column} (flags: {string.Join(", ", variable.Codes.Where(c => IsFlag(c.Code)).Select(c => c.Code))})");
                mask |= (int)f;
            }
            return new FlagCondition(column, mask, maxSum);
        }
        var values = ReadValues(op, valueNode, entry);
        if (op is "in" or "not_in" or "between")
        {
            foreach (var v in values)
                CheckValue(variable, v, op, entry);
        }
        else if (op != "is_null")
        {
            CheckInRange(variable, values[0], op, entry);
        }
        return new TestCondition(new VariableOperand(column), ParseOperator(op), values);
    }

    /// <summary>Finds a numeric, non-identity column of the unit's table, or throws naming the entry.</summary>
    public static Variable Lookup(DataDictionary dictionary, Unit unit, string column, string entry)
    {
        if (!dictionary.TryGet(unit.Table(), column, out var variable))
            throw new CatalogueException(entry, $"unknown variable '{column}': table {TableNames.Of(unit.Table())} has no such column in the data dictionary" +
                (unit == Unit.Persons ? " (person indicators use individu columns only: no join to keluarga)" : ""));
        if (variable.Identity)
            throw new CatalogueException(entry, $"{column} is an identity variable and cannot be aggregated");
        if (!variable.Type.IsNumeric())
            throw new CatalogueException(entry, $"{column} is {variable.SqlType}; conditions, numerics and dimensions need a numeric column");
        return variable;
    }

    private static void CheckValue(Variable variable, double v, string op, string entry)
    {
        if (variable.HasCodes)
        {
            if (v != Math.Floor(v) || variable.FindCode((int)v) is null)
                throw new CatalogueException(entry, $"{v} is not a code of {variable.Column} ({string.Join(", ", variable.Codes.Select(c => c.Code))}) in '{op}'");
            return;
        }
        CheckInRange(variable, v, op, entry);
    }

    private static void CheckInRange(Variable variable, double v, string op, string entry)
    {
        var (lo, hi) = (variable.Min ?? variable.Type.Range().Min, variable.Max ?? variable.Type.Range().Max);
        if (v < lo || v > hi)
            throw new CatalogueException(entry, $"{v} in '{op}' is outside the range of {variable.Column} ({lo} to {hi})");
    }

    private static IReadOnlyList<double> ReadValues(string op, YamlNode node, string entry)
    {
        switch (op)
        {
            case "is_null":
                var s = (node as YamlScalarNode)?.Value;
                return s switch
                {
                    "true" => [1],
                    "false" => [0],
                    _ => throw new CatalogueException(entry, $"'is_null' must be true or false{Yaml.At(node)}"),
                };
            case "between":
                var range = Yaml.Numbers(node, entry, "'between'");
                if (range.Count != 2 || range[0] > range[1])
                    throw new CatalogueException(entry, $"'between' needs [low, high] with low <= high{Yaml.At(node)}");
                return range;
            case "in" or "not_in":
                var list = Yaml.Numbers(node, entry, $"'{op}'");
                if (list.Count == 0) throw new CatalogueException(entry, $"'{op}' is empty{Yaml.At(node)}");
                return list;
            default:
                return [Yaml.Number(node, entry, $"'{op}'")];
        }
    }

    private static TestOperator ParseOperator(string op) => op switch
    {
        "in" => TestOperator.In,
        "not_in" => TestOperator.NotIn,
        "between" => TestOperator.Between,
        "ge" => TestOperator.AtLeast,
        "gt" => TestOperator.GreaterThan,
        "le" => TestOperator.AtMost,
        "lt" => TestOperator.LessThan,
        "is_null" => TestOperator.IsNull,
        _ => TestOperator.HasFlag,
    };

    private static bool IsFlag(int code) => code > 0 && (code & (code - 1)) == 0;
}
