namespace Regsosek.Schema.Tests;

/// <summary>The plain parameter values query plans carry.</summary>
public class QueryParameterTests
{
    [Fact]
    public void Parameters_compare_by_value_lists_element_by_element()
    {
        Assert.True(new Int64ListParameter(new List<long> { 1, 2 }).SameValue(new Int64ListParameter(new long[] { 1, 2 })));
        Assert.False(new Int64ListParameter([1, 2]).SameValue(new Int64ListParameter([2, 1])));
        Assert.True(new DoubleListParameter([0.1, 0.9]).SameValue(new DoubleListParameter(new List<double> { 0.1, 0.9 })));
        Assert.False(new DoubleListParameter([0.1]).SameValue(new Int64ListParameter([0])));
        Assert.False(new Int64Parameter(5).SameValue(new DoubleParameter(5)));
        Assert.True(QueryParameter.SameValues([new Int64Parameter(5), new Int64ListParameter([1])], [new Int64Parameter(5), new Int64ListParameter(new List<long> { 1 })]));
        Assert.False(QueryParameter.SameValues([new Int64Parameter(5)], [new Int64Parameter(5), new Int64Parameter(5)]));
    }

    [Fact]
    public void Lists_are_handed_to_the_client_as_arrays_of_their_values()
    {
        Assert.Equal(new long[] { 3, 1 }, new Int64ListParameter(new List<long> { 3, 1 }).ClrValue);
        Assert.Equal(new double[] { 0.5 }, new DoubleListParameter([0.5]).ClrValue);
        Assert.Equal(3273L, new Int64Parameter(3273).ClrValue);
        Assert.Equal("x", new StringParameter("x").ClrValue);
    }
}
