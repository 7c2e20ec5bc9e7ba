namespace Krypton.Runtime;

/// <summary>
/// The folder of the weight files that emitted graphs refer to (the model's large constants, one
/// file each, named by the SHA-256 of their bytes): ONNX Runtime resolves the graphs' external
/// data here (<c>session.model_external_initializers_file_folder_path</c>). It is
/// <c>$KRYPTON_CACHE/weights</c> when that variable is set, else the user's cache folder
/// (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>) under <c>krypton/weights</c>, else a folder in the
/// system's temporary folder. Deleting it is safe: the files are written again when needed.
/// </summary>
public static class WeightFolder
{
    private static readonly Lazy<string> Chosen = new(Choose);

    /// <summary>The session option that tells ONNX Runtime where a graph from bytes finds its external data.</summary>
    public const string SessionConfigKey = "session.model_external_initializers_file_folder_path";

    /// <summary>The folder, created on first use.</summary>
    public static string Path => Chosen.Value;

    /// <summary>Whether the folder has been asked for in this process (no graph refers to weight files before).</summary>
    public static bool IsChosen => Chosen.IsValueCreated;

    private static string Choose()
    {
        string? root = Environment.GetEnvironmentVariable("KRYPTON_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = !string.IsNullOrEmpty(xdg) ? System.IO.Path.Combine(xdg, "krypton")
                : !string.IsNullOrEmpty(home) ? System.IO.Path.Combine(home, ".cache", "krypton")
                : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "krypton");
        }
        string folder = System.IO.Path.Combine(root, "weights");
        if (Writable(folder)) return System.IO.Path.GetFullPath(folder);
        // A read-only home (a container, a locked-down account): the temporary folder still works,
        // only without reuse across machines' reboots.
        string temp = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"krypton-weights-{Environment.UserName}");
        if (Writable(temp)) return System.IO.Path.GetFullPath(temp);
        throw new KryptonException($"cannot write the weight cache: neither {folder} nor {temp} is writable (set KRYPTON_CACHE to a writable folder)");
    }

    private static bool Writable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = System.IO.Path.Combine(folder, $".probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
