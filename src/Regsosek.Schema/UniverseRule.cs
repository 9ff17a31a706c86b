using System.Globalization;
using System.Text;

namespace Regsosek.Schema;

/// <summary>
/// A skip rule of the questionnaire ("who is asked"), parsed from the dictionary's small
/// expression language, which is also valid DuckDB SQL:
/// <code>
/// expr    := and ("OR" and)*
/// and     := unary ("AND" unary)*
/// unary   := "NOT" unary | "(" expr ")" | test
/// test    := column ( op integer | "IN" "(" integer ("," integer)* ")" | "BETWEEN" integer "AND" integer | "IS" ["NOT"] "NULL" )
/// op      := "=" | "&lt;&gt;" | "&lt;" | "&lt;=" | "&gt;" | "&gt;="
/// </code>
/// Comparisons with a NULL column are false (not unknown), so <see cref="Evaluate"/> answers
/// "is this record inside the universe" the way the form does.
/// </summary>
public sealed class UniverseRule
{
    private readonly Node _root;

    private UniverseRule(string text, Node root, IReadOnlyList<string> columns)
    {
        Text = text;
        _root = root;
        Columns = columns;
    }

    /// <summary>The rule as written in the dictionary.</summary>
    public string Text { get; }

    /// <summary>The columns the rule reads, in order of first use.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Parses a rule; throws <see cref="FormatException"/> saying where and what is wrong.</summary>
    public static UniverseRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseAll();
        return new UniverseRule(text, root, parser.Columns);
    }

    /// <summary>
    /// True when the record is inside the universe. <paramref name="value"/> gives a column's
    /// value, null for NULL (dates and strings: any non-null number).
    /// </summary>
    public bool Evaluate(Func<string, long?> value) => _root.Eval(value);

    /// <summary>The rule as a DuckDB boolean expression, with NULL comparisons made false.</summary>
    public string ToSql()
    {
        var sb = new StringBuilder();
        _root.Sql(sb);
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private abstract class Node
    {
        public abstract bool Eval(Func<string, long?> v);
        public abstract void Sql(StringBuilder sb);
    }

    private sealed class Or(Node l, Node r) : Node
    {
        public override bool Eval(Func<string, long?> v) => l.Eval(v) || r.Eval(v);
        public override void Sql(StringBuilder sb) { sb.Append('('); l.Sql(sb); sb.Append(" OR "); r.Sql(sb); sb.Append(')'); }
    }

    private sealed class And(Node l, Node r) : Node
    {
        public override bool Eval(Func<string, long?> v) => l.Eval(v) && r.Eval(v);
        public override void Sql(StringBuilder sb) { sb.Append('('); l.Sql(sb); sb.Append(" AND "); r.Sql(sb); sb.Append(')'); }
    }

    private sealed class Not(Node inner) : Node
    {
        public override bool Eval(Func<string, long?> v) => !inner.Eval(v);
        public override void Sql(StringBuilder sb) { sb.Append("(NOT "); inner.Sql(sb); sb.Append(')'); }
    }

    private sealed class IsNull(string column, bool negated) : Node
    {
        public override bool Eval(Func<string, long?> v) => v(column).HasValue == negated;
        public override void Sql(StringBuilder sb) => sb.Append('(').Append(column).Append(negated ? " IS NOT NULL)" : " IS NULL)");
    }

    private sealed class Compare(string column, string op, long operand) : Node
    {
        public override bool Eval(Func<string, long?> v)
        {
            var x = v(column);
            if (x is not long a) return false;
            return op switch
            {
                "=" => a == operand,
                "<>" => a != operand,
                "<" => a < operand,
                "<=" => a <= operand,
                ">" => a > operand,
                _ => a >= operand,
            };
        }

        public override void Sql(StringBuilder sb) =>
            sb.Append("coalesce(").Append(column).Append(' ').Append(op).Append(' ')
              .Append(operand.ToString(CultureInfo.InvariantCulture)).Append(", false)");
    }

    private sealed class In(string column, long[] set) : Node
    {
        public override bool Eval(Func<string, long?> v) => v(column) is long a && Array.IndexOf(set, a) >= 0;
        public override void Sql(StringBuilder sb) =>
            sb.Append("coalesce(").Append(column).Append(" IN (")
              .Append(string.Join(", ", set.Select(x => x.ToString(CultureInfo.InvariantCulture)))).Append("), false)");
    }

    private sealed class Between(string column, long lo, long hi) : Node
    {
        public override bool Eval(Func<string, long?> v) => v(column) is long a && a >= lo && a <= hi;
        public override void Sql(StringBuilder sb) =>
            sb.Append("coalesce(").Append(column).Append(" BETWEEN ").Append(lo.ToString(CultureInfo.InvariantCulture))
              .Append(" AND ").Append(hi.ToString(CultureInfo.InvariantCulture)).Append(", false)");
    }

    private sealed class Parser(string text)
    {
        private readonly List<string> _tokens = Tokenize(text);
        private int _pos;
        public List<string> Columns { get; } = [];

        public Node ParseAll()
        {
            if (_tokens.Count == 0) throw Error("the rule is empty");
            var node = ParseOr();
            if (_pos < _tokens.Count) throw Error($"unexpected '{_tokens[_pos]}'");
            return node;
        }

        private Node ParseOr()
        {
            var node = ParseAnd();
            while (Accept("OR")) node = new Or(node, ParseAnd());
            return node;
        }

        private Node ParseAnd()
        {
            var node = ParseUnary();
            while (Accept("AND")) node = new And(node, ParseUnary());
            return node;
        }

        private Node ParseUnary()
        {
            if (Accept("NOT")) return new Not(ParseUnary());
            if (Accept("("))
            {
                var inner = ParseOr();
                Expect(")");
                return inner;
            }
            return ParseTest();
        }

        private Node ParseTest()
        {
            var column = Next("a column name");
            if (!IsIdentifier(column) || IsKeyword(column))
                throw Error($"expected a column name, found '{column}'");
            if (!Columns.Contains(column)) Columns.Add(column);
            if (Accept("IS"))
            {
                bool negated = Accept("NOT");
                Expect("NULL");
                return new IsNull(column, negated);
            }
            if (Accept("IN"))
            {
                Expect("(");
                var set = new List<long> { Integer() };
                while (Accept(",")) set.Add(Integer());
                Expect(")");
                return new In(column, set.ToArray());
            }
            if (Accept("BETWEEN"))
            {
                long lo = Integer();
                Expect("AND");
                long hi = Integer();
                if (lo > hi) throw Error($"BETWEEN {lo} AND {hi} is empty; write the lower bound first");
                return new Between(column, lo, hi);
            }
            var op = Next("a comparison (=, <>, <, <=, >, >=, IN, BETWEEN, IS NULL)");
            if (op is not ("=" or "<>" or "<" or "<=" or ">" or ">="))
                throw Error($"expected a comparison after '{column}', found '{op}'");
            return new Compare(column, op, Integer());
        }

        private long Integer()
        {
            var t = Next("an integer");
            if (!long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                throw Error($"expected an integer, found '{t}'");
            return v;
        }

        private bool Accept(string token)
        {
            if (_pos < _tokens.Count && string.Equals(_tokens[_pos], token, StringComparison.OrdinalIgnoreCase))
            {
                _pos++;
                return true;
            }
            return false;
        }

        private void Expect(string token)
        {
            if (!Accept(token))
                throw Error(_pos < _tokens.Count ? $"expected '{token}', found '{_tokens[_pos]}'" : $"expected '{token}' at the end");
        }

        private string Next(string what)
        {
            if (_pos >= _tokens.Count) throw Error($"expected {what} at the end");
            return _tokens[_pos++];
        }

        private FormatException Error(string message) => new($"universe rule \"{text}\": {message}");

        private static bool IsIdentifier(string t) => t.Length > 0 && (char.IsLetter(t[0]) || t[0] == '_') && t.All(c => char.IsLetterOrDigit(c) || c == '_');

        private static bool IsKeyword(string t) => t.ToUpperInvariant() is "AND" or "OR" or "NOT" or "IN" or "BETWEEN" or "IS" or "NULL";

        private static List<string> Tokenize(string s)
        {
            var tokens = new List<string>();
            int i = 0;
            while (i < s.Length)
            {
                char c = s[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                if (c is '(' or ')' or ',' or '=') { tokens.Add(c.ToString()); i++; continue; }
                if (c is '<' or '>')
                {
                    if (i + 1 < s.Length && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>'))) { tokens.Add(s.Substring(i, 2)); i += 2; }
                    else { tokens.Add(c.ToString()); i++; }
                    continue;
                }
                int start = i;
                if (c == '-' || char.IsDigit(c))
                {
                    i++;
                    while (i < s.Length && char.IsDigit(s[i])) i++;
                }
                else if (char.IsLetter(c) || c == '_')
                {
                    while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
                }
                else
                {
                    throw new FormatException($"universe rule \"{s}\": unexpected character '{c}' at position {i + 1}");
                }
                tokens.Add(s[start..i]);
            }
            return tokens;
        }
    }
}
