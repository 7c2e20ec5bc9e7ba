using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>One image of a run over many: its file, its key, its output folder, and its own target when a manifest gives one.</summary>
/// <param name="Path">The image file.</param>
/// <param name="Key">Its name in the run: the path relative to the input folder or as the manifest writes it, with '/' between folders. Shards are chosen by it.</param>
/// <param name="Folder">Its output folder, relative to the run's output folder ('/' between folders).</param>
/// <param name="Target">The target the manifest gives for it; null for the run's.</param>
public sealed record RunImage(string Path, string Key, string Folder, TargetSelection? Target = null);
