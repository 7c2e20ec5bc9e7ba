using System.Runtime.InteropServices;
using Krypton.Data;
using SkiaSharp;
using Krypton.IO;

namespace Krypton.Demo;

/// <summary>
/// The demo's sample pictures: the first image of each class in the Fashion-MNIST test split,
/// written as 28x28 8-bit grayscale PNGs holding the data set's bytes unchanged (an explain job then
/// resizes them exactly as the head's training images were resized).
/// </summary>
public static class SampleImages
{
    /// <summary>The file name of test image <paramref name="index"/> with label <paramref name="label"/>, e.g. t10k-00000-ankle-boot.png.</summary>
    public static string FileName(int index, int label) =>
        $"t10k-{index:D5}-{FashionMnist.ClassNames[label].ToLowerInvariant().Replace('/', '-').Replace(' ', '-')}.png";

    /// <summary>The test index and label a sample's file name states, or null when it is not one.</summary>
    public static (int Index, int Label)? Parse(string fileName)
    {
        var name = Path.GetFileName(fileName);
        for (int label = 0; label < FashionMnist.ClassNames.Count; label++)
            if (name.Length > 11 && int.TryParse(name.AsSpan(5, 5), out int index) && FileName(index, label) == name)
                return (index, label);
        return null;
    }

    /// <summary>
    /// Writes the first <paramref name="perClass"/> test images of each class into
    /// <paramref name="directory"/>; returns the paths, by class.
    /// </summary>
    public static IReadOnlyList<string> Export(FashionMnist test, string directory, int perClass = 1)
    {
        if (perClass < 1)
            throw new KryptonException($"images per class ({perClass}) must be at least 1");
        OutputLocation.CheckFolder(Term.SamplesFolder, directory);
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        for (int label = 0; label < FashionMnist.ClassNames.Count; label++)
        {
            foreach (int index in Enumerable.Range(0, test.Count).Where(i => test.Label(i) == label).Take(perClass))
            {
                string path = Path.Combine(directory, FileName(index, label));
                AtomicFile.WriteAllBytes(path, EncodeGray(test.RawImage(index), FashionMnist.Side, FashionMnist.Side));
                paths.Add(path);
            }
        }
        return paths;
    }

    private static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        if (bitmap.RowBytes != width)
            throw new InvalidOperationException("Skia padded the rows of a gray bitmap");
        Marshal.Copy(pixels.ToArray(), 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
