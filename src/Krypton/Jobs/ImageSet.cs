using System.Globalization;
using CsvHelper;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>
/// The images of a run over many: a folder's (its subfolders too with <c>--recursive</c>) or a
/// manifest's, each with its key and its output folder, in key order. Every shard of a run lists the
/// whole set the same way, so output folders are the same whichever shard writes them.
/// </summary>
public static class ImageSet
{
    /// <summary>The pictures and .npy tensors of a folder (its subfolders too with <paramref name="recursive"/>), keyed by their path relative to it.</summary>
    /// <exception cref="KryptonException">The folder does not exist or holds no image.</exception>
    public static IReadOnlyList<RunImage> FromFolder(string folder, bool recursive = false)
    {
        var files = ImageFolder.Files(folder, tensors: true, recursive: recursive);
        return Keyed(files, files.Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).ToList(), new TargetSelection?[files.Count]);
    }

    /// <summary>Image files given one by one, keyed by their file names (each output folder named after its file).</summary>
    public static IReadOnlyList<RunImage> FromFiles(IReadOnlyList<string> files) =>
        Keyed(files, files.Select(f => Path.GetFileName(f)).ToList(), new TargetSelection?[files.Count]);

    /// <summary>
    /// The images a manifest lists: a CSV file with a header, a column <c>path</c> (relative to the
    /// manifest's folder, or absolute) and optionally <c>target</c> (what <c>--target</c> takes, for
    /// that image). Keys are the paths as written.
    /// </summary>
    /// <exception cref="KryptonException">The file is missing, has no path column, names an image twice or a file that is not there.</exception>
    public static IReadOnlyList<RunImage> FromManifest(string manifest)
    {
        if (!File.Exists(manifest))
            throw new KryptonException($"manifest not found: {manifest}");
        string root = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var rows = new List<(string Path, string Key, TargetSelection? Target)>();
        try
        {
            using var stream = File.OpenRead(manifest);
            using var csv = CsvReader.Create(stream, new CsvReaderOptions { Separator = ',', TrimWhitespace = true, TrackLineNumbers = true });
            csv.ReadHeader();
            if (!csv.TryGetFieldIndex("path", out int pathColumn))
                throw new KryptonException($"manifest {manifest} needs a header row with a 'path' column (and optionally 'target')");
            bool hasTarget = csv.TryGetFieldIndex("target", out int targetColumn);
            while (csv.Read())
            {
                string path = csv.GetString(pathColumn);
                long line = csv.RowNumber + 1;
                if (path.Length == 0)
                    throw new KryptonException($"manifest {manifest}, line {line}: the path is empty");
                string key = path.Replace('\\', '/');
                string full = Path.IsPathRooted(path) ? path : Path.Combine(root, path);
                if (!File.Exists(full))
                    throw new KryptonException($"manifest {manifest}, line {line}: image not found: {path}");
                string? target = hasTarget && targetColumn < csv.FieldCount ? csv.GetString(targetColumn) : null;
                TargetSelection? selection;
                try { selection = string.IsNullOrEmpty(target) ? null : TargetSelection.Parse(target); }
                catch (KryptonException e) { throw new KryptonException($"manifest {manifest}, line {line}: {e.Message}"); }
                rows.Add((full, key, selection));
            }
        }
        catch (CsvFormatException e)
        {
            throw new KryptonException($"manifest {manifest} is not a CSV file read here: {e.Message.Split('\n')[0]}");
        }
        if (rows.Count == 0)
            throw new KryptonException($"manifest {manifest} lists no image");
        if (rows.GroupBy(r => r.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new KryptonException($"manifest {manifest} lists {twice.Key} twice");
        var sorted = rows.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        return Keyed(sorted.Select(r => r.Path).ToList(), sorted.Select(r => r.Key).ToList(), sorted.Select(r => r.Target).ToList());
    }

    private static List<RunImage> Keyed(IReadOnlyList<string> paths, IReadOnlyList<string> keys, IReadOnlyList<TargetSelection?> targets)
    {
        var folders = FolderNames(keys);
        return paths.Select((p, i) => new RunImage(p, keys[i], folders[i], targets[i])).ToList();
    }

    /// <summary>
    /// Each key's output folder: the key without its extension (its folders kept, when it stays
    /// inside the output: no '..', not absolute; else its file name alone), with the extension where
    /// two keys would share a folder, and "-2", "-3"... where they still would (names that differ in
    /// case only, on a file system that ignores it).
    /// </summary>
    public static IReadOnlyList<string> FolderNames(IReadOnlyList<string> keys)
    {
        static string Inside(string key) =>
            key.StartsWith('/') || Path.IsPathRooted(key) || key.Split('/').Contains("..") ? Path.GetFileName(key) : key;
        static string WithoutExtension(string key)
        {
            string dir = Path.GetDirectoryName(key)?.Replace('\\', '/') ?? "";
            string stem = Path.GetFileNameWithoutExtension(key);
            return dir.Length == 0 ? stem : dir + "/" + stem;
        }
        var inside = keys.Select(Inside).ToList();
        var stems = inside.Select(WithoutExtension).ToList();
        var shared = stems.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var names = inside.Select((k, i) => shared.Contains(stems[i]) ? k : stems[i]).ToList();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Count; i++)
        {
            string name = names[i];
            for (int n = 2; !seen.Add(name); n++)
                name = string.Create(CultureInfo.InvariantCulture, $"{names[i]}-{n}");
            names[i] = name;
        }
        return names;
    }
}
