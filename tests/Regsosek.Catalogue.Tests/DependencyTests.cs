namespace Regsosek.Catalogue.Tests;

/// <summary>Query plans are plain data: the planner needs no database client.</summary>
public class DependencyTests
{
    [Fact]
    public void The_catalogue_and_the_assemblies_it_references_do_not_reference_DuckDB()
    {
        var catalogue = typeof(QueryPlan).Assembly;
        var names = catalogue.GetReferencedAssemblies()
            .Concat(catalogue.GetReferencedAssemblies()
                .Where(a => a.Name!.StartsWith("Regsosek.", StringComparison.Ordinal))
                .SelectMany(a => System.Reflection.Assembly.Load(a).GetReferencedAssemblies()))
            .Select(a => a.Name!)
            .ToList();
        Assert.Contains("Regsosek.Schema", names);
        Assert.DoesNotContain(names, n => n.Contains("DuckDB", StringComparison.OrdinalIgnoreCase));
    }
}
