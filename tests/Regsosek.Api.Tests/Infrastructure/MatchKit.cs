using DuckDB.NET.Data;
using Grpc.Core;
using Regsosek.Api.V1;

namespace Regsosek.Api.Tests.Infrastructure;

/// <summary>A person of the generated sample, as the tests read it straight from the Parquet files.</summary>
public sealed record SamplePerson(string Nik, long Regency, long District, long Village, int? Desil, int Presence);

/// <summary>Everything one Match call returned, in order.</summary>
public sealed class MatchRun
{
    public List<MatchResponse> Messages { get; } = [];
    public MatchHeader Header => Messages.First(m => m.PayloadCase == MatchResponse.PayloadOneofCase.Header).Header;
    public List<MatchResult> Results => Messages.Where(m => m.PayloadCase == MatchResponse.PayloadOneofCase.Results).SelectMany(m => m.Results.Results).ToList();
    public MatchSummary Summary => Messages.Single(m => m.PayloadCase == MatchResponse.PayloadOneofCase.Summary).Summary;
    public List<MatchedRecord> Exclusions => Messages.Where(m => m.PayloadCase == MatchResponse.PayloadOneofCase.Exclusion).SelectMany(m => m.Exclusion.Records).ToList();

    /// <summary>The value of field <paramref name="name"/> in <paramref name="record"/>.</summary>
    public MatchValue Field(MatchedRecord record, string name) => record.Values[Header.Fields.Select(f => f.Name).ToList().IndexOf(name)];
}

/// <summary>The sample's persons, and the matching client (typed grpc-dotnet, bidi stream).</summary>
public static class MatchKit
{
    private static List<SamplePerson>? _persons;

    /// <summary>Every person of the dataset in <paramref name="datasetDirectory"/> (read once).</summary>
    public static IReadOnlyList<SamplePerson> Persons(string datasetDirectory)
    {
        if (_persons is not null) return _persons;
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT r403, regency_code::BIGINT, district_code::BIGINT, village_code::BIGINT, desil::INTEGER, r404::INTEGER
            FROM read_parquet('{datasetDirectory.Replace("'", "''")}/individu/*/*/*.parquet', hive_partitioning = true) ORDER BY person_id
            """;
        var list = new List<SamplePerson>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            list.Add(new SamplePerson(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetInt32(5)));
        return _persons = list;
    }

    /// <summary>A well-formed NIK of the same district and birth date as <paramref name="nik"/> that no sample person has.</summary>
    public static string Unknown(string datasetDirectory, string nik)
    {
        var taken = Persons(datasetDirectory).Select(p => p.Nik).ToHashSet();
        for (int serial = 9999; serial > 0; serial--)
        {
            var candidate = nik[..12] + serial.ToString("D4");
            if (!taken.Contains(candidate)) return candidate;
        }
        throw new InvalidOperationException("no free serial");
    }

    public static MatchRow Row(string nik, string key, string kk = "") => new() { Nik = nik, Key = key, Kk = kk };

    /// <summary>Runs one Match call: options, the rows in batches of <paramref name="batchRows"/>, half-close, read all.</summary>
    public static async Task<MatchRun> RunAsync(string address, string token, MatchMode mode, IEnumerable<MatchRow> rows,
        bool exclusionList = false, int batchRows = 1000, CancellationToken cancel = default)
    {
        var client = new MatchingService.MatchingServiceClient(ApiClient.Channel(address));
        using var call = client.Match(new Metadata { { "authorization", "Bearer " + token } }, DateTime.UtcNow.AddMinutes(2), cancel);
        var run = new MatchRun();
        var reading = Task.Run(async () =>
        {
            await foreach (var m in call.ResponseStream.ReadAllAsync(cancel)) run.Messages.Add(m);
        }, cancel);
        try
        {
            await call.RequestStream.WriteAsync(new MatchRequest { Options = new MatchOptions { Mode = mode, ExclusionList = exclusionList } }, cancel);
            foreach (var chunk in rows.Chunk(batchRows))
            {
                var batch = new MatchBatch();
                batch.Rows.AddRange(chunk);
                await call.RequestStream.WriteAsync(new MatchRequest { Batch = batch }, cancel);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // the server refused early; the reading task carries the status
        }
        catch (InvalidOperationException)
        {
            // the call already ended (refused); the reading task carries the status
        }
        await reading;
        return run;
    }
}
