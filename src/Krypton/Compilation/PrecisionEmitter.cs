using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;

namespace Krypton.Compilation;

/// <summary>
/// Emits a model's nodes in a graph's precision: in float32 each op as <see cref="OpEmitter"/>
/// writes it; in int8 as <see cref="Int8Layout"/> holds the values, converting between uint8
/// and float32 (DequantizeLinear, QuantizeLinear) only where an op needs the other form. The
/// naive, cache and incremental graphs all emit through one of these, so their int8 values are
/// computed alike.
/// </summary>
internal sealed class PrecisionEmitter
{
    private readonly OnnxGraphBuilder _b;
    private readonly Int8Layout? _layout;
    private readonly Dictionary<int, string> _scales = [];
    private readonly Dictionary<int, string> _zeroPoints = [];
    private string? _zero;
    private readonly Dictionary<string, string> _floats = [];
    private readonly Dictionary<string, string> _quantized = [];
    private readonly Dictionary<ConstantTensor, (string Weight, string Scales, string ZeroPoints)> _weights = new(ReferenceEqualityComparer.Instance);

    /// <summary>An emitter into <paramref name="b"/>; with a layout the graph gets the scales input.</summary>
    public PrecisionEmitter(OnnxGraphBuilder b, Int8Layout? layout)
    {
        _b = b;
        _layout = layout;
        if (layout is null) return;
        b.Input(Int8Layout.ScalesInput, [layout.Slots]);
        b.Input(Int8Layout.ZeroPointsInput, [layout.Slots], TensorProto.Types.DataType.Uint8);
    }

    /// <summary>True when the graph holds <paramref name="value"/> as uint8.</summary>
    public bool IsStored(string value) => _layout?.IsStored(value) ?? false;

    /// <summary>The element type the graph holds <paramref name="value"/> in.</summary>
    public TensorProto.Types.DataType TypeOf(string value) => IsStored(value) ? TensorProto.Types.DataType.Uint8 : TensorProto.Types.DataType.Float;

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
            case Conv conv:
                EmitConv(node, conv, Quantized(input, node.Inputs[0]), output);
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
        return _floats[name] = _b.Node("DequantizeLinear", [name, Scale(value), ZeroPoint(value)], null, name + "/float");
    }

    /// <summary><paramref name="name"/>, which holds <paramref name="value"/> in the graph's form, as uint8 on the value's scale.</summary>
    public string Quantized(string name, string value)
    {
        if (IsStored(value)) return name;
        if (_quantized.TryGetValue(name, out var known)) return known;
        return _quantized[name] = _b.Node("QuantizeLinear", [name, Scale(value), ZeroPoint(value)], null, name + "/uint8");
    }

    /// <summary>
    /// A scalar in the graph's form of <paramref name="value"/> that stands for <paramref name="padValue"/>
    /// (what a read beyond the map's border finds): the float itself, or its uint8 code, with
    /// the lowest float (max pooling's border) as code 0.
    /// </summary>
    public string PadConstant(string value, float padValue, string hint)
    {
        if (!IsStored(value)) return _b.Constant(hint + "/pad_value", ConstantTensor.Scalar(padValue));
        if (padValue == float.MinValue) return _b.Typed(hint + "/pad_code", TensorProto.Types.DataType.Uint8, [], [0]);
        return _b.Node("QuantizeLinear", [_b.Constant(hint + "/pad_value", ConstantTensor.Scalar(padValue)), Scale(value), ZeroPoint(value)], null, hint + "/pad_code");
    }

    /// <summary>The value's scale, a float scalar read from the scales input (once per slot).</summary>
    private string Scale(string value)
    {
        int slot = _layout!.SlotOf(value);
        if (_scales.TryGetValue(slot, out var known)) return known;
        return _scales[slot] = _b.Node("Gather", [Int8Layout.ScalesInput, _b.Int64Scalar($"int8_slot{slot}", slot)], null, $"int8_scale{slot}", OnnxAttr.Int("axis", 0));
    }

    /// <summary>The value's zero point: the constant 0 for a value that cannot be negative, else read from the zero points input (once per slot).</summary>
    private string ZeroPoint(string value)
    {
        if (!_layout!.IsSigned(value))
            return _zero ??= _b.Typed("int8_zero", TensorProto.Types.DataType.Uint8, [], [0]);
        int slot = _layout.SlotOf(value);
        if (_zeroPoints.TryGetValue(slot, out var known)) return known;
        return _zeroPoints[slot] = _b.Node("Gather", [Int8Layout.ZeroPointsInput, _b.Int64Scalar($"int8_zp_slot{slot}", slot)], null, $"int8_zero_point{slot}", OnnxAttr.Int("axis", 0));
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
        var w = conv.Window;
        b.Node("QLinearConv", inputs, output, node.Name,
            OnnxAttr.Ints("kernel_shape", w.KernelH, w.KernelW),
            OnnxAttr.Ints("strides", w.StrideH, w.StrideW),
            OnnxAttr.Ints("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight),
            OnnxAttr.Ints("dilations", w.DilationH, w.DilationW),
            OnnxAttr.Int("group", conv.Groups));
    }

    /// <summary>
    /// The weights as int8 codes, symmetric per output channel (scale = largest |w| / <see cref="Int8Layout.WeightLimit"/>,
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
            float scale = largest > 0 ? largest / Int8Layout.WeightLimit : 1f;
            scales[k] = scale;
            for (int i = 0; i < per; i++)
                codes[k * per + i] = unchecked((byte)(sbyte)Math.Clamp(Math.Round(row[i] / scale, MidpointRounding.ToEven), -Int8Layout.WeightLimit, Int8Layout.WeightLimit));
        }
        var made = (
            _b.Typed(name + ".weight_int8", TensorProto.Types.DataType.Int8, conv.Weight.Shape, codes),
            _b.Constant(name + ".weight_scales", ConstantTensor.Vector(scales)),
            _b.Typed(name + ".weight_zero_points", TensorProto.Types.DataType.Int8, [outChannels], new byte[outChannels]));
        return _weights[conv.Weight] = made;
    }
}
