using Krypton.IO;

namespace Krypton.Imaging;

/// <summary>
/// A picture or a preprocessed tensor made into a model's input [1, C, H, W]: a picture's channels
/// adapted, resized and normalized; a .npy tensor (C×H×W or 1×C×H×W) used as is.
/// </summary>
/// <param name="Tensor">The model input, [1, C, H, W] row-major.</param>
/// <param name="Display">The picture as the model sees it (for overlays); a tensor's undone normalization; null when it has neither 1 nor 3 channels.</param>
/// <param name="Kind">What the file was, in words.</param>
public sealed record ModelInput(float[] Tensor, LoadedImage? Display, string Kind)
{
    /// <summary>How a picture was brought to the model's size (<see cref="Framing.Apply"/>); null for a tensor.</summary>
    public FramedImage? Framed { get; init; }

    /// <summary>Loads <paramref name="path"/> for a model taking <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>.</summary>
    /// <param name="path">A picture (<see cref="ImageLoader.Extensions"/>) or a .npy tensor.</param>
    /// <param name="channels">The model's channels.</param>
    /// <param name="height">The model's input height.</param>
    /// <param name="width">The model's input width.</param>
    /// <param name="normalization">
    /// How pixels become the input: needed for a picture; for a tensor only to show it as a picture
    /// (null when it is not known: the tensor's values are then stretched over the display's range).
    /// </param>
    /// <param name="what">What the file is, for messages ("input", "baseline").</param>
    /// <param name="framing">How a picture is resized and cropped to the model's size; null for <see cref="Framing.DefaultFor"/>.</param>
    /// <exception cref="KryptonException">The file is missing, unreadable or the wrong shape, or the framing does not fit.</exception>
    public static ModelInput Load(string path, int channels, int height, int width, Preprocessing? normalization, string what = "input", Framing? framing = null)
    {
        if (!File.Exists(path))
            throw new KryptonException($"{what} file not found: {path}");
        if (IsTensorFile(path))
        {
            var tensor = NpyFile.ReadImageTensor(path);
            int[] want = [channels, height, width];
            if (!tensor.Shape.SequenceEqual(want))
                throw new KryptonException($"{what} tensor {path} is {string.Join("x", tensor.Shape)}, the model expects {string.Join("x", want)}");
            return new ModelInput(tensor.Data, DisplayOf(tensor.Data, channels, height, width, normalization), "tensor (.npy, used as is)");
        }
        if (normalization is null)
            throw new ArgumentNullException(nameof(normalization), "a picture needs its normalization");
        var image = ImageLoader.Load(path);
        var framed = Framing.Apply(image.WithChannels(channels), framing, height, width);
        var display = framed.Image;
        return new ModelInput(normalization.ToTensor(display, channels, height, width), display,
            $"image {image.Width}x{image.Height}, {image.Channels} channel(s){(image.HadAlpha ? " and alpha" : "")}, {image.BitDepth}-bit, {framed.Steps}")
        {
            Framed = framed,
        };
    }

    /// <summary>True for a preprocessed tensor (.npy), which is used as is; false for a picture.</summary>
    public static bool IsTensorFile(string path) => Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A tensor as a picture: its normalization undone when it is known, else its values stretched
    /// from their minimum to their maximum (all channels alike, so colours keep their balance).
    /// </summary>
    private static LoadedImage? DisplayOf(float[] tensor, int channels, int height, int width, Preprocessing? normalization)
    {
        if (channels is not (1 or 3)) return null;
        float lo = tensor.Where(float.IsFinite).DefaultIfEmpty(0).Min(), hi = tensor.Where(float.IsFinite).DefaultIfEmpty(1).Max();
        float Pixel(float v, int c) => normalization is { } n ? n.TensorToPixel(v, c) : hi > lo ? (v - lo) / (hi - lo) : 0.5f;
        var pixels = new float[height * width * channels];
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < height * width; i++)
                pixels[i * channels + c] = Math.Clamp(Pixel(tensor[c * height * width + i], c), 0f, 1f);
        return new LoadedImage("tensor", width, height, channels, 32, pixels);
    }
}
