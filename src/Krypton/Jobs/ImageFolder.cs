using Krypton.Imaging;
using Krypton.Model;

namespace Krypton.Jobs;

/// <summary>Folders of sample images, and the model inputs made from them: what studies and tuning run over.</summary>
public static class ImageFolder
{
    /// <summary>What an explain run takes as input: pictures (<see cref="ImageLoader.Extensions"/>) and preprocessed .npy tensors.</summary>
    public static IReadOnlyList<string> InputExtensions { get; } = [.. ImageLoader.Extensions, ".npy"];

    /// <summary>
    /// Pictures (<see cref="ImageLoader.Extensions"/>) in a folder (and, with <paramref name="tensors"/>, preprocessed .npy
    /// tensors; with <paramref name="recursive"/>, in its subfolders too), sorted by path (ordinal), at most <paramref name="limit"/>.
    /// </summary>
    /// <exception cref="KryptonException">The folder does not exist or holds no image.</exception>
    public static IReadOnlyList<string> Files(string folder, int? limit = null, bool tensors = false, bool recursive = false)
    {
        if (!Directory.Exists(folder))
            throw new KryptonException($"image folder not found: {folder}");
        if (limit is <= 0)
            throw new KryptonException($"the number of images must be positive, got {limit}");
        var extensions = tensors ? InputExtensions : ImageLoader.Extensions;
        var files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = recursive, IgnoreInaccessible = true })
            .Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Take(limit ?? int.MaxValue)
            .ToList();
        if (files.Count == 0)
            throw new KryptonException($"no image ({string.Join(", ", ImageLoader.Extensions)}){(tensors ? " or .npy tensor" : "")} in {folder}{(recursive ? " or its subfolders" : "")}");
        return files;
    }

    /// <summary>The model's inputs for image files (channels adapted, resized, normalized; a .npy tensor as is), each made when first needed.</summary>
    public static IReadOnlyList<(string Name, Lazy<float[]> Input)> Inputs(ModelGraph model, IReadOnlyList<string> imageFiles, Preprocessing normalization)
    {
        normalization.CheckChannels(model.Channels);
        return imageFiles.Select(path => (Path.GetFileName(path), new Lazy<float[]>(() =>
            ModelInput.Load(path, model.Channels, model.Height, model.Width, normalization).Tensor))).ToList();
    }
}
