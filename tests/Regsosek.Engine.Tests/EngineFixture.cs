using Regsosek.Catalogue;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>One catalogue, planner and engine shared by a test class.</summary>
public sealed class EngineFixture : IDisposable
{
    public IndicatorCatalogue Catalogue { get; } = IndicatorCatalogue.Load(DataDictionary.Default);
    public QueryPlanner Planner { get; }
    public AggregateEngine Engine { get; } = new(new AggregateEngineOptions { Threads = 1, MaxConcurrentQueries = 4 });

    public EngineFixture() => Planner = new QueryPlanner(Catalogue);

    public void Dispose() => Engine.Dispose();
}
