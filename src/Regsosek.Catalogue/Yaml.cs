using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Regsosek.Catalogue;

/// <summary>Small helpers to read YamlDotNet's representation model with errors naming the entry.</summary>
internal static class Yaml
{
    public static YamlMappingNode LoadRoot(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new CatalogueException(file, $"not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new CatalogueException(file, "expected one YAML document whose top level is a mapping");
        return root;
    }

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public static IEnumerable<string> Keys(YamlMappingNode map) =>
        map.Children.Keys.Select(k => k is YamlScalarNode s ? s.Value ?? "" : "?");

    public static void RequireOnlyKeys(YamlMappingNode map, string entry, params string[] allowed)
    {
        foreach (var key in Keys(map))
            if (Array.IndexOf(allowed, key) < 0)
                throw new CatalogueException(entry, $"unknown field '{key}' (line {map.Start.Line}); allowed: {string.Join(", ", allowed)}");
    }

    public static YamlMappingNode Map(YamlNode? node, string entry, string what) =>
        node as YamlMappingNode ?? throw new CatalogueException(entry, $"{what} must be a mapping{At(node)}");

    public static YamlSequenceNode Seq(YamlNode? node, string entry, string what) =>
        node as YamlSequenceNode ?? throw new CatalogueException(entry, $"{what} must be a list{At(node)}");

    public static string? OptString(YamlMappingNode map, string key, string entry)
    {
        var node = Get(map, key);
        if (node is null) return null;
        if (node is not YamlScalarNode s || s.Value is null)
            throw new CatalogueException(entry, $"'{key}' must be text{At(node)}");
        return s.Value;
    }

    public static string String(YamlMappingNode map, string key, string entry) =>
        OptString(map, key, entry) is { Length: > 0 } s ? s : throw new CatalogueException(entry, $"'{key}' is required{At(map)}");

    public static bool Bool(YamlMappingNode map, string key, string entry, bool fallback)
    {
        var s = OptString(map, key, entry);
        return s switch
        {
            null => fallback,
            "true" => true,
            "false" => false,
            _ => throw new CatalogueException(entry, $"'{key}' must be true or false, not '{s}'"),
        };
    }

    public static double Number(YamlNode node, string entry, string what)
    {
        if (node is YamlScalarNode { Value: { } v } &&
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            return d;
        throw new CatalogueException(entry, $"{what} must be a number{At(node)}");
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode s && (s.Value is null or "" or "null" or "~") && s.Style == YamlDotNet.Core.ScalarStyle.Plain;

    public static IReadOnlyList<double> Numbers(YamlNode? node, string entry, string what)
    {
        if (node is YamlScalarNode) return [Number(node, entry, what)];
        var seq = Seq(node, entry, what);
        return seq.Children.Select(n => Number(n, entry, what)).ToList();
    }

    public static string At(YamlNode? node) => node is null ? "" : $" (line {node.Start.Line})";
}
