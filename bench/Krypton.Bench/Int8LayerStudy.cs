using System.Diagnostics;
using Google.Protobuf;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using DataType = Krypton.Onnx.Proto.TensorProto.Types.DataType;

namespace Krypton.Bench;

/// <summary>
/// One 3×3 convolution (+ ReLU) on the shapes exact mode runs, batch 32, 1 thread: float Conv
/// against ONNX Runtime's QLinearConv with uint8 input (scales as constants and as graph inputs,
/// output zero point 0 and 128) and with int8 input, rounds alternating. The measurements behind
/// the int8 layout (docs/design.md, "Precision"). Usage: Krypton.Bench --int8-layers
/// </summary>
internal static class Int8LayerStudy
{
    private const int Batch = 32, Rounds = 2, Repeats = 5;

    public static void Run()
    {
        Console.WriteLine($"one 3x3 convolution, batch {Batch}, 1 thread, ms per call (best of {Rounds} rounds of {Repeats}), speed against float Conv in brackets");
        var random = new Random(1);
        foreach (var (channels, size) in new[] { (64, 22), (128, 12), (256, 8), (512, 9) })
        {
            var weights = Enumerable.Range(0, channels * channels * 9).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
            var x = Enumerable.Range(0, Batch * channels * size * size).Select(_ => (float)random.NextDouble()).ToArray();
            var variants = new (string Name, byte[] Graph, Func<Dictionary<string, OrtValue>> Inputs)[]
            {
                ("float Conv", FloatGraph(weights, channels, size), () => new() { ["x"] = Tensor(x, channels, size) }),
                ("uint8, scales constant", Quantized(weights, channels, size, signedInput: false, scalesAsInputs: false, outputZeroPoint: 0), () => new() { ["x"] = Tensor(Codes(x, 255, 0), channels, size) }),
                ("uint8, scales as inputs", Quantized(weights, channels, size, signedInput: false, scalesAsInputs: true, outputZeroPoint: 0), () => new()
                {
                    ["x"] = Tensor(Codes(x, 255, 0), channels, size),
                    ["xs"] = OrtValue.CreateTensorValueFromMemory(new[] { 1f / 255 }, []),
                    ["ys"] = OrtValue.CreateTensorValueFromMemory(new[] { 0.05f }, []),
                }),
                ("uint8, output zero point 128", Quantized(weights, channels, size, signedInput: false, scalesAsInputs: false, outputZeroPoint: 128), () => new() { ["x"] = Tensor(Codes(x, 255, 0), channels, size) }),
                ("int8 input", Quantized(weights, channels, size, signedInput: true, scalesAsInputs: false, outputZeroPoint: 0), () => new() { ["x"] = Tensor(Codes(x, 127, 0).Select(b => (sbyte)b).ToArray(), channels, size) }),
            };
            var best = variants.Select(_ => double.MaxValue).ToArray();
            for (int round = 0; round < Rounds; round++)
                for (int v = 0; v < variants.Length; v++)
                    best[v] = Math.Min(best[v], Time(variants[v].Graph, variants[v].Inputs()));
            Console.WriteLine($"{channels} channels, {size}x{size}: " + string.Join("; ", variants.Select((v, i) => $"{v.Name} {best[i]:0.0} ms ({best[0] / best[i]:0.00}x)")));
        }
    }

    private static OrtValue Tensor<T>(T[] data, int channels, int size) where T : unmanaged =>
        OrtValue.CreateTensorValueFromMemory(data, [Batch, channels, size, size]);

    private static byte[] Codes(float[] x, int top, int zeroPoint) => x.Select(v => (byte)Math.Clamp(Math.Round(v * top) + zeroPoint, 0, 255)).ToArray();

    private static AttributeProto[] Attributes => [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 0, 0, 0, 0)];

    private static byte[] FloatGraph(float[] weights, int channels, int size)
    {
        var b = new OnnxGraphBuilder();
        b.Input("x", [-1, channels, size, size]);
        string w = b.Constant("w", new Model.ConstantTensor([channels, channels, 3, 3], weights));
        string y = b.Node("Conv", ["x", w], null, "conv", Attributes);
        b.Node("Relu", [y], "z", "relu");
        b.Output("z", [-1, channels, size - 2, size - 2]);
        return b.Build().ToByteArray();
    }

    private static byte[] Quantized(float[] weights, int channels, int size, bool signedInput, bool scalesAsInputs, byte outputZeroPoint)
    {
        var b = new OnnxGraphBuilder();
        var activation = signedInput ? DataType.Int8 : DataType.Uint8;
        b.Input("x", [-1, channels, size, size], activation);
        int per = channels * 9;
        var codes = new byte[weights.Length];
        var scales = new float[channels];
        for (int k = 0; k < channels; k++)
        {
            float largest = weights.Skip(k * per).Take(per).Max(Math.Abs);
            scales[k] = largest / 63;
            for (int i = 0; i < per; i++) codes[k * per + i] = unchecked((byte)(sbyte)Math.Round(weights[k * per + i] / scales[k]));
        }
        string w = b.Typed("w", DataType.Int8, [channels, channels, 3, 3], codes);
        string ws = b.Constant("ws", Model.ConstantTensor.Vector(scales));
        string wz = b.Typed("wz", DataType.Int8, [channels], new byte[channels]);
        string xs = "xs", ys = "ys";
        if (scalesAsInputs)
        {
            b.Input(xs, []);
            b.Input(ys, []);
        }
        else
        {
            xs = b.Constant("xs", Model.ConstantTensor.Scalar(1f / 255));
            ys = b.Constant("ys", Model.ConstantTensor.Scalar(0.05f));
        }
        string xz = b.Typed("xz", activation, [], [0]);
        string yz = b.Typed("yz", activation, [], [outputZeroPoint]);
        b.Node("QLinearConv", ["x", xs, xz, w, ws, wz, ys, yz], "y", "qconv", Attributes);
        b.Output("y", [-1, channels, size - 2, size - 2], activation);
        return b.Build().ToByteArray();
    }

    private static double Time(byte[] graph, Dictionary<string, OrtValue> inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(graph, options);
        using var run = new RunOptions();
        void Once() { using var _ = session.Run(run, inputs.Keys.ToList(), inputs.Values.ToList(), session.OutputNames); }
        Once();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Repeats; i++) Once();
        foreach (var v in inputs.Values) v.Dispose();
        return clock.Elapsed.TotalMilliseconds / Repeats;
    }
}
