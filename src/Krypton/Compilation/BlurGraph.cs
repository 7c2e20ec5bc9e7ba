using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;

namespace Krypton.Compilation;

/// <summary>
/// Emits a Gaussian blur of one image as an ONNX graph: reflect padding, then a depthwise
/// convolution down the rows and one along the columns (the Gaussian is separable). The kernel has
/// radius ⌈3σ⌉, at most one less than the image's shorter side (reflect padding reaches no further),
/// and weights exp(−x² / 2σ²) normalized to sum 1: torchvision's <c>gaussian_blur</c> with kernel
/// size 2·radius + 1. Used for the blur fill (<see cref="Krypton.Spec.BlurFill"/>).
/// </summary>
public static class BlurGraph
{
    /// <summary>The input and output name.</summary>
    public const string ImageInput = "image", BlurredOutput = "blurred";

    /// <summary>The kernel radius used for <paramref name="sigma"/> on an image of the given size.</summary>
    public static int Radius(float sigma, int height, int width) =>
        Math.Max(0, Math.Min((int)Math.Ceiling(3 * sigma), Math.Min(height, width) - 1));

    /// <summary>The graph for [1, <paramref name="channels"/>, <paramref name="height"/>, <paramref name="width"/>] images.</summary>
    public static byte[] Emit(int channels, int height, int width, float sigma)
    {
        if (!(sigma > 0) || float.IsInfinity(sigma))
            throw new KryptonException($"blur sigma must be a positive number of pixels, got {sigma}");
        int r = Radius(sigma, height, width), k = 2 * r + 1;
        var weights = new double[k];
        for (int i = 0; i < k; i++) weights[i] = Math.Exp(-0.5 * Math.Pow((i - r) / (double)sigma, 2));
        double sum = weights.Sum();
        var kernel = Enumerable.Range(0, channels).SelectMany(_ => weights.Select(w => (float)(w / sum))).ToArray();

        var b = new OnnxGraphBuilder();
        b.Reserve(BlurredOutput);
        string image = b.Input(ImageInput, [1, channels, height, width]);
        string padded = b.Node("Pad", [image, b.Int64s("pads", [0, 0, r, r, 0, 0, r, r])], null, "pad", OnnxAttr.String("mode", "reflect"));
        string down = b.Node("Conv", [padded, b.Constant("rows", new ConstantTensor([channels, 1, k, 1], kernel))], null, "blur_rows",
            OnnxAttr.Int("group", channels));
        b.Node("Conv", [down, b.Constant("columns", new ConstantTensor([channels, 1, 1, k], kernel))], BlurredOutput, "blur_columns",
            OnnxAttr.Int("group", channels));
        b.Output(BlurredOutput, [1, channels, height, width]);
        return b.Build($"gaussian blur, sigma {sigma}, radius {r}").ToByteArray();
    }
}
