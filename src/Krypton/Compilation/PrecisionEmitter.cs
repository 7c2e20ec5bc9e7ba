using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// Emits a model's nodes in a graph's precision: in float32 (and TF32, a session option) each op
/// as <see cref="OpEmitter"/> writes it; in int8 and float16 as <see cref="ReducedLayout"/> holds
/// the values, converting between the reduced form and float32 (DequantizeLinear and
/// QuantizeLinear for uint8 codes, Cast for float16) only where an op needs the other form. The
/// naive, cache and incremental graphs all emit through one of these, so their values are
/// computed alike.
/// </summary>
internal sealed class PrecisionEmitter
{
    private readonly OnnxGraphBuilder _b;
    private readonly ReducedLayout? _layout;
    private readonly bool _half;
    private readonly Dictionary<int, string> _scales = [];
    private readonly Dictionary<int, string> _zeroPoints = [];
    private string? _zero;
    private readonly Dictionary<string, string> _floats = [];
    private readonly Dictionary<string, string> _reduced = [];
    private readonly Dictionary<ConstantTensor, (string Weight, string Scales, string ZeroPoints)> _weights = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ConstantTensor, string> _halfWeights = new(ReferenceEqualityComparer.Instance);

    /// <summary>An emitter into <paramref name="b"/> of <paramref name="network"/>'s nodes in a precision; in int8 the graph gets the scales inputs.</summary>
    public PrecisionEmitter(OnnxGraphBuilder b, Precision precision, ModelGraph network) : this(b, precision, ReducedLayout.For(precision, network)) { }

    /// <summary>An emitter into <paramref name="b"/> in a precision with its layout (<see cref="ReducedLayout.For"/>); in int8 the graph gets the scales inputs.</summary>
    public PrecisionEmitter(OnnxGraphBuilder b, Precision precision, ReducedLayout? layout)
    {
        _b = b;
        _layout = layout;
        _half = precision == Precision.Fp16;
        if (layout is null || _half) return;
        b.Input(ReducedLayout.ScalesInput, [layout.Slots]);
        b.Input(ReducedLayout.ZeroPointsInput, [layout.Slots], TensorProto.Types.DataType.Uint8);
    }

    /// <summary>True when the graph holds <paramref name="value"/> in the reduced precision (uint8 codes or float16).</summary>
    public bool IsStored(string value) => _layout?.IsStored(value) ?? false;

    /// <summary>The element type the graph holds <paramref name="value"/> in.</summary>
    public TensorProto.Types.DataType TypeOf(string value) =>
        !IsStored(value) ? TensorProto.Types.DataType.Float : _half ? TensorProto.Types.DataType.Float16 : TensorProto.Types.DataType.Uint8;

    /// <summary>Bytes of one element of <paramref name="value"/> as the graph holds it.</summary>
    public int ElementBytes(string value) => !IsStored(value) ? 4 : _half ? 2 : 1;

    /// <summary>
    /// Emits <paramref name="node"/> computing <paramref name="op"/> (the node's op, or a variant of it
    /// such as a window without padding) on <paramref name="inputs"/>, each holding the node's input
    /// value in the graph's form; the output is written in the graph's form of the node's output.
    /// </summary>
    public void Emit(Node node, Op op, IReadOnlyList<string> inputs, string output)
    {
        if (_layout is not { } layout)
        {
            _b.Emit(op, node.Name, inputs, output);
            return;
        }
        string input = inputs.Count > 0 ? inputs[0] : "";
        switch (op)
        {
            case Conv conv when _half:
                EmitHalfConv(node, conv, Reduced(input, node.Inputs[0]), output);
                return;
            case Conv conv:
                EmitConv(node, conv, Reduced(input, node.Inputs[0]), output);
                return;
            case Activation { Kind: ActivationKind.Relu } when _half && layout.IsStored(node.Output):
                // float16 keeps the sign: the ReLU runs (in int8 the zero point 0 already clamped).
                _b.Node("Relu", [input], output, node.Name);
                return;
            case Activation { Kind: ActivationKind.Relu } or Identity when layout.IsStored(node.Output):
                _b.Node("Identity", [input], output, node.Name);
                return;
            case Pool { Kind: PoolKind.Max } when layout.IsStored(node.Output):
                _b.Emit(op, node.Name, [input], output);
                return;
            case Pad pad when layout.IsStored(node.Output):
            {
                var ins = new List<string> { input, _b.Int64s(node.Name + ".pads", pad.Pads.Select(p => (long)p).ToArray()) };
                if (pad.Mode == PadMode.Constant) ins.Add(PadConstant(node.Inputs[0], pad.Value, node.Name));
                _b.Node("Pad", ins, output, node.Name, OnnxAttr.String("mode", pad.Mode.ToString().ToLowerInvariant()));
                return;
            }
            default:
                _b.Emit(op, node.Name, inputs.Select((name, i) => Float(name, node.Inputs[i])).ToList(), output);
                return;
        }
    }

    /// <summary>The whole network on <paramref name="input"/> (a float image); the name each value got, in the graph's form of it.</summary>
    public IReadOnlyDictionary<string, string> EmitNetwork(ModelGraph network, string input, string prefix = "") =>
        OnnxExporter.EmitNodeValues(network, _b, input, prefix, (node, inputs, output) => Emit(node, node.Op, inputs, output));

    /// <summary><paramref name="name"/>, which holds <paramref name="value"/> in the graph's form, as float32.</summary>
    public string Float(string name, string value)
    {
        if (!IsStored(value)) return name;
        if (_floats.TryGetValue(name, out var known)) return known;
        return _floats[name] = _half
            ? _b.Node("Cast", [name], null, name + "/float", OnnxAttr.Int("to", (int)TensorProto.Types.DataType.Float))
            : _b.Node("DequantizeLinear", [name, Scale(value), ZeroPoint(value)], null, name + "/float");
    }

    /// <summary><paramref name="name"/>, which holds <paramref name="value"/> in the graph's form, in the reduced form: uint8 on the value's scale, or float16.</summary>
    public string Reduced(string name, string value)
    {
        if (IsStored(value)) return name;
        if (_reduced.TryGetValue(name, out var known)) return known;
        return _reduced[name] = _half
            ? _b.Node("Cast", [name], null, name + "/half", OnnxAttr.Int("to", (int)TensorProto.Types.DataType.Float16))
            : _b.Node("QuantizeLinear", [name, Scale(value), ZeroPoint(value)], null, name + "/uint8");
    }

    /// <summary>
    /// A scalar in the graph's form of <paramref name="value"/> that stands for <paramref name="padValue"/>
    /// (what a read beyond the map's border finds): the float itself, its float16 (the lowest
    /// float, max pooling's border, as the lowest float16), or its uint8 code, with the lowest
    /// float as code 0.
    /// </summary>
    public string PadConstant(string value, float padValue, string hint)
    {
        if (!IsStored(value)) return _b.Constant(hint + "/pad_value", ConstantTensor.Scalar(padValue));
        if (_half) return Half16(hint + "/pad_value", [], [padValue == float.MinValue ? Half.MinValue : (Half)padValue]);
        if (padValue == float.MinValue) return _b.Typed(hint + "/pad_code", TensorProto.Types.DataType.Uint8, [], [0]);
        return _b.Node("QuantizeLinear", [_b.Constant(hint + "/pad_value", ConstantTensor.Scalar(padValue)), Scale(value), ZeroPoint(value)], null, hint + "/pad_code");
    }

    /// <summary>The value's scale, a float scalar read from the scales input (once per slot).</summary>
    private string Scale(string value)
    {
        int slot = _layout!.SlotOf(value);
        if (_scales.TryGetValue(slot, out var known)) return known;
        return _scales[slot] = _b.Node("Gather", [ReducedLayout.ScalesInput, _b.Int64Scalar($"int8_slot{slot}", slot)], null, $"int8_scale{slot}", OnnxAttr.Int("axis", 0));
    }

    /// <summary>The value's zero point: the constant 0 for a value that cannot be negative, else read from the zero points input (once per slot).</summary>
    private string ZeroPoint(string value)
    {
        if (!_layout!.IsSigned(value))
            return _zero ??= _b.Typed("int8_zero", TensorProto.Types.DataType.Uint8, [], [0]);
        int slot = _layout.SlotOf(value);
        if (_zeroPoints.TryGetValue(slot, out var known)) return known;
        return _zeroPoints[slot] = _b.Node("Gather", [ReducedLayout.ZeroPointsInput, _b.Int64Scalar($"int8_zp_slot{slot}", slot)], null, $"int8_zero_point{slot}", OnnxAttr.Int("axis", 0));
    }

    /// <summary>
    /// QLinearConv: uint8 input and output on their slots' scales, the weights int8 per output
    /// channel (quantized once here), the bias int32 on the scale input·weight, computed in the
    /// graph from the image's input scale.
    /// </summary>
    private void EmitConv(Node node, Conv conv, string x, string output)
    {
        var b = _b;
        var (weight, weightScales, weightZeroPoints) = QuantizedWeights(conv, node.Name);
        string xs = Scale(node.Inputs[0]), ys = Scale(node.Output);
        var inputs = new List<string> { x, xs, ZeroPoint(node.Inputs[0]), weight, weightScales, weightZeroPoints, ys, ZeroPoint(node.Output) };
        if (conv.Bias is not null)
        {
            string step = b.Node("Mul", [xs, weightScales], null, node.Name + "/bias_step");
            string codes = b.Node("Round", [b.Node("Div", [b.Constant(node.Name + ".bias", conv.Bias), step], null, node.Name + "/bias_ratio")], null, node.Name + "/bias_round");
            string clipped = b.Node("Clip", [codes, b.Constant(node.Name + "/bias_min", ConstantTensor.Scalar(-2.1e9f)), b.Constant(node.Name + "/bias_max", ConstantTensor.Scalar(2.1e9f))],
                null, node.Name + "/bias_clip");
            inputs.Add(b.Node("Cast", [clipped], null, node.Name + "/bias_int32", OnnxAttr.Int("to", (int)TensorProto.Types.DataType.Int32)));
        }
        b.Node("QLinearConv", inputs, output, node.Name, OpEmitter.ConvAttributes(conv));
    }

    /// <summary>Conv in float16: the input, weights, bias and output all half (weights converted once).</summary>
    private void EmitHalfConv(Node node, Conv conv, string x, string output)
    {
        if (!_halfWeights.TryGetValue(conv.Weight, out var weight))
            _halfWeights[conv.Weight] = weight = Half16(node.Name + ".weight_half", conv.Weight.Shape, conv.Weight.Data.Select(v => (Half)v).ToArray());
        var inputs = new List<string> { x, weight };
        if (conv.Bias is not null)
            inputs.Add(Half16(node.Name + ".bias_half", conv.Bias.Shape, conv.Bias.Data.Select(v => (Half)v).ToArray()));
        _b.Node("Conv", inputs, output, node.Name, OpEmitter.ConvAttributes(conv));
    }

    private string Half16(string hint, int[] shape, Half[] values) =>
        _b.Typed(hint, TensorProto.Types.DataType.Float16, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>
    /// The weights as int8 codes, symmetric per output channel (scale = largest |w| / <see cref="ReducedLayout.WeightLimit"/>,
    /// rounded half to even as QuantizeLinear rounds), with their scales and zero points; once per weight tensor.
    /// </summary>
    private (string, string, string) QuantizedWeights(Conv conv, string name)
    {
        if (_weights.TryGetValue(conv.Weight, out var known)) return known;
        var data = conv.Weight.Data;
        int outChannels = conv.OutChannels, per = data.Length / outChannels;
        var codes = new byte[data.Length];
        var scales = new float[outChannels];
        for (int k = 0; k < outChannels; k++)
        {
            var row = data.AsSpan(k * per, per);
            float largest = 0;
            foreach (float v in row) largest = Math.Max(largest, Math.Abs(v));
            float scale = largest > 0 ? largest / ReducedLayout.WeightLimit : 1f;
            scales[k] = scale;
            for (int i = 0; i < per; i++)
                codes[k * per + i] = unchecked((byte)(sbyte)Math.Clamp(Math.Round(row[i] / scale, MidpointRounding.ToEven), -ReducedLayout.WeightLimit, ReducedLayout.WeightLimit));
        }
        var made = (
            _b.Typed(name + ".weight_int8", TensorProto.Types.DataType.Int8, conv.Weight.Shape, codes),
            _b.Constant(name + ".weight_scales", ConstantTensor.Vector(scales)),
            _b.Typed(name + ".weight_zero_points", TensorProto.Types.DataType.Int8, [outChannels], new byte[outChannels]));
        return _weights[conv.Weight] = made;
    }
}
