using Krypton.Imaging;

namespace Krypton.Data;

/// <summary>
/// One split of Fashion-MNIST (Zalando, MIT licence): 28x28 grayscale pictures of clothing, 8-bit,
/// with labels 0 to 9 (<see cref="ClassNames"/>). Read from the IDX files of Debian's package
/// <c>dataset-fashion-mnist</c>.
/// </summary>
public sealed class FashionMnist
{
    /// <summary>Where Debian's package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Image side in pixels.</summary>
    public const int Side = 28;

    /// <summary>The class names, indexed by label (from the data set's README).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    private FashionMnist(DataSplit split, string imagesPath, byte[] pixels, byte[] labels)
    {
        Split = split;
        ImagesPath = imagesPath;
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>The split.</summary>
    public DataSplit Split { get; }

    /// <summary>The images file it was read from.</summary>
    public string ImagesPath { get; }

    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>The label (0 to 9) of image <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[index];

    /// <summary>The 784 raw bytes (row-major, 0 = background) of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> RawImage(int index) => _pixels.AsSpan(index * Side * Side, Side * Side);

    /// <summary>Image <paramref name="index"/> as a 1-channel picture with values byte/255.</summary>
    public LoadedImage Image(int index)
    {
        var raw = RawImage(index);
        var pixels = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++) pixels[i] = raw[i] / 255f;
        return new LoadedImage($"fashion-mnist:{Split.ToString().ToLowerInvariant()}:{index}", Side, Side, 1, 8, pixels);
    }

    /// <summary>True when both files of the split exist in <paramref name="directory"/>.</summary>
    public static bool IsAvailable(DataSplit split, string directory = DefaultDirectory) =>
        File.Exists(ImagesFile(split, directory)) && File.Exists(LabelsFile(split, directory));

    /// <summary>Path of the images file of a split.</summary>
    public static string ImagesFile(DataSplit split, string directory = DefaultDirectory) =>
        Path.Combine(directory, $"{Prefix(split)}-images-idx3-ubyte.gz");

    /// <summary>Path of the labels file of a split.</summary>
    public static string LabelsFile(DataSplit split, string directory = DefaultDirectory) =>
        Path.Combine(directory, $"{Prefix(split)}-labels-idx1-ubyte.gz");

    /// <summary>Reads a split and checks that images and labels agree.</summary>
    /// <exception cref="KryptonException">A file is missing or corrupt, or the two files disagree.</exception>
    public static FashionMnist Load(DataSplit split, string directory = DefaultDirectory)
    {
        string imagesPath = ImagesFile(split, directory), labelsPath = LabelsFile(split, directory);
        foreach (var path in new[] { imagesPath, labelsPath })
            if (!File.Exists(path))
                throw KryptonException.Naming($"Fashion-MNIST file not found: {path} (install it with 'apt-get install dataset-fashion-mnist', or point {Term.DataFolder} at a folder holding the four .gz files)");
        var images = IdxArray.Load(imagesPath);
        var labels = IdxArray.Load(labelsPath);
        if (images.Shape is not [_, Side, Side])
            throw new KryptonException($"{imagesPath} holds an array of shape {string.Join("x", images.Shape)}; Fashion-MNIST images are Nx{Side}x{Side}");
        if (labels.Shape.Length != 1)
            throw new KryptonException($"{labelsPath} holds an array of shape {string.Join("x", labels.Shape)}; labels are one-dimensional");
        if (labels.Shape[0] != images.Shape[0])
            throw new KryptonException($"{imagesPath} has {images.Shape[0]} images but {labelsPath} has {labels.Shape[0]} labels");
        int bad = Array.FindIndex(labels.Data, l => l >= ClassNames.Count);
        if (bad >= 0)
            throw new KryptonException($"{labelsPath}: label {labels.Data[bad]} at index {bad} is out of range 0 to {ClassNames.Count - 1}");
        return new FashionMnist(split, imagesPath, images.Data, labels.Data);
    }

    private static string Prefix(DataSplit split) => split == DataSplit.Train ? "train" : "t10k";
}
