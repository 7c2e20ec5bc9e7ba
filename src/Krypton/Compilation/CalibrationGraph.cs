using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;

namespace Krypton.Compilation;

/// <summary>
/// The float32 reference of a reduced-precision run: the float32 model once on the unoccluded
/// image, whose scores (<see cref="ScoreHead.ProbabilitiesOutput"/>) choose the target, so that
/// every precision explains the class the model itself predicts (an int8 model may rank a
/// close second class first). For int8 it also gives the graphs' scales and zero points for the
/// image: each slot's value reduced to its range (the model's input also over the
/// fill, which occluded copies contain), widened to hold 0 and stretched by
/// <see cref="ReducedLayout.Margin"/>; the scale spreads that range over the 255 steps of uint8 and
/// the zero point is the code of 0 (0 for a value that cannot be negative). Every graph of an
/// image then runs on the same scales, so exact int8 and naive int8 maps agree.
/// </summary>
internal static class CalibrationGraph
{
    /// <summary>Output: the scales, [slots] float.</summary>
    public const string ScalesOutput = ReducedLayout.ScalesInput;

    /// <summary>Output: the zero points, [slots] uint8.</summary>
    public const string ZeroPointsOutput = ReducedLayout.ZeroPointsInput;

    /// <summary>The smallest scale: a value that is zero on the unoccluded image still divides by something.</summary>
    private const float Floor = 1e-8f;

    /// <summary>
    /// Emits the graph for a network (the logits network that the reduced-precision graphs run) and,
    /// for int8, its layout (the scales and zero points then come out too; null for float16 and TF32).
    /// </summary>
    public static byte[] Emit(ModelGraph network, ReducedLayout? layout)
    {
        var b = new OnnxGraphBuilder(weightFiles: true);
        ScoreHead.ReserveNames(b);
        b.Reserve(ScalesOutput);
        b.Reserve(ZeroPointsOutput);
        int c = network.Channels, h = network.Height, w = network.Width;
        string image = b.Input(ScoreHead.ImageInput, [1, c, h, w]);
        string fill = b.Input(ScoreHead.FillInput, [1, c, h, w]);
        var names = OnnxExporter.EmitNodeValues(network, b, image, "float/");
        ScoreHead.Emit(b, names[network.Output], network, Spec.ValueKind.Probability, null);
        if (layout is null)
            return b.Build($"float32 reference of {network.Name}").ToByteArray();
        var lows = new List<string>();
        var highs = new List<string>();
        var signed = new float[layout.Slots];
        for (int slot = 0; slot < layout.Slots; slot++)
        {
            var (value, isSigned) = layout.Calibrated[slot];
            string x = value == network.InputName
                ? b.Node("Concat", [image, fill], null, "calibration/image_and_fill", OnnxAttr.Int("axis", 0))
                : names[value];
            string flat = b.Node("Reshape", [x, b.Int64s($"calibration/{slot}.flat", [-1])], null, $"calibration/{slot}/flat");
            lows.Add(b.Node("ReduceMin", [flat], null, $"calibration/{slot}/min", OnnxAttr.Ints("axes", 0), OnnxAttr.Int("keepdims", 1)));
            highs.Add(b.Node("ReduceMax", [flat], null, $"calibration/{slot}/max", OnnxAttr.Ints("axes", 0), OnnxAttr.Int("keepdims", 1)));
            signed[slot] = isSigned ? 1 : 0;
        }
        string zero = b.Constant("calibration/zero", ConstantTensor.Scalar(0));
        string margin = b.Constant("calibration/margin", ConstantTensor.Scalar(ReducedLayout.Margin));
        // A value that cannot be negative starts at 0 (its zero point is the constant 0).
        string low = b.Node("Mul", [b.Node("Min", [b.Node("Concat", lows, null, "calibration/lows", OnnxAttr.Int("axis", 0)), zero], null, "calibration/low0"),
            b.Constant("calibration/signed", ConstantTensor.Vector(signed))], null, "calibration/low_signed");
        string high = b.Node("Max", [b.Node("Concat", highs, null, "calibration/highs", OnnxAttr.Int("axis", 0)), zero], null, "calibration/high0");
        string lowEnd = b.Node("Mul", [low, margin], null, "calibration/low_end");
        string span = b.Node("Mul", [b.Node("Sub", [high, low], null, "calibration/span"), margin], null, "calibration/span_margin");
        string scales = b.Node("Max", [b.Node("Div", [span, b.Constant("calibration/steps", ConstantTensor.Scalar(255))], null, "calibration/step"),
            b.Constant("calibration/floor", ConstantTensor.Scalar(Floor))], ScalesOutput, "calibration/scales");
        string codes = b.Node("Round", [b.Node("Div", [b.Node("Neg", [lowEnd], null, "calibration/minus_low"), scales], null, "calibration/zero_code")], null, "calibration/zero_round");
        string clipped = b.Node("Clip", [codes, zero, b.Constant("calibration/top", ConstantTensor.Scalar(255))], null, "calibration/zero_clip");
        b.Node("Cast", [clipped], ZeroPointsOutput, "calibration/zero_points", OnnxAttr.Int("to", (int)Onnx.Proto.TensorProto.Types.DataType.Uint8));
        b.Output(ScalesOutput, [layout.Slots]);
        b.Output(ZeroPointsOutput, [layout.Slots], Onnx.Proto.TensorProto.Types.DataType.Uint8);
        return b.Build($"int8 calibration of {network.Name}").ToByteArray();
    }
}
