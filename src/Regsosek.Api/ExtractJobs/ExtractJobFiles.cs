using System.Security.Cryptography;
using Regsosek.Api.V1;

namespace Regsosek.Api.ExtractJobs;

/// <summary>
/// The files of extract jobs on disk: one directory a job under <see cref="Root"/>, holding the data file
/// ("data" plus the format's extension) and the codebook (codebook.json, codebook.md). Job ids are checked before
/// they become paths.
/// </summary>
public sealed class ExtractJobFiles
{
    private readonly Lazy<string> _root;

    /// <summary>Files under <paramref name="root"/>.</summary>
    public ExtractJobFiles(string root) : this(() => root) { }

    /// <summary>Files under the directory <paramref name="root"/> gives when first needed (after the settings are validated).</summary>
    public ExtractJobFiles(Func<string> root) => _root = new Lazy<string>(() => Path.GetFullPath(root()));

    /// <summary>The directory of all jobs.</summary>
    public string Root => _root.Value;

    /// <summary>True for an id the service could have made ("xj_" and 32 lower-case hex digits).</summary>
    public static bool IsJobId(string? id) =>
        id is { Length: 35 } && id.StartsWith("xj_", StringComparison.Ordinal) && id.AsSpan(3).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>A new unguessable job id.</summary>
    public static string NewJobId() => "xj_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The job's directory.</summary>
    public string Directory(string jobId) =>
        IsJobId(jobId) ? Path.Combine(Root, jobId) : throw new ArgumentException($"not a job id: {jobId}", nameof(jobId));

    /// <summary>The file name of one kind of file of a job (<paramref name="dataExtension"/>: the data file's, e.g. ".parquet").</summary>
    public static string FileName(ExtractJobFileKind kind, string dataExtension) => kind switch
    {
        ExtractJobFileKind.CodebookJson => "codebook.json",
        ExtractJobFileKind.CodebookMarkdown => "codebook.md",
        _ => "data" + dataExtension,
    };

    /// <summary>The path of one file of a job.</summary>
    public string PathOf(string jobId, string fileName) => Path.Combine(Directory(jobId), fileName);

    /// <summary>An empty directory for the job (whatever an earlier attempt left is removed).</summary>
    public string Create(string jobId)
    {
        Delete(jobId);
        return System.IO.Directory.CreateDirectory(Directory(jobId)).FullName;
    }

    /// <summary>
    /// Removes the job's directory if it exists; true when it was removed. A directory that cannot be removed now (a
    /// worker still writing into it) is left for the sweep, which removes the directories of finished jobs.
    /// </summary>
    public bool Delete(string jobId)
    {
        var dir = Directory(jobId);
        if (!System.IO.Directory.Exists(dir)) return false;
        try
        {
            System.IO.Directory.Delete(dir, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The ids of the job directories on disk.</summary>
    public IEnumerable<string> JobIds() =>
        System.IO.Directory.Exists(Root)
            ? System.IO.Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(IsJobId).Select(n => n!)
            : [];
}
