using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Regsosek.Schema;

/// <summary>One file of a dataset, with its checksum.</summary>
public sealed record ManifestFile
{
    /// <summary>Path relative to the dataset root, with forward slashes.</summary>
    public required string Path { get; init; }
    /// <summary>Rows in the file (0 for non-tabular files such as LICENSE.md).</summary>
    public long Rows { get; init; }
    public long Bytes { get; init; }
    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public required string Sha256 { get; init; }
}

/// <summary>
/// manifest.json of a dataset: what generated it (generator and schema versions, seed, sizes),
/// per-table row counts, the partitioning, and every file with its size and SHA-256. It holds no
/// timestamps, so the same seed and options give the same manifest.
/// </summary>
public sealed class DatasetManifest
{
    /// <summary>Version of the generator that wrote the dataset.</summary>
    public required string GeneratorVersion { get; init; }
    /// <summary>schema_version of the data dictionary the files follow.</summary>
    public required string SchemaVersion { get; init; }
    public ulong Seed { get; init; }
    public long Persons { get; init; }
    public long Families { get; init; }
    /// <summary>Regency codes the dataset was restricted to; null for the whole nation.</summary>
    public IReadOnlyList<string>? Regencies { get; init; }
    /// <summary>Rows per table ("keluarga", "individu").</summary>
    public required IReadOnlyDictionary<string, long> Tables { get; init; }
    /// <summary>Hive partition columns, outermost first.</summary>
    public required IReadOnlyList<string> Partitioning { get; init; }
    /// <summary>Every file, sorted by path.</summary>
    public required IReadOnlyList<ManifestFile> Files { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads a manifest; throws <see cref="InvalidDataException"/> naming the file when it is not one.</summary>
    public static DatasetManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a dataset manifest: {e.Message}", e);
        }
    }

    /// <summary>Writes the manifest as indented JSON with a trailing newline.</summary>
    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>
    /// Checks every listed file of <paramref name="datasetDir"/> against its size and checksum.
    /// Returns the problems found (empty when the dataset is intact).
    /// </summary>
    public IReadOnlyList<string> Verify(string datasetDir)
    {
        var problems = new List<string>();
        foreach (var f in Files)
        {
            var full = System.IO.Path.Combine(datasetDir, f.Path);
            if (!File.Exists(full)) { problems.Add($"{f.Path}: missing"); continue; }
            var length = new FileInfo(full).Length;
            if (length != f.Bytes) { problems.Add($"{f.Path}: {length} bytes, manifest says {f.Bytes}"); continue; }
            var sha = Sha256Of(full);
            if (sha != f.Sha256) problems.Add($"{f.Path}: SHA-256 {sha}, manifest says {f.Sha256}");
        }
        return problems;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
