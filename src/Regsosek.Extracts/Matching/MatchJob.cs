using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using Regsosek.Core;
using Regsosek.Core.Identity;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Extracts.Matching;

/// <summary>One submitted row as the caller sent it.</summary>
public readonly record struct MatchInputRow(string Nik, string Kk, string Key);

/// <summary>The answer for one submitted row (see matching.proto's MatchResult).</summary>
public sealed record MatchRowResult(long Row, string Key, MatchRowStatus Status, NikProblem? Problem, long DuplicateOf,
    object?[]? Record, KkAgreement Kk);

/// <summary>What a submitted row is: in the grant's scope, not (or outside it: the same answer), not a valid NIK, or a repeat.</summary>
public enum MatchRowStatus
{
    /// <summary>A person in the grant's scope has this NIK.</summary>
    Matched,
    /// <summary>No person in the grant's scope has it (whether or not one outside it does).</summary>
    NotMatched,
    /// <summary>Not a possible NIK; the problem says why.</summary>
    Invalid,
    /// <summary>The same NIK as an earlier row, which answers for it.</summary>
    Duplicate,
}

/// <summary>How a submitted KK number compares with the registry's for a matched row.</summary>
public enum KkAgreement
{
    /// <summary>No KK number was submitted (or the row did not match).</summary>
    NotGiven,
    /// <summary>The same as the registry's.</summary>
    Same,
    /// <summary>Another than the registry's.</summary>
    Different,
}

/// <summary>Exact counts of a match, before disclosure control.</summary>
public sealed record MatchCounts
{
    public long Submitted { get; init; }
    public long Invalid { get; init; }
    public long Duplicate { get; init; }
    public long DistinctValid { get; init; }
    public KeyedCountValue Matched { get; init; }
    /// <summary>Desil 1–10 → matched.</summary>
    public required IReadOnlyDictionary<long, KeyedCountValue> ByDesil { get; init; }
    /// <summary>Region code (regency or district, <see cref="RegionLevel"/>) → matched.</summary>
    public required IReadOnlyDictionary<long, KeyedCountValue> ByRegion { get; init; }
    public RegionLevel RegionLevel { get; init; }
    public KeyedCountValue ExclusionCandidates { get; init; }
    /// <summary>SHA-256 of the submitted list in its canonical form (docs/matching.md), 64 lower-case hex digits.</summary>
    public required string ListSha256 { get; init; }
}

/// <summary>A count and the sum of its records' record_key (for cell-key perturbation).</summary>
public readonly record struct KeyedCountValue(long Count, long KeySum);

/// <summary>
/// One matching call: its own temp directory and DuckDB database. The caller's rows are validated
/// (<see cref="Nik.Check"/>) and appended to a table on disk (<see cref="ChunkAppender"/>) as they arrive, so server
/// memory stays bounded whatever the list's length; <see cref="Match"/> then joins the distinct valid NIKs with the
/// individu partitions of the scope (read through <see cref="DatasetPartitions.Glob"/> with the region's equalities,
/// so only the scope's partitions are read) and keeps the hits; results, summary counts and the exclusion list are
/// read back from there. <see cref="Dispose"/> closes the database and deletes the directory (on success, failure and
/// cancellation). Not thread-safe.
/// </summary>
public sealed class MatchJob : IDisposable
{
    private const int StatusValid = 0;
    private readonly DuckDBConnection _connection;
    private readonly ChunkAppender _appender;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Func<int, bool> _districtExists;
    private readonly DatasetPartitions _dataset;
    private readonly IReadOnlyList<MatchFieldInfo> _fields;
    private readonly MatchingOptions _options;
    private readonly List<(string Step, TimeSpan Elapsed)> _steps = [];
    private IReadOnlyList<RegionCode> _exclusionRegions = [];
    private int _pending;
    private long _rows, _invalid;
    private bool _matched;
    private string? _sha;

    internal MatchJob(DatasetPartitions dataset, RegionCode scope, IReadOnlyList<MatchFieldInfo> fields,
        Func<int, bool> districtExists, MatchingOptions options)
    {
        _dataset = dataset;
        Scope = scope;
        _fields = fields;
        _districtExists = districtExists;
        _options = options;
        Directory = Path.Combine(options.TempRoot, "regsosek-match-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        try
        {
            var spill = Path.Combine(Directory, "spill");
            System.IO.Directory.CreateDirectory(spill);
            _connection = DuckDbSettings.Open(Path.Combine(Directory, "match.duckdb"), new DuckDbSettings
            {
                Threads = options.Threads,
                MemoryLimit = options.MemoryLimit,
                TempDirectory = spill,
                PreserveInsertionOrder = false,
            });
            _connection.Execute("CREATE TABLE submitted (row BIGINT, status TINYINT, nik BIGINT, kk VARCHAR, key VARCHAR, reason VARCHAR)");
            _appender = new ChunkAppender(_connection, "submitted");
        }
        catch
        {
            _connection?.Dispose();
            DeleteDirectory();
            throw;
        }
    }

    /// <summary>The call's temp directory (deleted by <see cref="Dispose"/>).</summary>
    public string Directory { get; }

    /// <summary>The region the list is matched in.</summary>
    public RegionCode Scope { get; }

    /// <summary>The fields of a matched record, in order.</summary>
    public IReadOnlyList<MatchFieldInfo> Fields => _fields;

    /// <summary>How long each step of <see cref="Match"/> and <see cref="Results"/> took so far (for the benchmark's profile).</summary>
    public IReadOnlyList<(string Step, TimeSpan Elapsed)> Steps => _steps;

    private T Timed<T>(string step, Func<T> work)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = work();
        _steps.Add((step, System.Diagnostics.Stopwatch.GetElapsedTime(start)));
        return result;
    }

    private void Timed(string step, Action work) => Timed(step, () => { work(); return 0; });

    /// <summary>Rows added so far.</summary>
    public long RowsSubmitted => _rows;

    /// <summary>Validates and spools one row; the hash of the list takes it in its canonical form.</summary>
    public void Add(MatchInputRow row)
    {
        if (_matched) throw new InvalidOperationException("rows cannot be added after Match");
        var nik = row.Nik ?? "";
        var kk = row.Kk ?? "";
        var key = row.Key ?? "";
        // Canonical form: nik TAB kk TAB key LF, UTF-8, in the order sent.
        _hash.AppendData(Encoding.UTF8.GetBytes($"{nik}\t{kk}\t{key}\n"));
        var problem = Nik.Check(nik, _districtExists);
        int i = _pending;
        _appender.Column<long>(0)[i] = _rows;
        _appender.Column<sbyte>(1)[i] = (sbyte)(problem is null ? StatusValid : 1);
        // A valid NIK is 16 digits whose first two (the province) are at least 11: it fits a BIGINT, and the BIGINT's
        // text is the NIK again. The call's joins and sorts key on that number: with 16-character strings as keys the
        // join that puts the rows in order ran out of the call's 256 MB at 10 M rows; with BIGINTs it does not.
        if (problem is null) _appender.Column<long>(2)[i] = long.Parse(nik, System.Globalization.CultureInfo.InvariantCulture);
        else _appender.SetNull(2, i);
        _appender.SetString(3, i, Encoding.UTF8.GetBytes(kk));
        _appender.SetString(4, i, Encoding.UTF8.GetBytes(key));
        if (problem is null) _appender.SetNull(5, i);
        else
        {
            _appender.SetString(5, i, Encoding.UTF8.GetBytes(problem.Reason));
            _invalid++;
        }
        _rows++;
        if (++_pending == Chunks.Capacity) Flush();
    }

    private void Flush()
    {
        _appender.Append(_pending);
        _pending = 0;
    }

    /// <summary>SHA-256 of the list (after <see cref="Match"/>).</summary>
    public string ListSha256 => _sha ?? throw new InvalidOperationException("Match first");

    /// <summary>
    /// Ends the list, marks duplicates and joins with the registry in scope; returns the exact counts.
    /// <paramref name="breakdown"/>: every region of the breakdown level in scope (listed even when none matched).
    /// </summary>
    public MatchCounts Match(IReadOnlyList<long> breakdown, RegionLevel breakdownLevel, CancellationToken ct)
    {
        if (_matched) throw new InvalidOperationException("Match runs once");
        _matched = true;
        _exclusionRegions = breakdownLevel == RegionLevel.Regency && Scope.Level < RegionLevel.Regency
            ? breakdown.Select(code => RegionCode.FromNumeric(code, RegionLevel.Regency)).ToList()
            : [Scope];
        Flush();
        _appender.Close();
        _sha = Convert.ToHexStringLower(_hash.GetHashAndReset());

        // The first occurrence of each valid NIK answers for it (an invalid row's nik is NULL, so joining firsts on nik
        // finds nothing for it).
        Timed("distinct NIKs", () => _connection.Execute("CREATE TABLE firsts AS SELECT nik, min(row) AS first FROM submitted WHERE status = 0 GROUP BY nik", ct));

        var p = new List<QueryParameter>();
        string individu = Source(TableKind.Individu, "i", p);
        var select = new StringBuilder("f.nik, f.first, i.\"person_id\" AS __person, i.\"family_id\" AS __family, i.\"prov_code\" AS __prov, i.\"regency_code\" AS __regency, ")
            .Append("i.\"district_code\" AS __district, i.\"record_key\" AS __key, i.\"r404\" AS __r404, i.\"desil\" AS __desil");
        foreach (var f in _fields.Where(f => f.Variable.Table == TableKind.Individu))
            select.Append(", ").Append(Value(f, "i"));
        Timed("join with individu", () => _connection.Execute($"""
            CREATE TABLE hits AS
            SELECT {select}
            FROM firsts f JOIN {individu} ON i."r403" = CAST(f.nik AS VARCHAR)
            WHERE {ScopeWhere("i", p)}
            """, p, ct));
        // A NIK of several persons in scope (a registry error): the lowest person id answers. Found by a spillable
        // aggregate rather than a window over every hit (which ran out of DuckDB's memory limit at 2.5 M hits).
        Timed("NIKs of several persons", () =>
        {
            _connection.Execute("CREATE TABLE several AS SELECT nik, min(__person) AS keep FROM hits GROUP BY nik HAVING count(*) > 1", ct);
            _connection.Execute("DELETE FROM hits USING several WHERE hits.nik = several.nik AND hits.__person <> several.keep", ct);
        });

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        long distinct = _connection.Scalar<long>("SELECT count(*) FROM firsts", null, ct);
        var matched = Keyed("SELECT count(*), coalesce(sum(__key), 0)::BIGINT FROM hits", null, ct);
        var byDesil = new Dictionary<long, KeyedCountValue>();
        for (long d = 1; d <= 10; d++) byDesil[d] = default;
        foreach (var (g, c) in Grouped("__desil", ct)) if (byDesil.ContainsKey(g)) byDesil[g] = c;
        var byRegion = breakdown.ToDictionary(r => r, _ => default(KeyedCountValue));
        foreach (var (g, c) in Grouped(breakdownLevel == RegionLevel.Regency ? "__regency" : "__district", ct))
            byRegion[g] = c;

        var listed = Keyed($"SELECT count(*), coalesce(sum(__key), 0)::BIGINT FROM hits WHERE {ExclusionCondition("__r404", "__desil")}", null, ct);
        _steps.Add(("counts of the matched", System.Diagnostics.Stopwatch.GetElapsedTime(start)));
        var e = new List<QueryParameter>();
        var inScope = Timed("persons in scope of desil 1-4", () => Keyed($"""
            SELECT count(*), coalesce(sum(i."record_key"), 0)::BIGINT FROM {Source(TableKind.Individu, "i", e)}
            WHERE {ScopeWhere("i", e)} AND {ExclusionCondition("i.\"r404\"", "i.\"desil\"")}
            """, e, ct));

        return new MatchCounts
        {
            Submitted = _rows,
            Invalid = _invalid,
            Duplicate = _rows - _invalid - distinct,
            DistinctValid = distinct,
            Matched = matched,
            ByDesil = byDesil,
            ByRegion = byRegion,
            RegionLevel = breakdownLevel,
            ExclusionCandidates = new KeyedCountValue(inScope.Count - listed.Count, inScope.KeySum - listed.KeySum),
            ListSha256 = _sha,
        };
    }

    /// <summary>Living with the family (r404 1 or 5) and desil 1–4.</summary>
    private static string ExclusionCondition(string presence, string desil) => $"{presence} IN (1, 5) AND {desil} BETWEEN 1 AND 4";

    /// <summary>
    /// The results, one per submitted row in the caller's order, read from disk a chunk at a time. Memory stays under the
    /// call's DuckDB limit whatever the list's length: each side is first sorted into a table of its own, one sort after
    /// the other (each spills to the call's temp directory as it needs): the rows (with the first row of their NIK, from
    /// a spillable join) by position, and the matched records by the position of the row that answers for them. The two
    /// tables are then read side by side in their stored order (plain scans, a chunk each in memory) and merged here.
    /// Two ordered queries streamed at once (their sorts holding memory together) ran out of the 256 MB limit at 3 M
    /// rows against the 10 M nation; one query joining the records to the rows did too.
    /// </summary>
    public IEnumerable<MatchRowResult> Results(CancellationToken ct)
    {
        if (!_matched) throw new InvalidOperationException("Match first");
        var values = string.Concat(_fields.Select(f => ", " + ExtractPlanner.Quote(f.Name)));
        // Order-preserving inserts and scans from here on: each table holds its rows in sorted order and is read so.
        _connection.Execute("SET preserve_insertion_order = true", ct);
        Timed("rows in order", () => _connection.Execute("""
            CREATE OR REPLACE TABLE answers AS
            SELECT s.row, s.status, s.key, s.reason, s.kk, f.first FROM submitted s LEFT JOIN firsts f ON f.nik = s.nik
            ORDER BY s.row
            """, ct));
        // The family's fields for the matched families only, one row per hit (made for the results only: a summary
        // needs none). The join builds its hash table on the hits'
        // narrow keys and streams keluarga past it; the records are put side by side with the hits later, by position
        // (both ordered by the answering row), never by a hash join of two wide tables (that ran out of the 256 MB limit
        // with 850,000 hits against full-scale Jawa Barat).
        var familyFields = _fields.Where(f => f.Variable.Table == TableKind.Keluarga).ToList();
        var q = new List<QueryParameter>();
        string familyValues = familyFields.Count == 0 ? "" : ", " + string.Join(", ", familyFields.Select(f => Value(f, "k")));
        Timed("join with keluarga", () => _connection.Execute($"""
            CREATE TABLE families AS
            SELECT h.first AS __first, k."r114" AS __kk{familyValues}
            FROM (SELECT first, __family, __prov, __regency FROM hits) h
              LEFT JOIN (SELECT * FROM {Source(TableKind.Keluarga, "k", q)} WHERE {ScopeWhere("k", q)}) k
              ON k."family_id" = h.__family AND k."prov_code" = h.__prov AND k."regency_code" = h.__regency
            """, q, ct));

        var individuValues = string.Concat(_fields.Where(f => f.Variable.Table == TableKind.Individu).Select(f => ", " + ExtractPlanner.Quote(f.Name)));
        Timed("records in order", () =>
        {
            _connection.Execute($"CREATE OR REPLACE TABLE hits_in_order AS SELECT first{individuValues} FROM hits ORDER BY first", ct);
            _connection.Execute("CREATE OR REPLACE TABLE families_in_order AS SELECT * FROM families ORDER BY __first", ct);
        });
        using var records = DuckDbSettings.Connect(_connection);
        using var rows = ChunkStream.Open(_connection, "SELECT row, status, key, reason, kk, first FROM answers", null, ct);
        using var matched = ChunkStream.Open(records,
            $"SELECT h.first, f.__kk{values}, f.__first FROM hits_in_order h POSITIONAL JOIN families_in_order f", null, ct);
        int check = 2 + _fields.Count;
        long expected = 0;
        int m = 0;
        bool more = matched.Next();
        while (rows.Next())
        {
            ct.ThrowIfCancellationRequested();
            int n = rows.RowCount;
            for (int r = 0; r < n; r++)
            {
                long row = rows.Column<long>(0)[r];
                // The scan must give the stored order; anything else is a bug, and wrong answers must not leave.
                if (row != expected++) throw new InvalidOperationException($"results out of order: row {row} where {expected - 1} was due");
                var key = rows.String(2, r);
                if (rows.Column<sbyte>(1)[r] != StatusValid)
                {
                    var reason = rows.String(3, r);
                    yield return new MatchRowResult(row, key, MatchRowStatus.Invalid, new NikProblem(reason, NikReasons.Describe(reason)), 0, null, KkAgreement.NotGiven);
                    continue;
                }
                long first = rows.Column<long>(5)[r];
                if (first != row)
                {
                    yield return new MatchRowResult(row, key, MatchRowStatus.Duplicate, null, first, null, KkAgreement.NotGiven);
                    continue;
                }
                while (more)
                {
                    if (m == matched.RowCount)
                    {
                        more = matched.Next();
                        m = 0;
                    }
                    else if (matched.Column<long>(0)[m] < row)
                        // Every earlier answering row took its record already: a record left behind is out of order.
                        throw new InvalidOperationException($"matched records out of order at row {row}");
                    else break;
                }
                if (!more || matched.Column<long>(0)[m] != row)
                {
                    yield return new MatchRowResult(row, key, MatchRowStatus.NotMatched, null, 0, null, KkAgreement.NotGiven);
                    continue;
                }
                if (matched.Column<long>(check)[m] != row) throw new InvalidOperationException($"family records out of step at row {row}");
                var kk = rows.String(4, r);
                var agreement = kk.Length == 0 ? KkAgreement.NotGiven
                    : matched.IsValid(1, m) && matched.String(1, m) == kk ? KkAgreement.Same : KkAgreement.Different;
                yield return new MatchRowResult(row, key, MatchRowStatus.Matched, null, 0, Record(matched, 2, m), agreement);
                m++;
            }
        }
    }

    /// <summary>
    /// The exclusion-error candidates (in scope, r404 1 or 5, desil 1–4, NIK not matched), as records. Read one regency at
    /// a time (for a province or the nation: every regency of the breakdown), so the join of a regency's persons with its
    /// families is what DuckDB holds, whatever the scope's size.
    /// </summary>
    public IEnumerable<object?[]> Exclusions(CancellationToken ct)
    {
        if (!_matched) throw new InvalidOperationException("Match first");
        foreach (var region in _exclusionRegions)
        {
            var p = new List<QueryParameter>();
            var individu = Source(TableKind.Individu, "i", p, region);
            var keluarga = Source(TableKind.Keluarga, "k", p, region);
            var columns = string.Join(", ", _fields.Select(f => Value(f, f.Variable.Table == TableKind.Individu ? "i" : "k")));
            var sql = $"""
                SELECT {columns}
                FROM {individu} JOIN {keluarga}
                  ON k."family_id" = i."family_id" AND k."prov_code" = i."prov_code" AND k."regency_code" = i."regency_code"
                WHERE {ScopeWhere("i", p, region)} AND {ExclusionCondition("i.\"r404\"", "i.\"desil\"")}
                  AND i."r403" NOT IN (SELECT CAST(nik AS VARCHAR) FROM hits)
                """;
            using var stream = ChunkStream.Open(_connection, sql, p, ct);
            while (stream.Next())
            {
                ct.ThrowIfCancellationRequested();
                for (int r = 0; r < stream.RowCount; r++) yield return Record(stream, 0, r);
            }
        }
    }

    private object?[] Record(ChunkStream stream, int offset, int r)
    {
        var values = new object?[_fields.Count];
        for (int j = 0; j < values.Length; j++)
        {
            int c = offset + j;
            if (!stream.IsValid(c, r)) continue;
            values[j] = _fields[j].IsText ? stream.String(c, r) : stream.Column<long>(c)[r];
        }
        return values;
    }

    private KeyedCountValue Keyed(string sql, IReadOnlyList<QueryParameter>? p, CancellationToken ct)
    {
        using var stream = ChunkStream.Open(_connection, sql, p, ct);
        stream.Next();
        return new KeyedCountValue(stream.Column<long>(0)[0], stream.Column<long>(1)[0]);
    }

    private List<(long Group, KeyedCountValue Count)> Grouped(string column, CancellationToken ct)
    {
        var result = new List<(long, KeyedCountValue)>();
        using var stream = ChunkStream.Open(_connection,
            $"SELECT {column}::BIGINT, count(*), coalesce(sum(__key), 0)::BIGINT FROM hits WHERE {column} IS NOT NULL GROUP BY 1", null, ct);
        while (stream.Next())
            for (int r = 0; r < stream.RowCount; r++)
                result.Add((stream.Column<long>(0)[r], new KeyedCountValue(stream.Column<long>(1)[r], stream.Column<long>(2)[r])));
        return result;
    }

    private static string Value(MatchFieldInfo f, string alias) =>
        $"{alias}.{ExtractPlanner.Quote(f.Name)}::{(f.IsText ? "VARCHAR" : "BIGINT")} AS {ExtractPlanner.Quote(f.Name)}";

    private string Source(TableKind table, string alias, List<QueryParameter> p, RegionCode? region = null)
    {
        p.Add(new StringParameter(_dataset.Glob(table, region ?? Scope)));
        return $"read_parquet(${p.Count}, {DatasetLayout.HiveOptions}) AS {alias}";
    }

    /// <summary>The scope's region equalities (province down to the scope's level), as extracts restrict by region.</summary>
    private string ScopeWhere(string alias, List<QueryParameter> p, RegionCode? region = null)
    {
        var scope = region ?? Scope;
        var where = new List<string> { "TRUE" };
        for (var level = RegionLevel.Province; level <= scope.Level; level++)
        {
            p.Add(new Int64Parameter(scope.AncestorAt(level).Numeric));
            where.Add($"{alias}.{ExtractPlanner.Quote(level.ColumnName())} = ${p.Count}");
        }
        return string.Join(" AND ", where);
    }

    /// <summary>Closes the database and deletes the temp directory.</summary>
    public void Dispose()
    {
        try { _appender.Dispose(); } catch (Exception) { /* the database is going anyway */ }
        _connection.Dispose();
        _hash.Dispose();
        DeleteDirectory();
    }

    private void DeleteDirectory()
    {
        try
        {
            if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
