using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;

namespace Krypton.Compilation;

/// <summary>
/// A fixed convolution whose speed stands for a machine's (64 → 64 channels, 3×3, 56×56, batch 4:
/// a ResNet block's shape), with seeded weights: the planner's throughput probe runs it.
/// </summary>
public static class ConvolutionProbeGraph
{
    /// <summary>Images per run.</summary>
    public const int Batch = 4;

    /// <summary>Input and output channels.</summary>
    public const int Channels = 64;

    /// <summary>Height and width of the input and output.</summary>
    public const int Size = 56;

    /// <summary>Kernel height and width.</summary>
    public const int Kernel = 3;

    /// <summary>The input's name ("x", [Batch, Channels, Size, Size]).</summary>
    public const string Input = "x";

    /// <summary>Multiply-adds of one run.</summary>
    public static double MultiplyAdds => (double)Batch * Channels * Size * Size * Channels * Kernel * Kernel;

    /// <summary>The graph.</summary>
    public static byte[] Emit()
    {
        var b = new OnnxGraphBuilder();
        string x = b.Input(Input, [Batch, Channels, Size, Size]);
        var random = new Random(0);
        var weights = new float[Channels * Channels * Kernel * Kernel];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
        string w = b.Constant("w", ConstantTensor.Create([Channels, Channels, Kernel, Kernel], weights));
        b.Node("Conv", [x, w], "y", "probe", OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Output("y", [Batch, Channels, Size, Size]);
        return b.Build("throughput probe").ToByteArray();
    }
}
