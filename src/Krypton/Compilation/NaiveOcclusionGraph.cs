using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// Emits the naive occlusion graph: for a batch of patch positions it builds the occluded copies
/// of the image inside the graph (a mask from the positions, then Where), runs the whole model on
/// them and returns the target values. Only positions go in and target values come out, so the
/// same graph serves CPU and GPU and no occluded image is ever assembled on the host.
/// </summary>
public static class NaiveOcclusionGraph
{
    /// <summary>Working memory of one position of the naive graph: every activation and the occluded copy.</summary>
    public static long BytesPerPosition(ModelGraph model) => model.ActivationBytes + 4L * model.Channels * model.Height * model.Width;

    /// <summary>
    /// Emits the graph for a model, a patch size, a value kind and a precision (int8 adds the
    /// scales input, <see cref="ReducedLayout.ScalesInput"/>, that <see cref="CalibrationGraph"/> computes;
    /// TF32 is the float32 graph, a session option).
    /// </summary>
    public static byte[] Emit(ModelGraph model, Size2 patch, ValueKind value, Precision precision = Precision.Fp32)
    {
        var network = ScoreHead.Logits(model);
        var b = new OnnxGraphBuilder(weightFiles: true);
        ScoreHead.ReserveNames(b);
        int c = model.Channels, h = model.Height, w = model.Width;
        string image = b.Input(ScoreHead.ImageInput, [1, c, h, w]);
        string fill = b.Input(ScoreHead.FillInput, [1, c, h, w]);
        string positions = b.Input(ScoreHead.PositionsInput, [-1, 2], TensorProto.Types.DataType.Int64);
        string targets = b.Input(ScoreHead.TargetsInput, [-1], TensorProto.Types.DataType.Int64);

        string mask = PatchMask(b, positions, patch, h, w);
        string occluded = b.Node("Where", [mask, fill, image], null, "occlude");
        string output;
        if (ReducedLayout.For(precision, network) is not { } layout)
            output = OnnxExporter.EmitNodes(network, b, occluded, "model/");
        else
        {
            var emitter = new PrecisionEmitter(b, precision, layout);
            output = emitter.Float(emitter.EmitNetwork(network, occluded, "model/")[network.Output], network.Output);
        }
        ScoreHead.Emit(b, output, network, value, targets);
        return b.Build($"naive occlusion of {model.Name}, patch {patch}, {value}, {precision.Name()}").ToByteArray();
    }

    /// <summary>The float32 reference (<see cref="CalibrationGraph"/>) of the naive graph of <paramref name="model"/> in a precision other than float32: the same network and layout.</summary>
    public static byte[] Calibration(ModelGraph model, Precision precision)
    {
        var network = ScoreHead.Logits(model);
        return CalibrationGraph.Emit(network, precision == Precision.Int8 ? ReducedLayout.For(precision, network) : null);
    }

    /// <summary>
    /// A boolean mask [n, 1, H, W], true inside each position's patch: rows y ≤ r &lt; y + h and
    /// columns x ≤ c &lt; x + w, from index comparisons (no host-side image copies).
    /// </summary>
    public static string PatchMask(OnnxGraphBuilder b, string positions, Size2 patch, int height, int width)
    {
        string Axis(int column, int size, int extent, string name)
        {
            string start = b.Node("Slice", [positions, b.Int64s(name + ".s", [column]), b.Int64s(name + ".e", [column + 1]), b.Int64s(name + ".a", [1])], null, name + "_start");
            string end = b.Node("Add", [start, b.Int64s(name + ".extent", [extent], [1, 1])], null, name + "_end");
            string index = b.Int64s(name + ".index", Enumerable.Range(0, size).Select(i => (long)i).ToArray(), [1, size]);
            return SpanMask.Inside(b, index, start, end, name);
        }
        return SpanMask.Grid(b, Axis(0, height, patch.Height, "mask_rows"), Axis(1, width, patch.Width, "mask_cols"), "patch_mask");
    }
}
