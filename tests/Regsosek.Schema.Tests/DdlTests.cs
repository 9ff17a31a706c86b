using DuckDB.NET.Data;

namespace Regsosek.Schema.Tests;

/// <summary>The DDL from the dictionary creates DuckDB tables whose columns and types are the dictionary's.</summary>
public class DdlTests
{
    [Theory]
    [InlineData(TableKind.Keluarga)]
    [InlineData(TableKind.Individu)]
    public void CreateTableSql_creates_the_dictionary_columns_in_order(TableKind table)
    {
        using var con = new DuckDBConnection(DuckDBConnectionStringBuilder.InMemoryConnectionString);
        con.Open();
        var name = "t_" + TableNames.Of(table);
        Command(con, DataDictionary.Default.CreateTableSql(table, name)).ExecuteNonQuery();

        var actual = new List<(string Name, string Type)>();
        using (var result = Command(con, $"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{name}' ORDER BY ordinal_position").ExecuteReader())
        {
            while (result.Read())
                actual.Add((result.GetString(0), result.GetString(1)));
        }
        var expected = DataDictionary.Default.Columns(table).Select(v => (v.Column, v.SqlType)).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Universe_rules_are_valid_DuckDB_over_the_dictionary_tables()
    {
        using var con = new DuckDBConnection(DuckDBConnectionStringBuilder.InMemoryConnectionString);
        con.Open();
        foreach (var t in new[] { TableKind.Keluarga, TableKind.Individu })
        {
            Command(con, DataDictionary.Default.CreateTableSql(t, TableNames.Of(t))).ExecuteNonQuery();
            foreach (var v in DataDictionary.Default.Columns(t).Where(v => v.UniverseRule is not null))
                Assert.Equal(0L, Command(con, $"SELECT count(*) FROM {TableNames.Of(t)} WHERE {v.UniverseRule!.ToSql()}").ExecuteScalar());
        }
    }

    private static DuckDBCommand Command(DuckDBConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}
