using Regsosek.DuckDb;

namespace Regsosek.Schema.Tests;

/// <summary>The DDL from the dictionary creates DuckDB tables whose columns and types are the dictionary's.</summary>
public class DdlTests
{
    [Theory]
    [InlineData(TableKind.Keluarga)]
    [InlineData(TableKind.Individu)]
    public void CreateTableSql_creates_the_dictionary_columns_in_order(TableKind table)
    {
        using var db = DuckDbDatabase.Open();
        using var con = db.Connect();
        var name = "t_" + TableNames.Of(table);
        con.Execute(DataDictionary.Default.CreateTableSql(table, name));

        var actual = new List<(string Name, string Type)>();
        using (var result = con.Query($"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{name}' ORDER BY ordinal_position"))
        {
            while (result.FetchChunk() is { } chunk)
            {
                using (chunk)
                {
                    for (int i = 0; i < chunk.RowCount; i++)
                        actual.Add((chunk.GetVector(0).GetString(i), chunk.GetVector(1).GetString(i)));
                }
            }
        }
        var expected = DataDictionary.Default.Columns(table).Select(v => (v.Column, v.SqlType)).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Universe_rules_are_valid_DuckDB_over_the_dictionary_tables()
    {
        using var db = DuckDbDatabase.Open();
        using var con = db.Connect();
        foreach (var t in new[] { TableKind.Keluarga, TableKind.Individu })
        {
            con.Execute(DataDictionary.Default.CreateTableSql(t, TableNames.Of(t)));
            foreach (var v in DataDictionary.Default.Columns(t).Where(v => v.UniverseRule is not null))
                Assert.Equal(0L, con.ExecuteScalar<long>($"SELECT count(*) FROM {TableNames.Of(t)} WHERE {v.UniverseRule!.ToSql()}"));
        }
    }
}
