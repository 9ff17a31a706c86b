using Regsosek.Schema;
using System.Buffers;
using System.Security.Cryptography;

namespace Regsosek.Extracts;

/// <summary>
/// The written extract file on its way out: hashed with SHA-256 before any byte leaves (for the audit record), then
/// read in chunks handed to the sink and hashed again; and the per-extract directory removed afterwards.
/// </summary>
internal static class ExtractFile
{
    /// <summary>Size and SHA-256 (lower-case hex) of <paramref name="file"/>.</summary>
    public static async Task<(long Bytes, string Sha256)> HashAsync(string file, CancellationToken ct)
    {
        await using var stream = OpenRead(file);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ExtractOptions.MaxChunkBytes);
        try
        {
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(0, ExtractOptions.MaxChunkBytes), ct).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }
            return (total, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Hands <paramref name="file"/> to <paramref name="sink"/> in chunks of <paramref name="chunkBytes"/> (every
    /// chunk but the last full), one reused buffer.
    /// </summary>
    /// <returns>Bytes sent and their SHA-256 (lower-case hex).</returns>
    public static async Task<(long Bytes, string Sha256)> StreamAsync(string file, int chunkBytes, ExtractChunkSink sink, CancellationToken ct)
    {
        await using var stream = OpenRead(file);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int size = chunkBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            long total = 0;
            while (true)
            {
                // Fill the chunk completely (a short read is not the end of the file) so every chunk but the last is full.
                int filled = 0;
                int n;
                while (filled < size && (n = await stream.ReadAsync(buffer.AsMemory(filled, size - filled), ct).ConfigureAwait(false)) > 0)
                    filled += n;
                if (filled == 0) break;
                sha.AppendData(buffer, 0, filled);
                total += filled;
                ct.ThrowIfCancellationRequested();
                await sink(buffer.AsMemory(0, filled), ct).ConfigureAwait(false);
                if (filled < size) break;
            }
            return (total, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Deletes <paramref name="directory"/> and everything in it, retrying briefly while a handle is still closing.</summary>
    public static void DeleteDirectory(string directory)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(20 * (attempt + 1));
            }
            catch (UnauthorizedAccessException) when (attempt < 5)
            {
                Thread.Sleep(20 * (attempt + 1));
            }
        }
    }

    private static FileStream OpenRead(string file) =>
        new(file, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
}
