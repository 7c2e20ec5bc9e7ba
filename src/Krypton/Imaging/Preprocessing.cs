namespace Krypton.Imaging;

/// <summary>
/// How a picture becomes the model's input tensor: resize to the model's height x width (bilinear,
/// see <see cref="LoadedImage.Resize"/>), then per channel <c>(pixel - Mean[c]) / Std[c]</c> with
/// pixels in [0, 1]. A single mean/std value applies to every channel.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>Creates a normalisation with per-channel means and standard deviations (pixel space).</summary>
    /// <exception cref="KryptonException">Lengths differ, are empty, or a std is not positive and finite.</exception>
    public Preprocessing(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new KryptonException(
                $"normalization needs as many mean values as std values (got {mean.Count} and {std.Count})");
        if (mean.Any(m => !float.IsFinite(m)))
            throw new KryptonException("normalization mean values must be finite numbers");
        if (std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new KryptonException("normalization std values must be positive finite numbers");
        Mean = mean.ToArray();
        Std = std.ToArray();
    }

    /// <summary>The value subtracted from each channel, in pixel space.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>The value each channel is divided by after subtracting the mean.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>torchvision's ImageNet statistics: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).</summary>
    public static Preprocessing ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>No normalization: the tensor holds pixel values in [0, 1].</summary>
    public static Preprocessing None { get; } = new([0f], [1f]);

    /// <summary>The mean used for <paramref name="channel"/>.</summary>
    public float MeanOf(int channel) => Mean.Count == 1 ? Mean[0] : Mean[channel];

    /// <summary>The std used for <paramref name="channel"/>.</summary>
    public float StdOf(int channel) => Std.Count == 1 ? Std[0] : Std[channel];

    /// <summary>
    /// Converts a pixel-space value (in [0, 1]) of <paramref name="channel"/> into tensor space,
    /// e.g. an occlusion fill colour: <c>(v - Mean[c]) / Std[c]</c>.
    /// </summary>
    public float PixelToTensor(float pixelValue01, int channel) => (pixelValue01 - MeanOf(channel)) / StdOf(channel);

    /// <summary>The inverse of <see cref="PixelToTensor"/>: <c>t * Std[c] + Mean[c]</c>.</summary>
    public float TensorToPixel(float tensorValue, int channel) => tensorValue * StdOf(channel) + MeanOf(channel);

    /// <summary>
    /// The NCHW input tensor (N = 1) for a model taking <paramref name="channels"/> x
    /// <paramref name="height"/> x <paramref name="width"/>: channel conversion, resize, normalization.
    /// </summary>
    /// <exception cref="KryptonException">The normalization has a per-channel count other than 1 or <paramref name="channels"/>.</exception>
    public float[] ToTensor(LoadedImage image, int channels, int height, int width)
    {
        CheckChannels(channels);
        var resized = image.WithChannels(channels).Resize(width, height);
        int plane = height * width;
        var tensor = new float[channels * plane];
        var pixels = resized.Pixels;
        for (int c = 0; c < channels; c++)
        {
            float mean = MeanOf(c), std = StdOf(c);
            for (int i = 0; i < plane; i++)
                tensor[c * plane + i] = (pixels[i * channels + c] - mean) / std;
        }
        return tensor;
    }

    /// <summary>Static form of <see cref="ToTensor(LoadedImage, int, int, int)"/>.</summary>
    public static float[] ToTensor(LoadedImage image, Preprocessing preprocessing, int channels, int height, int width) =>
        preprocessing.ToTensor(image, channels, height, width);

    /// <summary>Checks that this normalization fits a model taking <paramref name="channels"/> channels.</summary>
    /// <exception cref="KryptonException">It does not.</exception>
    public void CheckChannels(int channels)
    {
        if (Mean.Count != 1 && Mean.Count != channels)
            throw new KryptonException(
                $"normalization gives {Mean.Count} mean/std values but the model takes {channels} channel(s)");
    }
}
