using System.Security.Cryptography;

namespace Regsosek.Host;

/// <summary>
/// The master key from which every grant's pseudonym key is derived. Configured as base64
/// (Regsosek:PseudonymMasterKey / REGSOSEK__PseudonymMasterKey); for the embedded set-up it is
/// created once, at random, in &lt;home&gt;/pseudonym-master.key, readable by its owner only.
/// Losing it makes earlier extracts untraceable and unlinkable to new ones.
/// </summary>
public static class PseudonymMasterKey
{
    public const string FileName = "pseudonym-master.key";

    public static string Resolve(ServiceOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.PseudonymMasterKey))
            return options.PseudonymMasterKey;
        var path = Path.Combine(options.Home, FileName);
        if (File.Exists(path))
            return File.ReadAllText(path).Trim();
        Directory.CreateDirectory(options.Home);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(key);
        return key;
    }

    /// <summary>The master key's bytes (the configured text is base64, or "hex:" followed by hex digits).</summary>
    public static byte[] Bytes(ServiceOptions options)
    {
        var text = Resolve(options);
        return text.StartsWith("hex:", StringComparison.Ordinal) ? Convert.FromHexString(text[4..]) : Convert.FromBase64String(text);
    }
}
