using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Regsosek.Core;
using DuckDB.NET.Data;
using Regsosek.DataAccess;
using Regsosek.Schema;

namespace Regsosek.Generator;

/// <summary>
/// Generates a national synthetic Regsosek dataset: <c>keluarga</c> and <c>individu</c> as
/// hive-partitioned Parquet (zstd) under <c>&lt;out&gt;/{table}/prov_code=PP/regency_code=RRRR/data.parquet</c>,
/// the region reference tables under <c>&lt;out&gt;/wilayah/</c> with idn-area-data's licence, and
/// <c>manifest.json</c>.
/// <para>Two passes over the regencies, each in parallel: the first simulates every family to count
/// welfare scores per bin (<see cref="WelfareRanking"/>), the second simulates them again — same
/// streams, same families — and writes them with their national desil and percentile. Each regency
/// has its own random streams derived from (seed, regency code), so the output does not depend on
/// the number of threads.</para>
/// </summary>
public sealed class DatasetGenerator
{
    /// <summary>Version recorded in the manifest; bump when the output for a seed changes.</summary>
    public const string GeneratorVersion = "1.0.0";

    internal const ulong CoreStream = 0, IdentityStream = 1, SizeStream = 2;
    /// <summary>Runs the generator.</summary>
    /// <exception cref="ArgumentException">Bad options; the message says what to fix.</exception>
    public async Task<GenerationResult> RunAsync(GeneratorOptions o, IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        Validate(o);
        var clock = Stopwatch.StartNew();
        var dictionary = DataDictionary.Default;
        var catalog = RegionCatalog.Load(o.RegionDataDirectory);
        var only = o.Regencies?.Select(ParseRegency).ToHashSet();
        var plan = PopulationPlan.Create(catalog, o.Persons, only);
        // Largest regencies first, so the last worker does not start a large regency at the end.
        var jobs = plan.Regencies.Where(r => r.Persons > 0).OrderByDescending(r => r.Persons).ThenBy(r => r.Regency.Code).ToList();
        int workers = Math.Max(1, Math.Min(o.Threads ?? Environment.ProcessorCount, Math.Max(1, jobs.Count)));

        Directory.CreateDirectory(o.OutputDirectory);
        var tempDir = Path.Combine(o.OutputDirectory, ".tmp");

        // Pass 1: welfare-score histogram.
        var counter = new ProgressCounter(progress, o.Persons, "scoring");
        var histograms = await RunWorkers(jobs, workers, () => new long[WelfareRanking.Bins], (job, hist) =>
        {
            Simulate(o.Seed, job.Regency, job.Persons, ct, counter, (f, _) => hist[f.ScoreBin]++);
        }, ct).ConfigureAwait(false);
        var histogram = new long[WelfareRanking.Bins];
        foreach (var h in histograms)
            for (int b = 0; b < histogram.Length; b++) histogram[b] += h[b];
        var ranking = WelfareRanking.FromHistogram(histogram);
        histograms.Clear();

        // Pass 2: write.
        counter = new ProgressCounter(progress, o.Persons, "writing");
        var files = new ConcurrentBag<ManifestFile>();
        long families = 0, persons = 0;
        var keluargaColumns = FileColumns(dictionary, TableKind.Keluarga);
        var individuColumns = FileColumns(dictionary, TableKind.Individu);
        await RunWorkers(jobs, workers, () => new RegencyWriter(o, tempDir, keluargaColumns, individuColumns), (job, writer) =>
        {
            var (k, i) = writer.Write(job.Regency, job.Persons, ranking, ct, counter, o.Seed, files);
            Interlocked.Add(ref families, k);
            Interlocked.Add(ref persons, i);
        }, ct, writer => writer.Dispose()).ConfigureAwait(false);

        progress?.Report(new GenerationProgress(o.Persons, o.Persons, "reference tables"));
        foreach (var f in WriteRegionTables(o, catalog, tempDir)) files.Add(f);
        if (Directory.Exists(tempDir)) Directory.Delete(tempDir, recursive: true);

        var manifest = new DatasetManifest
        {
            GeneratorVersion = GeneratorVersion,
            SchemaVersion = dictionary.SchemaVersion,
            Seed = o.Seed,
            Persons = persons,
            Families = families,
            Regencies = only?.Order().Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList(),
            Tables = new SortedDictionary<string, long> { [TableNames.Keluarga] = families, [TableNames.Individu] = persons },
            Partitioning = DatasetLayout.PartitionColumns,
            Files = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(),
        };
        var manifestPath = Path.Combine(o.OutputDirectory, DatasetLayout.ManifestFileName);
        manifest.Write(manifestPath);
        long bytes = manifest.Files.Sum(f => f.Bytes) + new FileInfo(manifestPath).Length;
        progress?.Report(new GenerationProgress(o.Persons, o.Persons, "done"));
        return new GenerationResult(families, persons, clock.Elapsed, bytes, manifestPath);
    }

    /// <summary>The columns stored in the Parquet files: the dictionary's, without the partition columns.</summary>
    public static IReadOnlyList<Variable> FileColumns(DataDictionary dictionary, TableKind table) =>
        dictionary.Columns(table).Where(v => !DatasetLayout.IsPartitionColumn(v.Column)).ToList();

    private static void Validate(GeneratorOptions o)
    {
        if (o.Persons <= 0) throw new ArgumentException($"--persons must be positive (got {o.Persons}); full scale is 251000000");
        if (string.IsNullOrWhiteSpace(o.OutputDirectory)) throw new ArgumentException("--out is required: the dataset directory to create");
        if (Directory.Exists(o.OutputDirectory) && Directory.EnumerateFileSystemEntries(o.OutputDirectory).Any())
            throw new ArgumentException($"output directory {o.OutputDirectory} is not empty; choose a new directory or delete it");
        if (!Directory.Exists(o.RegionDataDirectory))
            throw new ArgumentException($"region data directory {o.RegionDataDirectory} does not exist; run scripts/bootstrap (it installs .deps/idn-area-data)");
        if (o.Threads is < 1) throw new ArgumentException($"threads must be at least 1 (got {o.Threads})");
    }

    private static int ParseRegency(string text)
    {
        if (!RegionCode.TryParse(text, out var code, out var error)) throw new ArgumentException(error);
        if (code.Level != RegionLevel.Regency)
            throw new ArgumentException($"'{text}' is a {code.Level.ToString().ToLowerInvariant()} code; --regencies takes 4-digit regency/city codes such as 3201");
        return (int)code.Numeric;
    }

    /// <summary>
    /// Simulates the families of a regency, village by village, calling <paramref name="onFamily"/> for
    /// each. First the family sizes are drawn (their own stream) until they hold exactly
    /// <paramref name="persons"/> rows (only the last family is cut to fit); then the families are
    /// spread over the villages in proportion to the village weights, so even a small sample keeps
    /// realistic family sizes.
    /// </summary>
    internal static void Simulate(ulong seed, Regency regency, long persons, CancellationToken ct, ProgressCounter? counter,
        Action<Family, Village> onFamily, Action<Village>? onVillage = null)
    {
        var sizes = DrawSizes(new Rng(seed, (ulong)regency.Code, SizeStream), persons);
        var core = new Rng(seed, (ulong)regency.Code, CoreStream);
        var sim = new FamilySimulator(core);
        var profile = ProvinceTable.Of(regency.ProvinceCode);
        var setting = new RegionSetting(ProvinceEffect(profile), profile.PigKeeping, regency.ProvinceCode >= 91);
        var perVillage = PopulationPlan.LargestRemainder(PopulationPlan.VillageWeights(regency), sizes.Count);
        var family = new Family();
        int next = 0;
        for (int vi = 0; vi < regency.Villages.Count; vi++)
        {
            long count = perVillage[vi];
            if (count == 0) continue;
            ct.ThrowIfCancellationRequested();
            var village = regency.Villages[vi];
            onVillage?.Invoke(village);
            long rows = 0;
            for (long k = 0; k < count; k++)
            {
                byte packed = sizes[next++];
                sim.Simulate(family, packed & 0x3F, (packed & 0x40) != 0, village.UrbanRural, setting);
                rows += family.MemberCount;
                onFamily(family, village);
            }
            counter?.Add(rows);
        }
    }

    /// <summary>
    /// Family sizes of a regency, packed as living size (bits 0-5) and "has a member who died or
    /// moved" (bit 6), summing to exactly <paramref name="persons"/> rows.
    /// </summary>
    internal static List<byte> DrawSizes(Rng rng, long persons)
    {
        var sizes = new List<byte>((int)Math.Min(int.MaxValue / 2, persons / 3 + 16));
        long rows = 0;
        while (rows < persons)
        {
            int living = FamilySimulator.DrawSize(rng);
            bool extra = rng.Chance(FamilySimulator.NonResidentShare);
            long left = persons - rows;
            if (living + (extra ? 1 : 0) > left)
            {
                extra = false;
                living = (int)Math.Min(living, left);
            }
            sizes.Add((byte)(living | (extra ? 0x40 : 0)));
            rows += living + (extra ? 1 : 0);
        }
        return sizes;
    }

    /// <summary>Regional welfare effect from the poverty rate: about −0.9 (Papua Pegunungan) to +0.4 (Bali, Jakarta).</summary>
    private static double ProvinceEffect(ProvinceProfile p) =>
        -0.8 * (Stats.InverseNormal(p.PovertyRate / 100) - Stats.InverseNormal(0.0957));

    private static async Task<List<TState>> RunWorkers<TJob, TState>(IReadOnlyList<TJob> jobs, int workers, Func<TState> state, Action<TJob, TState> work,
        CancellationToken ct, Action<TState>? cleanup = null)
    {
        var queue = new ConcurrentQueue<TJob>(jobs);
        var states = new List<TState>();
        var tasks = new List<Task>();
        for (int w = 0; w < workers; w++)
        {
            var s = state();
            states.Add(s);
            tasks.Add(Task.Factory.StartNew(() =>
            {
                try
                {
                    while (queue.TryDequeue(out var job))
                    {
                        ct.ThrowIfCancellationRequested();
                        work(job, s);
                    }
                }
                finally
                {
                    cleanup?.Invoke(s);
                }
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return states;
    }

    private static IEnumerable<ManifestFile> WriteRegionTables(GeneratorOptions o, RegionCatalog catalog, string tempDir)
    {
        var dir = Path.Combine(o.OutputDirectory, DatasetLayout.RegionDirectoryName);
        Directory.CreateDirectory(dir);
        using var con = DuckDbSettings.Open(null, new DuckDbSettings { Threads = 1, PreserveInsertionOrder = true, TempDirectory = tempDir });
        var src = Path.GetFullPath(o.RegionDataDirectory).Replace('\\', '/');
        (RegionLevel Level, string Csv, string? Parent, long Rows)[] levels =
        [
            (RegionLevel.Province, "provinces.csv", null, catalog.Provinces.Count),
            (RegionLevel.Regency, "regencies.csv", "province_code", catalog.Regencies.Count),
            (RegionLevel.District, "districts.csv", "regency_code", catalog.Districts.Count),
            (RegionLevel.Village, "villages.csv", "district_code", catalog.Regencies.Sum(r => r.Villages.Count)),
        ];
        foreach (var (level, csv, parent, _) in levels)
        {
            var target = DatasetLayout.RegionTablePath(o.OutputDirectory, level);
            var parentExpr = parent is null ? "CAST(NULL AS BIGINT)" : $"CAST(replace({parent}, '.', '') AS BIGINT)";
            con.Execute($"""
                COPY (
                    SELECT CAST(replace(code, '.', '') AS BIGINT) AS code, name, '{level.ToString().ToLowerInvariant()}' AS level, {parentExpr} AS parent
                    FROM read_csv('{src}/{csv}', header = true, all_varchar = true)
                    ORDER BY code
                ) TO '{target.Replace("'", "''")}' (FORMAT parquet, COMPRESSION zstd)
                """);
            long rows = con.Scalar<long>($"SELECT count(*) FROM read_parquet('{target.Replace("'", "''")}')");
            yield return Describe(o.OutputDirectory, target, rows);
        }
        var licence = Path.Combine(dir, "LICENSE.md");
        var source = Path.Combine(o.RegionDataDirectory, "LICENSE.md");
        if (!File.Exists(source))
            throw new FileNotFoundException($"{source} is missing: idn-area-data is ODbL-licensed and its licence must ship with the region tables; run scripts/bootstrap", source);
        File.Copy(source, licence, overwrite: true);
        yield return Describe(o.OutputDirectory, licence, 0);
    }

    internal static ManifestFile Describe(string root, string path, long rows) => new()
    {
        Path = Path.GetRelativePath(root, path).Replace('\\', '/'),
        Rows = rows,
        Bytes = new FileInfo(path).Length,
        Sha256 = DatasetManifest.Sha256Of(path),
    };
}

/// <summary>Thread-safe progress in persons, reported at most every ~1 % of the total.</summary>
internal sealed class ProgressCounter(IProgress<GenerationProgress>? progress, long total, string stage)
{
    private long _done;
    private long _lastReported;

    public void Add(long persons)
    {
        long done = Interlocked.Add(ref _done, persons);
        if (progress is null) return;
        long last = Interlocked.Read(ref _lastReported);
        if (done - last >= Math.Max(1, total / 100) && Interlocked.CompareExchange(ref _lastReported, done, last) == last)
            progress.Report(new GenerationProgress(done, total, stage));
    }
}

/// <summary>
/// One worker's in-memory DuckDB database and reusable buffers: appends a regency's rows into two
/// tables, copies each to its Parquet partition file, then drops the tables.
/// </summary>
internal sealed class RegencyWriter : IDisposable
{
    private readonly GeneratorOptions _o;
    private readonly DuckDBConnection _con;
    private readonly IReadOnlyList<Variable> _keluarga, _individu;
    private readonly TableBuffer _kBuf, _iBuf;
    private readonly EmitterScratch _scratch = new();
    private ChunkAppender? _kAppender, _iAppender;

    public RegencyWriter(GeneratorOptions o, string tempDir, IReadOnlyList<Variable> keluarga, IReadOnlyList<Variable> individu)
    {
        _o = o;
        _keluarga = keluarga;
        _individu = individu;
        _con = DuckDbSettings.Open(null, new DuckDbSettings
        {
            Threads = 1,
            MemoryLimit = o.MemoryLimit ?? "4GB",
            TempDirectory = tempDir,
            PreserveInsertionOrder = true,
        });
        _kBuf = new TableBuffer(keluarga, b => ChunkWriter.Append(b, _kAppender!));
        _iBuf = new TableBuffer(individu, b => ChunkWriter.Append(b, _iAppender!));
    }

    public (long Families, long Persons) Write(Regency regency, long persons, WelfareRanking ranking, CancellationToken ct, ProgressCounter counter,
        ulong seed, ConcurrentBag<ManifestFile> files)
    {
        CreateTable("k", _keluarga);
        CreateTable("i", _individu);
        long k0 = _kBuf.RowsWritten, i0 = _iBuf.RowsWritten;
        try
        {
            _kAppender = new ChunkAppender(_con, "k");
            _iAppender = new ChunkAppender(_con, "i");
            var emitter = new RowEmitter(new Rng(seed, (ulong)regency.Code, DatasetGenerator.IdentityStream), _kBuf, _iBuf, ranking,
                ProvinceTable.Of(regency.ProvinceCode), regency, _scratch);
            DatasetGenerator.Simulate(seed, regency, persons, ct, counter, (f, _) => emitter.Emit(f), emitter.BeginVillage);
            _kBuf.Flush();
            _iBuf.Flush();
        }
        finally
        {
            _kAppender?.Dispose();
            _iAppender?.Dispose();
            _kAppender = _iAppender = null;
        }
        long families = _kBuf.RowsWritten - k0, people = _iBuf.RowsWritten - i0;
        Copy("k", TableKind.Keluarga, regency, families, files);
        Copy("i", TableKind.Individu, regency, people, files);
        _con.Execute("DROP TABLE k; DROP TABLE i;");
        return (families, people);
    }

    private void CreateTable(string name, IReadOnlyList<Variable> columns) =>
        _con.Execute($"CREATE OR REPLACE TABLE {name} ({string.Join(", ", columns.Select(c => $"\"{c.Column}\" {c.SqlType}"))})");

    private void Copy(string table, TableKind kind, Regency regency, long rows, ConcurrentBag<ManifestFile> files)
    {
        var relative = DatasetLayout.PartitionPath(kind, regency.ProvinceCode, regency.Code);
        var path = Path.Combine(_o.OutputDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _con.Execute($"COPY {table} TO '{path.Replace("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ParquetRowGroupSize})");
        files.Add(DatasetGenerator.Describe(_o.OutputDirectory, path, rows));
    }

    private const int ParquetRowGroupSize = 122_880;

    public void Dispose()
    {
        _con.Dispose();
    }
}
