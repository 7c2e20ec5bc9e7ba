namespace Krypton.IO;

/// <summary>
/// Whether files can go where a person points a run, checked before the long work so that a run
/// does not end on a path that cannot take its files. A missing folder can be made when its
/// nearest existing ancestor is a folder that takes a new file; whether a folder does is tried
/// (a file created there and deleted on closing, so nothing is left behind).
/// </summary>
public static class OutputLocation
{
    /// <summary>Refuses a folder that files cannot be written into (made when missing).</summary>
    /// <param name="what">What the folder is, as messages name it.</param>
    /// <param name="folder">The folder as given.</param>
    /// <exception cref="KryptonException">It is a file, cannot be made, or cannot be written.</exception>
    public static void CheckFolder(Term what, string folder)
    {
        if (FolderProblem(folder) is { } problem)
            throw KryptonException.Naming($"{what} {folder} {problem}");
    }

    /// <summary>Refuses a file that cannot be written (its folder made when missing).</summary>
    /// <param name="what">What the file is, as messages name it.</param>
    /// <param name="file">The file as given.</param>
    /// <param name="example">A file name to suggest when a folder was given.</param>
    /// <exception cref="KryptonException">It is a folder, or its folder cannot be made or written.</exception>
    public static void CheckFile(Term what, string file, string example)
    {
        if (FileProblem(file, example) is { } problem)
            throw KryptonException.Naming($"{what} {file} {problem}");
    }

    /// <summary>Why files cannot be written into <paramref name="folder"/> ("is a file; give a folder", "cannot be created: /proc is not writable"), or null when they can.</summary>
    public static string? FolderProblem(string folder)
    {
        if (FullPath(folder) is not { } full) return "is not a valid path";
        if (File.Exists(full)) return "is a file; give a folder";
        return Blocker(full) switch
        {
            null => null,
            var (path, why) when path == full => why,
            var (path, why) => $"cannot be created: {path} {why}",
        };
    }

    /// <summary>Why <paramref name="file"/> cannot be written ("is a folder; give a file name such as <paramref name="example"/>", "cannot be written: /proc is not writable"), or null when it can.</summary>
    public static string? FileProblem(string file, string example)
    {
        if (FullPath(file) is not { } full) return "is not a valid path";
        if (Directory.Exists(full)) return $"is a folder; give a file name such as {example}";
        return Blocker(Path.GetDirectoryName(full) ?? full) is var (path, why) ? $"cannot be written: {path} {why}" : null;
    }

    private static string? FullPath(string path)
    {
        try { return path.Length == 0 ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return null; }
    }

    /// <summary>What stops files being written into a folder: the folder itself or the nearest ancestor that exists, and why; null when nothing does.</summary>
    private static (string Path, string Why)? Blocker(string folder)
    {
        string existing = folder;
        while (!Directory.Exists(existing) && !File.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
            existing = parent;
        if (File.Exists(existing)) return (existing, "is a file");
        return Writable(existing) ? null : (existing, "is not writable");
    }

    private static bool Writable(string folder)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(folder, $".krypton-write-check-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write,
                FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
