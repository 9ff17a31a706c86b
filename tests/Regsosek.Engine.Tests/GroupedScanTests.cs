using Regsosek.Catalogue;
using Regsosek.Core;
using Regsosek.Core.Aggregates;
using Regsosek.Schema;

namespace Regsosek.Engine.Tests;

/// <summary>
/// The grouped scan groups a one-column dimension (a region level, a dictionary variable) by the column as stored and
/// makes the dimension's key once a group: a missing value must still land under the key "not applicable" (-1), in one
/// cell with a stored -1 (bad data, but the key of both), every cell and margin with its exact count and record-key sum.
/// </summary>
public sealed class GroupedScanTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task A_column_dimension_grouped_as_stored_keeps_missing_values_under_not_applicable_in_every_cell_and_margin()
    {
        using var data = new TestDataset();
        Row Lighting(int? code) => Row.Of(("r307a", code is null ? null : (object)(sbyte)code.Value));
        var written = new List<(long Regency, long Key, long RecordKey)>();
        foreach (var (regency, codes) in new (int, int?[])[] { (3201, [null, null, 1, 1, 1, 4]), (3202, [1, null, 2, -1]) })
        {
            foreach (var row in data.Write(TableKind.Keluarga, regency, codes.Select(Lighting).ToList()))
                written.Add((regency, row["r307a"] is { } v ? Convert.ToInt64(v) : -1, Convert.ToInt64(row["record_key"])));
        }
        var scope = RegionCode.Parse("32");
        var plan = fx.Planner.PlanAggregate(new AggregateRequest(["family_count"], scope, RegionLevel.Regency, ["lighting"], []), scope, data.Directory);
        Assert.Contains("GROUP BY regency_code, r307a", plan.Sql); // grouped by the columns as stored

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        var expected = new Dictionary<(long?, long?), KeyedCount>();
        void Add((long?, long?) cell, long recordKey) =>
            expected[cell] = expected.TryGetValue(cell, out var c) ? new KeyedCount(c.Count + 1, c.KeySum + recordKey) : new KeyedCount(1, recordKey);
        foreach (var (regency, key, recordKey) in written)
        {
            Add((regency, key), recordKey);
            Add((regency, null), recordKey);
            Add((null, key), recordKey);
            Add((null, null), recordKey);
        }
        var actual = table.Rows.ToDictionary(r => (r.Keys[0], r.Keys[1]), r => Assert.Single(r.Values).Numerator);
        Assert.Equal(expected.OrderBy(e => e.Key.ToString()), actual.OrderBy(e => e.Key.ToString()));
        Assert.Equal(new KeyedCount(4, written.Where(w => w.Key == -1).Sum(w => w.RecordKey)), actual[(null, -1L)]);
    }

    [Fact]
    public async Task Age_bands_made_once_a_group_over_the_stored_age_give_every_cell_of_the_pyramid_exactly()
    {
        using var data = new TestDataset();
        int?[] ages = [0, 4, 5, 9, 10, 44, 45, 74, 75, 76, 120, null, 4, 75];
        var rows = ages.Select((age, i) => Row.Of(("r405", (object)(sbyte)(i % 2 + 1)),
            ("r407", age is null ? null : (object)(short)age.Value))).ToList();
        var written = data.Write(TableKind.Individu, 3201, rows);
        var scope = RegionCode.Parse("32");
        var plan = fx.Planner.PlanAggregate(new AggregateRequest(["population"], scope, null, ["sex", "age_group_5y"], []), scope, data.Directory);
        Assert.Contains("GROUP BY r405, r407", plan.Sql);

        var table = await fx.Engine.ExecuteAsync(plan, CancellationToken.None);

        static long Band(object? age) => age is null ? -1 : Math.Min(Convert.ToInt64(age) / 5, 15) + 1;
        var expected = new Dictionary<(long?, long?), KeyedCount>();
        foreach (var row in written)
        {
            long sex = Convert.ToInt64(row["r405"]), band = Band(row["r407"]), key = Convert.ToInt64(row["record_key"]);
            foreach (var cell in new (long?, long?)[] { (sex, band), (sex, null), (null, band), (null, null) })
                expected[cell] = expected.TryGetValue(cell, out var c) ? new KeyedCount(c.Count + 1, c.KeySum + key) : new KeyedCount(1, key);
        }
        var actual = table.Rows.ToDictionary(r => (r.Keys[0], r.Keys[1]), r => Assert.Single(r.Values).Numerator);
        Assert.Equal(expected.OrderBy(e => e.Key.ToString()), actual.OrderBy(e => e.Key.ToString()));
        Assert.Equal(4, actual[(null, 16L)].Count); // 75, 76, 120 and 75 again: the open band
        Assert.Equal(1, actual[(null, -1L)].Count); // no age: not applicable

        // Two bandings of the one age column: grouped by it once, each band made over it.
        var both = fx.Planner.PlanAggregate(new AggregateRequest(["population"], scope, null, ["age_group_5y", "age_broad"], []), scope, data.Directory);
        var broad = (await fx.Engine.ExecuteAsync(both, CancellationToken.None)).Rows
            .Where(r => r.Keys[0] is null).ToDictionary(r => r.Keys[1] ?? long.MinValue, r => Assert.Single(r.Values).Numerator.Count);
        Assert.Equal(new Dictionary<long, long> { [long.MinValue] = 14, [1] = 3, [2] = 3, [4] = 2, [5] = 5, [-1] = 1 }, broad); // MinValue: the margin
    }
}
