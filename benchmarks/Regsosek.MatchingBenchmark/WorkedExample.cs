using System.Text;
using DuckDB.NET.Data;
using Regsosek.Api;
using Regsosek.Core;
using Regsosek.Core.Policy;
using Regsosek.Engine;
using Regsosek.Extracts.Matching;
using Regsosek.Schema;

namespace Regsosek.MatchingBenchmark;

/// <summary>
/// The worked example of docs/matching.md: a DTKS-like list made from a dataset (persons living with families of desil
/// 1–5 in one regency, with some removed, some NIKs mistyped, and persons from elsewhere, made-up, invalid and repeated
/// NIKs added), matched by a tier-4 grant of that regency through MatchingEngine, printed as Markdown.
/// </summary>
internal static class WorkedExample
{
    public static int Run(string datasetDir, string regency)
    {
        var partitions = DatasetPartitions.Scan(datasetDir);
        var scope = RegionCode.Parse(regency);
        var glob = partitions.Glob(TableKind.Individu, RegionCode.National).Replace("'", "''");
        var persons = new List<(string Nik, long Regency, int Desil, int Presence)>();
        using (var db = new DuckDBConnection("DataSource=:memory:"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT r403, regency_code::BIGINT, desil::INTEGER, r404::INTEGER FROM read_parquet('{glob}', {DatasetLayout.HiveOptions}) ORDER BY person_id";
            using var r = cmd.ExecuteReader();
            while (r.Read()) persons.Add((r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.GetInt32(3)));
        }
        var taken = persons.Select(p => p.Nik).ToHashSet();
        var dtks = persons.Where(p => p.Regency == scope.Numeric && p.Presence is 1 or 5 && p.Desil <= 5).ToList();
        var list = new List<(string Nik, string Key, string Note)>();
        int removed = 0, changed = 0;
        for (int i = 0; i < dtks.Count; i++)
        {
            if (i % 10 == 9) { removed++; continue; }                       // left off the list
            var nik = dtks[i].Nik;
            if (i % 25 == 7)
            {                                                               // mistyped: last digit changed
                nik = nik[..15] + (char)('0' + (nik[15] - '0' + 1) % 10);
                changed++;
            }
            list.Add((nik, $"DTKS-{i + 1:D5}", ""));
        }
        var elsewhere = persons.Where(p => p.Regency != scope.Numeric && p.Presence is 1 or 5).Take(40).ToList();
        list.AddRange(elsewhere.Select((p, i) => (p.Nik, $"PINDAH-{i + 1:D3}", "")));
        int madeUp = 0;
        foreach (var p in dtks.Take(20))
        {
            for (int serial = 9999; ; serial--)
                if (!taken.Contains(p.Nik[..12] + serial.ToString("D4"))) { list.Add((p.Nik[..12] + serial.ToString("D4"), $"BARU-{++madeUp:D3}", "")); break; }
        }
        string[] invalid = ["3273", "32730A1501900001", "3273011399000001", "3273010000000000", "0000001501900001"];
        list.AddRange(invalid.Select((n, i) => (n, $"SALAH-{i + 1:D3}", "")));
        list.AddRange(list.Take(15).ToList().Select((r, i) => (r.Nik, $"GANDA-{i + 1:D3}", "")));

        var regions = RegionDirectory.Load(datasetDir);
        var engine = new MatchingEngine(partitions);
        var caller = new Caller(new Grant
        {
            Id = "g_example", Organisation = "Dinas Sosial", Unit = "Bidang Data", Tier = Tier.Bnba, Region = scope, Purpose = "pemadanan DTKS",
            ValidFrom = DateTimeOffset.UtcNow.AddDays(-1), ValidUntil = DateTimeOffset.UtcNow.AddDays(1),
        });
        var effective = engine.Decide(caller, MatchMode.Rows, true);
        var md = new StringBuilder();
        md.Append($"List: {dtks.Count:N0} persons of {regency} living with families of desil 1–5, {removed} left off, {changed} NIKs mistyped; ");
        md.Append($"plus {elsewhere.Count} persons of other regencies, {madeUp} made-up NIKs, {invalid.Length} invalid, 15 repeats: {list.Count:N0} rows.\n\n");
        using var job = engine.Start(caller, effective, MatchingApi.DistrictCodes(regions).Contains);
        foreach (var row in list) job.Add(new MatchInputRow(row.Nik, "", row.Key));
        var counts = job.Match(MatchingApi.Breakdown(regions, effective, RegionLevel.District), RegionLevel.District, CancellationToken.None);
        var results = job.Results(CancellationToken.None).ToList();
        var byStatus = results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        md.Append("| rows | matched | not matched | invalid | duplicate |\n|--:|--:|--:|--:|--:|\n");
        md.Append($"| {counts.Submitted:N0} | {byStatus.GetValueOrDefault(MatchRowStatus.Matched):N0} | {byStatus.GetValueOrDefault(MatchRowStatus.NotMatched):N0} | ");
        md.Append($"{byStatus.GetValueOrDefault(MatchRowStatus.Invalid):N0} | {byStatus.GetValueOrDefault(MatchRowStatus.Duplicate):N0} |\n\n");
        md.Append("Matched by desil:\n\n| desil | " + string.Join(" | ", counts.ByDesil.Keys.Order()) + " |\n|---|" + string.Concat(counts.ByDesil.Keys.Select(_ => "--:|")) + "\n");
        md.Append("| persons | " + string.Join(" | ", counts.ByDesil.OrderBy(k => k.Key).Select(k => k.Value.Count.ToString("N0"))) + " |\n\n");
        md.Append("Matched by district:\n\n| district | matched |\n|---|--:|\n");
        foreach (var (code, c) in counts.ByRegion.OrderBy(k => k.Key))
            md.Append($"| {code} {regions.Get(RegionCode.Parse(code.ToString())).Name} | {c.Count:N0} |\n");
        md.Append($"\nExclusion-error candidates (in {regency}, living with the family, desil 1–4, not on the list): {counts.ExclusionCandidates.Count:N0}.\n\n");
        md.Append("Some answers (fields: " + string.Join(", ", job.Fields.Take(8).Select(f => f.Name)) + ", …):\n\n| row | key | status | answer |\n|--:|---|---|---|\n");
        foreach (var r in results.Where(r => r.Status == MatchRowStatus.Matched).Take(2)
                     .Concat(results.Where(r => r.Status != MatchRowStatus.Matched).DistinctBy(r => r.Problem?.Reason ?? r.Status.ToString()).Take(7)))
        {
            var answer = r.Status switch
            {
                MatchRowStatus.Matched => string.Join(", ", r.Record!.Take(8).Select(v => v?.ToString() ?? "NULL")) + ", …",
                MatchRowStatus.Invalid => $"{r.Problem!.Reason}: {r.Problem.Message}",
                MatchRowStatus.Duplicate => $"same NIK as row {r.DuplicateOf}",
                _ => "",
            };
            md.Append($"| {r.Row} | {r.Key} | {r.Status} | {answer} |\n");
        }
        Console.Write(md.ToString());
        return 0;
    }
}
