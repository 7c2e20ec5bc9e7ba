namespace Krypton.Occlusion;

/// <summary>
/// How pixel values in [0, 1] become model input: (pixel − Mean[c]) / Std[c] per channel.
/// Pixel-space fills go through it so that "black" is black whatever the model expects.
/// </summary>
public sealed record InputNormalization(float[] Mean, float[] Std)
{
    /// <summary>torchvision's ImageNet statistics, the default for ImageNet-trained models.</summary>
    public static InputNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>No normalization: the model takes pixel values in [0, 1].</summary>
    public static InputNormalization None { get; } = new([0f], [1f]);

    /// <summary>Model-space value of a pixel value on a channel (a single-channel setting applies to every channel).</summary>
    public float ToModel(float pixel, int channel) =>
        (pixel - Mean[channel % Mean.Length]) / Std[channel % Std.Length];

    /// <summary>Pixel value of a model-space value on a channel.</summary>
    public float ToPixel(float value, int channel) =>
        value * Std[channel % Std.Length] + Mean[channel % Mean.Length];
}

/// <summary>Conversion of fills into the model's input space.</summary>
public static class FillValues
{
    /// <summary>
    /// The fill as one model-space value per channel, for the model input <paramref name="input"/>
    /// ([1, C, H, W]) prepared with <paramref name="normalization"/>.
    /// </summary>
    public static float[] ToModelSpace(Fill fill, float[] input, int channels, InputNormalization normalization)
    {
        int plane = input.Length / channels;
        return Enumerable.Range(0, channels).Select(c => fill switch
        {
            PixelFill p => normalization.ToModel(p.Value, c),
            TensorFill t => t.Value,
            // The normalization is affine per channel, so the mean of the model input is the
            // model-space value of the image's mean pixel.
            MeanFill => (float)input.AsSpan(c * plane, plane).ToArray().Average(v => (double)v),
            _ => throw new KryptonException($"unknown fill {fill}"),
        }).ToArray();
    }
}
