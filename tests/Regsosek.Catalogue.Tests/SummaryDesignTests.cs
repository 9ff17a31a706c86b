using Regsosek.Catalogue.Summaries;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Catalogue.Tests;

/// <summary>schema/summaries.yaml: the embedded design loads, and a bad entry is refused naming it.</summary>
public sealed class SummaryDesignTests
{
    private static readonly IndicatorCatalogue Catalogue = IndicatorCatalogue.Load(DataDictionary.Default);

    [Fact]
    public void The_embedded_design_has_count_summaries_and_distributions_of_catalogue_numerics()
    {
        var design = SummaryDesign.Load(Catalogue);
        Assert.Contains(design.Specs, s => s.Name == "persons__sex__age_group_5y" && s.Numeric is null);
        var floor = Assert.Single(design.Distributions, d => d.Name == "values__floor_area_per_capita__urban_rural");
        Assert.Equal(Unit.Families, floor.Unit);
        Assert.Equal("floor_area_per_capita", floor.Numeric!.Id);
        Assert.All(design.Distributions, d => Assert.All(d.Dimensions, x => Assert.True(x.AppliesTo(d.Unit))));
        Assert.Equal(design.Specs.Count + design.Distributions.Count, design.All.Count());
    }

    [Theory]
    [InlineData("distributions:\n  - numeric: no_such\n    dimensions: []", "distributions[0]", "unknown numeric 'no_such'")]
    [InlineData("distributions:\n  - numeric: age\n    dimensions: [desil_keluarga_only]", "distributions[0]", "unknown dimension")]
    [InlineData("distributions:\n  - numeric: floor_area\n    dimensions: [sex]", "distributions[0]", "does not apply to families")]
    [InlineData("distributions:\n  - numeric: age\n    dimensions: [region]", "distributions[0]", "the region is in every summary")]
    [InlineData("distributions:\n  - numeric: age\n    dimensions: [sex]\n  - numeric: age\n    dimensions: [sex]", "distributions[1]", "listed twice")]
    [InlineData("distributions:\n  - numeric: age\n    dimensions: []\n    level: village", "distributions[0]", "level")]
    public void A_bad_distribution_is_refused_naming_the_entry(string distributions, string entry, string message)
    {
        var yaml = "summaries:\n  - unit: persons\n    dimensions: []\n" + distributions + "\n";
        var e = Assert.Throws<CatalogueException>(() => SummaryDesign.Load(Catalogue, yaml));
        Assert.Contains(entry, e.Message);
        Assert.Contains(message, e.Message);
    }
}
