using System.Text;

namespace Krypton.IO;

/// <summary>
/// Writes files so that readers see either the old file or the complete new one: the content goes
/// to a temporary file in the same folder (same file system, so the final rename is atomic), which
/// then replaces the target. An interrupted or failed write leaves no half-written file behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with what <paramref name="write"/> puts into the stream.</summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Puts the content into the stream.</param>
    /// <param name="durable">
    /// Whether the content reaches the disk before the rename (a flush to the device). A cache that
    /// checks what it finds can skip it: a file lost to a crash is only written again.
    /// </param>
    /// <exception cref="KryptonException">The folder does not exist or cannot be written.</exception>
    public static void Write(string path, Action<Stream> write, bool durable = true)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new KryptonException($"cannot write {path}: folder {folder} does not exist");
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
                throw new KryptonException($"cannot write {path}: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
