using Krypton.Compilation;
using Krypton.Imaging;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>Conversion of fills into the model's input space.</summary>
public static class FillValues
{
    /// <summary>
    /// The fill as one model-space value per channel, for the model input <paramref name="input"/>
    /// ([1, C, H, W]) prepared with <paramref name="normalization"/>; empty for a fill that varies
    /// over the image (<see cref="Fill.IsUniform"/> false: blur, a baseline).
    /// </summary>
    public static float[] ToModelSpace(Fill fill, float[] input, int channels, Preprocessing normalization)
    {
        if (!fill.IsUniform)
            return [];
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

    /// <summary>
    /// The fill as an image in model space, [1, C, H, W] like <paramref name="input"/>: what each
    /// pixel becomes when a patch covers it. This is what the occlusion graphs take, so a uniform
    /// fill and one that varies over the image (blur, a baseline) run through the same graphs.
    /// </summary>
    /// <param name="fill">The fill.</param>
    /// <param name="input">The model input.</param>
    /// <param name="channels">Its channels.</param>
    /// <param name="height">Its height.</param>
    /// <param name="width">Its width.</param>
    /// <param name="normalization">How pixels became the input (for pixel-space fills and a baseline picture).</param>
    /// <param name="patch">The patch size (the blur's default σ).</param>
    /// <param name="execution">Where the blur's graph runs (the device of the experiment).</param>
    public static float[] Image(Fill fill, float[] input, int channels, int height, int width, Preprocessing normalization, Size2 patch,
        ExecutionOptions? execution = null)
    {
        int plane = height * width;
        if (input.Length != channels * plane)
            throw new KryptonException($"the input has {input.Length} values, expected {channels} x {height} x {width}");
        if (fill is BlurFill blur)
        {
            using var session = new OnnxSession(BlurGraph.Emit(channels, height, width, blur.SigmaFor(patch)), execution);
            return session.RunSingle(BlurGraph.ImageInput, input, [1, channels, height, width]).Values;
        }
        switch (fill)
        {
            case BaselineFill file:
                return Baseline(file, channels, height, width, normalization);
            case BaselineTensorFill tensor:
                return tensor.Tensor.Length == input.Length ? tensor.Tensor
                    : throw new KryptonException($"the baseline tensor has {tensor.Tensor.Length} values, expected {channels} x {height} x {width}");
        }
        var perChannel = ToModelSpace(fill, input, channels, normalization);
        var image = new float[input.Length];
        for (int c = 0; c < channels; c++)
            Array.Fill(image, perChannel[c], c * plane, plane);
        return image;
    }

    /// <summary>A baseline picture or .npy tensor as a model input [1, C, H, W], prepared exactly like the input.</summary>
    /// <exception cref="KryptonException">The file is missing, unreadable or the wrong shape.</exception>
    public static float[] Baseline(BaselineFill fill, int channels, int height, int width, Preprocessing? normalization) =>
        ModelInput.Load(fill.Path, channels, height, width, normalization, "baseline").Tensor;
}
