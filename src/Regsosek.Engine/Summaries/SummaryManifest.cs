using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Regsosek.Catalogue;
using Regsosek.Catalogue.Summaries;
using Regsosek.Schema;

namespace Regsosek.Engine.Summaries;

/// <summary>
/// <c>&lt;dataset&gt;/summaries/manifest.json</c>: which summaries were prepared, for which dataset (the SHA-256
/// of the dataset's own manifest, which lists every record file's checksum), from which SQL, and each file's size
/// and checksum. A summary belongs to exactly one dataset version: a new release needs a new prepare.
/// </summary>
public sealed record SummaryManifest
{
    /// <summary>The summaries' directory in a dataset.</summary>
    public const string DirectoryName = "summaries";

    /// <summary>The manifest's file name in <see cref="DirectoryName"/>.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The format this code writes and reads.</summary>
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Format version.</summary>
    public int Format { get; init; } = CurrentFormat;

    /// <summary>SHA-256 (hex) of the dataset's manifest.json when the summaries were built.</summary>
    public required string DatasetManifestSha256 { get; init; }

    /// <summary>The dataset's version line (generator, schema, seed), for people reading the file.</summary>
    public string? DatasetVersion { get; init; }

    /// <summary>When the build finished (UTC).</summary>
    public DateTimeOffset BuiltAt { get; init; }

    /// <summary>How long the build took.</summary>
    public double BuildSeconds { get; init; }

    /// <summary>The summaries.</summary>
    public required IReadOnlyList<SummaryEntry> Summaries { get; init; }

    /// <summary>The manifest's path in <paramref name="datasetDirectory"/>.</summary>
    public static string PathIn(string datasetDirectory) => Path.Combine(datasetDirectory, DirectoryName, FileName);

    /// <summary>SHA-256 (hex, lower case) of the dataset's manifest.json.</summary>
    /// <exception cref="FileNotFoundException">The dataset has no manifest.</exception>
    public static string DatasetManifestHash(string datasetDirectory) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(datasetDirectory, DatasetLayout.ManifestFileName))));

    /// <summary>Writes the manifest to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Reads the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">It is not a summary manifest this code reads.</exception>
    public static SummaryManifest Load(string path)
    {
        SummaryManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SummaryManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a summary manifest: {e.Message}", e);
        }
        if (manifest is null || manifest.Format != CurrentFormat)
            throw new InvalidDataException($"{path}: summary manifest format {manifest?.Format} is not {CurrentFormat}; prepare the dataset again");
        return manifest;
    }

    /// <summary>
    /// The summaries the service may read for <paramref name="datasetDirectory"/>: those of its manifest when it was
    /// built for this dataset version and every file is there with its recorded size (the checksums are for
    /// <see cref="Verify"/>: reading gigabytes at every start would cost seconds). Otherwise
    /// <see cref="PreparedSummaries.None"/> and, in <paramref name="problem"/>, why.
    /// </summary>
    public static PreparedSummaries Open(string datasetDirectory, out string? problem)
    {
        var path = PathIn(datasetDirectory);
        if (!File.Exists(path))
        {
            problem = $"no summaries in {Path.Combine(datasetDirectory, DirectoryName)}: every request reads the records; run `regsosek dataset prepare`";
            return PreparedSummaries.None;
        }
        SummaryManifest manifest;
        try
        {
            manifest = Load(path);
        }
        catch (InvalidDataException e)
        {
            problem = e.Message;
            return PreparedSummaries.None;
        }
        if (!string.Equals(manifest.DatasetManifestSha256, DatasetManifestHash(datasetDirectory), StringComparison.OrdinalIgnoreCase))
        {
            problem = "the summaries were built for another version of the dataset (its manifest changed): every request reads the records; run `regsosek dataset prepare`";
            return PreparedSummaries.None;
        }
        var root = Path.GetFullPath(Path.Combine(datasetDirectory, DirectoryName)).Replace('\\', '/');
        foreach (var file in manifest.Summaries.SelectMany(s => s.Files))
        {
            var info = new FileInfo(Path.Combine(root, file.Path));
            if (!info.Exists || info.Length != file.Bytes)
            {
                problem = $"summary file {file.Path} is missing or has another size than its manifest says: every request reads the records; run `regsosek dataset prepare`";
                return PreparedSummaries.None;
            }
        }
        problem = null;
        return new PreparedSummaries(manifest.Summaries.Select(s => s.ToPrepared(root)).ToList());
    }

    /// <summary>Checks the summaries of <paramref name="datasetDirectory"/>: built for this dataset, every file's
    /// SHA-256 as recorded. Returns the problems (none: all good); no summaries at all is not a problem.</summary>
    public static IReadOnlyList<string> Verify(string datasetDirectory)
    {
        var path = PathIn(datasetDirectory);
        if (!File.Exists(path)) return [];
        var problems = new List<string>();
        SummaryManifest manifest;
        try
        {
            manifest = Load(path);
        }
        catch (InvalidDataException e)
        {
            return [e.Message];
        }
        if (!string.Equals(manifest.DatasetManifestSha256, DatasetManifestHash(datasetDirectory), StringComparison.OrdinalIgnoreCase))
            problems.Add($"{DirectoryName}/{FileName}: built for another version of the dataset (dataset manifest SHA-256 {manifest.DatasetManifestSha256})");
        var root = Path.Combine(datasetDirectory, DirectoryName);
        foreach (var file in manifest.Summaries.SelectMany(s => s.Files))
        {
            var full = Path.Combine(root, file.Path);
            if (!File.Exists(full))
            {
                problems.Add($"{DirectoryName}/{file.Path}: missing");
                continue;
            }
            using var stream = File.OpenRead(full);
            var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (!string.Equals(hash, file.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{DirectoryName}/{file.Path}: SHA-256 {hash}, manifest says {file.Sha256}");
        }
        return problems;
    }

    /// <summary>How many files the manifest lists.</summary>
    public int FileCount => Summaries.Sum(s => s.Files.Count);
}

/// <summary>One summary in the manifest.</summary>
public sealed record SummaryEntry
{
    /// <summary>Its name (directory).</summary>
    public required string Name { get; init; }

    /// <summary>"persons" or "families".</summary>
    public required string Unit { get; init; }

    /// <summary>The universe condition it was built under (SQL).</summary>
    public required string Universe { get; init; }

    /// <summary>Its dimensions, with the SQL key each stored.</summary>
    public required IReadOnlyList<SummaryDimension> Dimensions { get; init; }

    /// <summary>A distribution's values (SQL of the numeric, counted by regency in column v); null for a count summary.</summary>
    public string? Values { get; init; }

    /// <summary>The counted conditions (SQL), in column order (a distribution has one).</summary>
    public required IReadOnlyList<string> Conditions { get; init; }

    /// <summary>Its files, one per province.</summary>
    public required IReadOnlyList<SummaryFile> Files { get; init; }

    /// <summary>Rows over all files.</summary>
    public long Rows => Files.Sum(f => f.Rows);

    internal PreparedSummary ToPrepared(string root)
    {
        if (!UnitExtensions.TryParse(Unit, out var unit))
            throw new InvalidDataException($"summary {Name}: unknown unit '{Unit}'");
        return new PreparedSummary(Name, unit, Universe,
            Dimensions.ToDictionary(d => d.Id, d => d.Key, StringComparer.Ordinal), Conditions,
            root + "/" + Name, Files.Select(f => f.Province).ToHashSet(), Rows, Values);
    }
}

/// <summary>A dimension of a summary and the SQL key it stored.</summary>
public sealed record SummaryDimension(string Id, string Key);

/// <summary>One file of a summary (one province).</summary>
public sealed record SummaryFile(string Path, int Province, long Rows, long Bytes, string Sha256);
