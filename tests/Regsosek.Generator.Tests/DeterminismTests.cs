using Regsosek.Schema;

namespace Regsosek.Generator.Tests;

/// <summary>Same seed and options ⇒ byte-identical files, whatever the number of threads; another seed ⇒ other data.</summary>
public class DeterminismTests : IDisposable
{
    private static readonly string[] Sample = ["1101", "3171", "3201", "5103", "9171"];
    private readonly List<string> _dirs = [];

    private string Run(ulong seed, int threads)
    {
        var dir = TestData.NewTempDir($"det-{seed}-{threads}");
        _dirs.Add(dir);
        TestData.Generate(dir, 40_000, seed, Sample, threads);
        return dir;
    }

    [Fact]
    public void Same_seed_gives_byte_identical_files_and_manifest_with_any_thread_count()
    {
        var a = Run(7, threads: 2);
        var b = Run(7, threads: 1);
        var filesA = Files(a);
        Assert.Equal(filesA, Files(b));
        Assert.Contains("manifest.json", filesA);
        Assert.Contains("individu/prov_code=32/regency_code=3201/data.parquet", filesA);
        foreach (var f in filesA)
            Assert.True(File.ReadAllBytes(Path.Combine(a, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, f))), $"{f} differs between two runs with the same seed");
        var manifest = DatasetManifest.Load(Path.Combine(a, DatasetLayout.ManifestFileName));
        Assert.Empty(manifest.Verify(b));
    }

    [Fact]
    public void Another_seed_gives_other_data_files()
    {
        var a = DatasetManifest.Load(Path.Combine(Run(7, threads: 2), DatasetLayout.ManifestFileName));
        var c = DatasetManifest.Load(Path.Combine(Run(8, threads: 2), DatasetLayout.ManifestFileName));
        var dataA = a.Files.Where(f => f.Path.EndsWith("data.parquet")).ToDictionary(f => f.Path, f => f.Sha256);
        var dataC = c.Files.Where(f => f.Path.EndsWith("data.parquet")).ToDictionary(f => f.Path, f => f.Sha256);
        Assert.Equal(dataA.Keys.Order(), dataC.Keys.Order());
        Assert.All(dataA, kv => Assert.NotEqual(kv.Value, dataC[kv.Key]));
        // Region tables do not depend on the seed.
        Assert.Equal(a.Files.Single(f => f.Path == "wilayah/villages.parquet").Sha256, c.Files.Single(f => f.Path == "wilayah/villages.parquet").Sha256);
        Assert.Equal(a.Persons, c.Persons);
    }

    [Fact]
    public void Manifest_verification_catches_a_changed_file()
    {
        var dir = Run(9, threads: 2);
        var manifest = DatasetManifest.Load(Path.Combine(dir, DatasetLayout.ManifestFileName));
        var victim = manifest.Files.First(f => f.Path.StartsWith("keluarga/"));
        var path = Path.Combine(dir, victim.Path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var problems = manifest.Verify(dir);
        Assert.Single(problems);
        Assert.Contains(victim.Path, problems[0]);
        Assert.Contains("SHA-256", problems[0]);
        File.Delete(Path.Combine(dir, manifest.Files[^1].Path));
        Assert.Contains(manifest.Verify(dir), p => p.Contains("missing"));
    }

    private static List<string> Files(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();

    public void Dispose()
    {
        foreach (var d in _dirs)
        {
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
        }
    }
}
