using Krypton.Imaging;

namespace Krypton.Occlusion;

/// <summary>Conversion of fills into the model's input space.</summary>
public static class FillValues
{
    /// <summary>
    /// The fill as one model-space value per channel, for the model input <paramref name="input"/>
    /// ([1, C, H, W]) prepared with <paramref name="normalization"/>.
    /// </summary>
    public static float[] ToModelSpace(Fill fill, float[] input, int channels, Preprocessing normalization)
    {
        int plane = input.Length / channels;
        return Enumerable.Range(0, channels).Select(c => fill switch
        {
            PixelFill p => normalization.PixelToTensor(p.Value, c),
            TensorFill t => t.Value,
            // The normalization is affine per channel, so the mean of the model input is the
            // model-space value of the image's mean pixel.
            MeanFill => (float)input.AsSpan(c * plane, plane).ToArray().Average(v => (double)v),
            _ => throw new KryptonException($"unknown fill {fill}"),
        }).ToArray();
    }
}
