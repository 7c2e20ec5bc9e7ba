using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// Fixed convolutions whose speed stands for a machine's (<see cref="Layers"/> of 64 → 64 channels,
/// 3×3, 56×56, each with a ReLU, batch 4: ResNet blocks' shape), with seeded weights: the planner's
/// throughput probe runs them, in the precision a plan runs (int8 emitted as every int8 graph is,
/// <see cref="PrecisionEmitter"/>; several layers, so that int8's conversion of the float input
/// and output weighs as little as in a network).
/// </summary>
public static class ConvolutionProbeGraph
{
    /// <summary>Images per run.</summary>
    public const int Batch = 4;

    /// <summary>Input and output channels.</summary>
    public const int Channels = 64;

    /// <summary>Height and width of the input and output.</summary>
    public const int Size = 56;

    /// <summary>Convolutions in the chain.</summary>
    public const int Layers = 4;

    /// <summary>Kernel height and width.</summary>
    public const int Kernel = 3;

    /// <summary>The input's name ("x", [Batch, Channels, Size, Size]).</summary>
    public const string Input = "x";

    /// <summary>Multiply-adds of one run.</summary>
    public static double MultiplyAdds => (double)Layers * Batch * Channels * Size * Size * Channels * Kernel * Kernel;

    /// <summary>Scale slots of the int8 graph (its input and each convolution's output): it takes that many scales and zero points.</summary>
    public const int Int8Slots = Layers + 1;

    /// <summary>The graph in a precision; in int8 it also takes <see cref="ReducedLayout.ScalesInput"/> and <see cref="ReducedLayout.ZeroPointsInput"/>, [<see cref="Int8Slots"/>] each.</summary>
    public static byte[] Emit(Precision precision = Precision.Fp32)
    {
        var b = new OnnxGraphBuilder();
        string x = b.Input(Input, [Batch, Channels, Size, Size]);
        var network = Network();
        var emitter = new PrecisionEmitter(b, precision, network);
        string y = emitter.EmitNetwork(network, x)[network.Output];
        b.Node("Identity", [emitter.Float(y, network.Output)], "y", "probe_output");
        b.Output("y", [Batch, Channels, Size, Size]);
        return b.Build("throughput probe").ToByteArray();
    }

    private static ModelGraph Network()
    {
        var random = new Random(0);
        var weights = new float[Channels * Channels * Kernel * Kernel];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
        var conv = new Conv(Window2D.Square(Kernel, 1, 1), 1, ConstantTensor.Create([Channels, Channels, Kernel, Kernel], weights), null);
        var nodes = new List<Node>();
        string value = Input;
        for (int i = 0; i < Layers; i++)
        {
            nodes.Add(new Node($"conv{i}", conv, [value], $"conv{i}"));
            nodes.Add(new Node($"relu{i}", new Activation(ActivationKind.Relu), [$"conv{i}"], value = $"relu{i}"));
        }
        return new ModelGraph(Input, [1, Channels, Size, Size], nodes, value, "throughput probe");
    }
}
