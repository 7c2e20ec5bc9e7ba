using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>Reads an ONNX graph into a <see cref="ModelGraph"/> (see <see cref="OnnxImporter"/>).</summary>
internal sealed class GraphReader
{
    private readonly GraphProto _graph;
    private readonly int _opset;
    private readonly string _name;
    private readonly (int Height, int Width)? _imageSize;
    private readonly ConstantStore _constants = new();
    private readonly TranslatedGraph _translated = new();
    private readonly ConstantFolding _folding;
    // Values holding a feature map flattened in channels-last order (H, W, C) in the original
    // and channels-first (C, H, W) here, with the map's C, H, W: the dense layer reading one
    // has its weight rows reordered to match.
    private readonly Dictionary<string, (int C, int H, int W)> _flattenedChannelsLast = [];
    // Nodes already read as part of a pattern (a channel shuffle's reshape and transpose).
    private readonly HashSet<NodeProto> _readWithPattern = [];
    // Values that the original holds channels-last (after a Transpose 0,2,3,1) and this graph channels-first.
    private readonly HashSet<string> _channelsLastViews = [];
    // Constants turned channels-first, by name: nodes in views that share a constant share its turned form.
    private readonly Dictionary<string, ConstantTensor> _turnedConstants = [];
    // A channel shuffle's last Reshape, with the shuffle's input, its shape and its groups: read when it comes.
    private readonly Dictionary<NodeProto, (string Input, int[] Shape, int Groups)> _pendingShuffles = [];

    public GraphReader(GraphProto graph, int opset, string name, (int Height, int Width)? imageSize)
    {
        (_graph, _opset, _name, _imageSize) = (graph, opset, name, imageSize);
        _folding = new ConstantFolding(_constants, _translated);
    }

    /// <summary>True once <see cref="Read"/> found the input channels-last (N×H×W×C, turned channels-first by a Transpose).</summary>
    public bool ChannelsLastInput { get; private set; }

    public ModelGraph Read()
    {
        foreach (var t in _graph.Initializer) _constants.Add(t.Name, t);
        var inputs = _graph.Input.Where(i => !_constants.IsConstant(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new KryptonException($"model '{_name}' has {inputs.Count} inputs; Krypton explains models with exactly one image input");
        var input = inputs[0];
        bool channelsLast = ChannelsLastInput = InputIsChannelsLast(input.Name);
        int[] inputShape = OnnxImporter.InputShape(input, channelsLast, _imageSize);
        _translated.AddInput(input.Name, inputShape);
        // Read channels-first: its arithmetic turns its constants, its Transpose ends the view.
        if (channelsLast) _channelsLastViews.Add(input.Name);

        foreach (var node in _graph.Node) ReadNode(node);

        if (_graph.Output.Count == 0)
            throw new KryptonException($"model '{_name}' declares no output");
        string output = _translated.Resolve(_graph.Output[0].Name);
        return new ModelGraph(input.Name, inputShape, _translated.Nodes, output, _name);
    }

    /// <summary>
    /// True for a channels-last input: a Transpose that makes it channels-first (perm 0,3,1,2)
    /// follows it, through element-wise arithmetic with constants (a Keras rescaling or
    /// normalization layer), each node the only reader of the one before.
    /// </summary>
    private bool InputIsChannelsLast(string input)
    {
        var constants = _graph.Initializer.Select(t => t.Name).Concat(_graph.Node.Where(n => n.OpType == "Constant").SelectMany(n => n.Output)).ToHashSet();
        string value = input;
        while (OnlyReader(value) is { } node)
        {
            if (node.OpType == "Transpose")
                return Perm(node) is [0, 3, 1, 2];
            if (node.OpType is not ("Add" or "Sub" or "Mul" or "Div") || node.Input.Any(i => i != value && !constants.Contains(i)))
                return false;
            value = node.Output[0];
        }
        return false;
    }

    /// <summary>The one node that reads a value, or null when it has none, several, or is a graph output.</summary>
    private NodeProto? OnlyReader(string value) =>
        _graph.Node.Where(n => n.Input.Contains(value)).ToList() is [var one] && _graph.Output.All(o => o.Name != value) ? one : null;

    private static long[]? Perm(NodeProto node) => node.Attribute.FirstOrDefault(a => a.Name == "perm")?.Ints.ToArray();

    /// <summary>A reduction's axes (an attribute before opset 18, an input from it on), or null for all of them.</summary>
    private long[]? ReduceAxes(NodeProto node) =>
        _opset >= 18 ? OptionalInts(node, 1) : node.Attribute.FirstOrDefault(a => a.Name == "axes")?.Ints.ToArray();

    private static bool KeepDims(NodeProto node) => (node.Attribute.FirstOrDefault(a => a.Name == "keepdims")?.I ?? 1) != 0;

    /// <summary>A constant that broadcasts against a channels-last value, turned to broadcast against it channels-first.</summary>
    private static ConstantTensor ChannelsFirst(ConstantTensor t, string nodeName)
    {
        if (t.Shape.Length > 4)
            throw new KryptonException($"node '{nodeName}' has a constant of rank {t.Shape.Length} before the channels-last input's Transpose");
        var s = Enumerable.Repeat(1, 4 - t.Shape.Length).Concat(t.Shape).ToArray();   // numpy broadcasting aligns the last axes
        int n = s[0], h = s[1], w = s[2], c = s[3];
        var data = new float[t.Data.Length];
        for (int a = 0; a < n; a++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < c; k++)
                        data[((a * c + k) * h + y) * w + x] = t.Data[((a * h + y) * w + x) * c + k];
        return new ConstantTensor([n, c, h, w], data);
    }

    private ConstantTensor Floats(NodeProto node, int index)
    {
        if (index < node.Input.Count && _constants.TryFloatInput(node, index, out var t)) return t;
        throw new KryptonException($"node '{node.Name}' ({node.OpType}) needs a constant float input #{index}; Krypton supports only constant weights here");
    }

    private ConstantTensor? OptionalFloats(NodeProto node, int index) =>
        index < node.Input.Count && node.Input[index] != "" ? Floats(node, index) : null;

    private long[]? OptionalInts(NodeProto node, int index)
    {
        if (index >= node.Input.Count || node.Input[index] == "") return null;
        if (_constants.TryInts(node.Input[index], out var v)) return v;
        throw new KryptonException($"node '{node.Name}' ({node.OpType}) needs a constant integer input #{index}");
    }

    private float? OptionalScalar(NodeProto node, int index) =>
        index < node.Input.Count && node.Input[index] != "" ? Floats(node, index).Data[0] : null;

    private void ReadNode(NodeProto node)
    {
        if (_readWithPattern.Contains(node))
            return;
        string nodeName = node.Name is { Length: > 0 } ? node.Name : $"{node.OpType}_{_translated.Nodes.Count}";
        if (_pendingShuffles.Remove(node, out var pending))
        {
            ReadChannelShuffle(node, nodeName, pending);
            return;
        }
        if (node.Domain is not ("" or "ai.onnx"))
            throw new UnsupportedOperatorException($"{node.Domain}.{node.OpType}", nodeName);
        if (_folding.TryFold(node, nodeName))
            return;
        if (node.OpType == "Dropout" && node.Output.Count > 1 && node.Output[1] != "" && _graph.Node.Any(n => n.Input.Contains(node.Output[1])))
            throw new KryptonException($"Dropout node '{nodeName}' has its mask output in use, which an inference model should not need");

        var valueInputs = node.Input.Where(i => i != "" && !_constants.IsConstant(i)).Select(_translated.Resolve).ToList();
        foreach (var v in valueInputs)
            if (_translated.ShapeOf(v) is null)
                throw new KryptonException($"node '{nodeName}' reads '{v}', which no earlier node produces");
        var shapes = valueInputs.Select(v => _translated.ShapeOf(v)!).ToList();
        if (node.Input.Any(_channelsLastViews.Contains))
        {
            if (ReadOnChannelsLastView(node, nodeName, valueInputs, shapes))
                return;
        }
        else if (node.OpType == "Transpose" && shapes[0].Length == 4 && Perm(node) is [0, 2, 3, 1] && !FlattensIntoDense(node.Output[0]))
        {
            // A channels-last view of a feature map (ConvNeXt's permute before its layer norm and
            // MLP): kept channels-first here, the ops on it read accordingly until it turns back.
            _translated.Alias(node.Output[0], valueInputs[0]);
            _channelsLastViews.Add(node.Output[0]);
            return;
        }
        if (node.OpType is "ReduceMean" or "ReduceMax")
        {
            ReadSpatialReduce(node, nodeName, valueInputs[0], shapes[0]);
            return;
        }
        if (node.OpType == "Sum" && node.Input.All(i => i != "" && !_constants.IsConstant(i)))
        {
            ReadSum(node, nodeName, valueInputs);
            return;
        }
        if (node.OpType == "Split")
        {
            ReadChannelSplit(node, nodeName, valueInputs[0], shapes[0]);
            return;
        }
        if (node.OpType == "Reshape" && ChannelShuffle(node, shapes[0]) is var (groups, back))
        {
            // The shuffle is read at its last Reshape, whose shape may be worked out between here and there.
            _pendingShuffles[back] = (valueInputs[0], shapes[0], groups);
            return;
        }
        if (node.OpType == "Transpose" && shapes[0] is [_, var mc, var mh, var mw]
            && Perm(node) is [0, 2, 3, 1] && FlattensIntoDense(node.Output[0]))
        {
            // Keras's Flatten of a channels-last map: flatten channels-first instead and
            // reorder the dense layer's weights (below), the same products in another order.
            _translated.Alias(node.Output[0], valueInputs[0]);
            _flattenedChannelsLast[valueInputs[0]] = (mc, mh, mw);
            return;
        }
        var flattened = valueInputs.Count > 0 && _flattenedChannelsLast.TryGetValue(valueInputs[0], out var chw) ? chw : ((int, int, int)?)null;
        if (flattened is { } map && node.OpType is "MatMul" or "Gemm")
        {
            bool columns = node.OpType == "Gemm" && node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
            _constants.Replace(node, 1, ChannelsFirstRows(Floats(node, 1), map, columns));
        }
        Op op = Translate(node, nodeName, shapes);
        var inputs = op.ValueInputCount == valueInputs.Count ? valueInputs : valueInputs.Take(op.ValueInputCount).ToList();
        string output = node.Output[0];
        _translated.Add(new Model.Node(nodeName, op, inputs, output), nodeName, node.OpType);
        if (flattened is { } kept && op is Reshape or Flatten or Identity)
            _flattenedChannelsLast[output] = kept;
    }

    /// <summary>
    /// True when the value is only flattened to N×(H·W·C) (Reshape or Flatten, through any
    /// Identity or Dropout) and then read by one dense layer (MatMul or Gemm) with constant weights.
    /// </summary>
    private bool FlattensIntoDense(string value)
    {
        bool flattened = false;
        while (OnlyReader(value) is { } node)
        {
            switch (node.OpType)
            {
                case "Reshape" or "Flatten" when !flattened:
                    flattened = true;
                    break;
                case "Identity" or "Dropout":
                    break;
                case "MatMul" or "Gemm":
                    return flattened && node.Input[0] == value && node.Input.Count > 1 && (_constants.HasFloats(node.Input[1])
                        || _graph.Node.Any(c => c.OpType == "Constant" && c.Output.Contains(node.Input[1])))
                        && node.Attribute.FirstOrDefault(a => a.Name == "transA")?.I is null or 0;
                default:
                    return false;
            }
            value = node.Output[0];
        }
        return false;
    }

    /// <summary>
    /// A dense layer's weights for a channels-first flattening: row (or, transposed, column)
    /// c·H·W + y·W + x takes the one the channels-last flattening put at (y·W + x)·C + c.
    /// </summary>
    private static ConstantTensor ChannelsFirstRows(ConstantTensor b, (int C, int H, int W) map, bool columns)
    {
        var (c, h, w) = map;
        int features = c * h * w;
        if (b.Shape.Length != 2 || b.Shape[columns ? 1 : 0] != features)
            throw new KryptonException($"a dense layer after a channels-last flatten of {h}x{w}x{c} has weights {string.Join("x", b.Shape)}");
        int other = b.Shape[columns ? 0 : 1];
        var data = new float[b.Data.Length];
        for (int k = 0; k < c; k++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int to = (k * h + y) * w + x, from = (y * w + x) * c + k;
                    for (int o = 0; o < other; o++)
                        if (columns) data[o * features + to] = b.Data[o * features + from];
                        else data[to * other + o] = b.Data[from * other + o];
                }
        return new ConstantTensor(b.Shape, data);
    }

    /// <summary>
    /// A node reading a channels-last view, read channels-first: the Transpose back ends the view;
    /// a mean over the last axis is a mean over the channels; a dense layer over the last axis is a
    /// 1×1 convolution; element-wise arithmetic turns its constants; activations apply as they are.
    /// Outputs stay views. Returns false when the node is to be read the ordinary way after
    /// that (its constants turned); anything else on a view is refused in one line.
    /// </summary>
    private bool ReadOnChannelsLastView(NodeProto node, string nodeName, List<string> values, List<int[]> shapes)
    {
        if (node.Input.Where(i => i != "" && !_constants.IsConstant(i)).Any(i => !_channelsLastViews.Contains(i)))
            throw new UnsupportedOperatorException($"{node.OpType} mixing a channels-last view with other values", nodeName);
        switch (node.OpType)
        {
            case "Transpose" when Perm(node) is [0, 3, 1, 2]:
                _translated.Alias(node.Output[0], values[0]);
                return true;
            case "ReduceMean" when shapes[0].Length == 4 && KeepDims(node) && ReduceAxes(node) is [-1 or 3]:
            {
                var mean = new ChannelPool(PoolKind.Average);
                _translated.Add(new Model.Node(nodeName, mean, [values[0]], node.Output[0]), nodeName, node.OpType);
                _channelsLastViews.Add(node.Output[0]);
                return true;
            }
            case "MatMul" when shapes[0].Length == 4 && _constants.TryFloats(node.Input[1], out var b) && b.Shape is [var inC, var outC] && inC == shapes[0][1]:
            {
                var weight = new float[outC * inC];
                for (int k = 0; k < outC; k++)
                    for (int c = 0; c < inC; c++) weight[k * inC + c] = b.Data[c * outC + k];
                var conv = new Conv(Window2D.Square(1), 1, new ConstantTensor([outC, inC, 1, 1], weight), null);
                _translated.Add(new Model.Node(nodeName, conv, [values[0]], node.Output[0]), nodeName, node.OpType);
                _channelsLastViews.Add(node.Output[0]);
                return true;
            }
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Sqrt" or "Erf" or "Relu" or "Sigmoid" or "Tanh" or "Identity" or "Dropout":
                // Turned for this node alone: an exporter may share a constant with nodes outside the view.
                for (int i = 0; i < node.Input.Count; i++)
                    if (_constants.TryFloats(node.Input[i], out var constant))
                    {
                        var turned = ChannelsFirst(constant, nodeName);
                        _constants.Replace(node, i, _turnedConstants.TryAdd(node.Input[i], turned) ? turned : _turnedConstants[node.Input[i]]);
                    }
                _channelsLastViews.Add(node.Output[0]);
                return false;
            default:
                throw new UnsupportedOperatorException($"{node.OpType} on a channels-last view of a feature map", nodeName);
        }
    }

    private static int Ceiling(int a, int b) => (a + b - 1) / b;

    /// <summary>Split along the channels (ShuffleNet's <c>chunk</c>): one channel slice per output.</summary>
    private void ReadChannelSplit(NodeProto node, string nodeName, string input, int[] shape)
    {
        int axis = shape.Length == 4 ? Op.NormalizeAxis((int)(node.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 0), 4) : -1;
        if (axis != 1)
            throw new UnsupportedOperatorException("Split along another axis than the channels", nodeName);
        int parts = node.Output.Count, channels = shape[1];
        var sizes = (_opset >= 13 ? OptionalInts(node, 1) : node.Attribute.FirstOrDefault(a => a.Name == "split")?.Ints.ToArray())?.Select(v => (int)v).ToArray()
            ?? Enumerable.Range(0, parts).Select(k => Math.Min(Ceiling(channels, parts), channels - k * Ceiling(channels, parts))).ToArray();
        if (sizes.Length != parts || sizes.Sum() != channels || sizes.Any(v => v <= 0))
            throw new KryptonException($"Split node '{nodeName}' divides {channels} channels as {string.Join("+", sizes)} into {parts} outputs");
        int start = 0;
        for (int k = 0; k < parts; k++)
        {
            var slice = new ChannelSlice(start, start + sizes[k]);
            start += sizes[k];
            if (node.Output[k] == "") continue;
            _translated.Add(new Model.Node($"{nodeName}__{k}", slice, [input], node.Output[k]), nodeName, node.OpType);
        }
    }

    /// <summary>
    /// The start of a channel shuffle: this Reshape to N×g×(C/g)×H×W, read only by a Transpose
    /// (perm 0,2,1,3,4), read only by a Reshape. Returns g and that last Reshape (the Transpose is
    /// then taken as read), or null.
    /// </summary>
    private (int Groups, NodeProto Back)? ChannelShuffle(NodeProto reshape, int[] shape)
    {
        if (shape is not [_, var c, var h, var w] || ReshapeTarget(reshape) is not [_, var g, var cg, var th, var tw] || g <= 0 || g * cg != c || th != h || tw != w)
            return null;
        if (OnlyReader(reshape.Output[0]) is not { OpType: "Transpose" } transpose
            || Perm(transpose) is not [0, 2, 1, 3, 4]
            || OnlyReader(transpose.Output[0]) is not { OpType: "Reshape" } back)
            return null;
        _readWithPattern.Add(transpose);
        return ((int)g, back);
    }

    private long[]? ReshapeTarget(NodeProto reshape) => reshape.Input.Count > 1 && _constants.TryInts(reshape.Input[1], out var t) ? t : null;

    /// <summary>The end of a channel shuffle: the Reshape back to N×C×H×W, read with the rest as one channel permutation.</summary>
    private void ReadChannelShuffle(NodeProto back, string nodeName, (string Input, int[] Shape, int Groups) shuffle)
    {
        var (input, shape, groups) = shuffle;
        if (ReshapeTarget(back) is not [_, var c, var h, var w] || !(c == shape[1] || c == -1) || h != shape[2] || w != shape[3])
            throw new UnsupportedOperatorException("a five-axis Reshape and Transpose that do not shuffle channels", nodeName);
        var permutation = ChannelPermutation.Shuffle(shape[1], groups);
        _translated.Add(new Model.Node(nodeName, permutation, [input], back.Output[0]), nodeName, back.OpType);
    }

    /// <summary>Sum of several values (Caffe2 exports write residual additions so): a chain of additions.</summary>
    private void ReadSum(NodeProto node, string nodeName, List<string> values)
    {
        if (values.Count == 1)
        {
            _translated.Alias(node.Output[0], values[0]);
            return;
        }
        string sum = values[0];
        for (int k = 1; k < values.Count; k++)
        {
            bool last = k == values.Count - 1;
            string output = last ? node.Output[0] : $"{node.Output[0]}__sum{k}";
            var add = new Binary(BinaryKind.Add);
            _translated.Add(new Model.Node(last ? nodeName : $"{nodeName}__{k}", add, [sum, values[k]], output), nodeName, node.OpType);
            sum = output;
        }
    }

    /// <summary>
    /// ReduceMean or ReduceMax over exactly the spatial axes (how TensorFlow exports global
    /// pooling): global pooling, then the squeeze of those axes unless keepdims is set; over the
    /// channels with keepdims (spatial attention, CBAM): channel pooling.
    /// </summary>
    private void ReadSpatialReduce(NodeProto node, string nodeName, string input, int[] shape)
    {
        bool keep = KeepDims(node);
        var kind = node.OpType == "ReduceMax" ? PoolKind.Max : PoolKind.Average;
        var axes = ReduceAxes(node)?.Select(a => Op.NormalizeAxis((int)a, shape.Length)).Order().ToArray();
        if (shape.Length == 4 && axes is [1] && keep)
        {
            var channels = new ChannelPool(kind);
            _translated.Add(new Model.Node(nodeName, channels, [input], node.Output[0]), nodeName, node.OpType);
            return;
        }
        if (shape.Length != 4 || axes is not [2, 3])
            throw new UnsupportedOperatorException($"{node.OpType} over axes other than the spatial ones or the channels ({(axes is null ? "all" : string.Join(",", axes))}{(axes is [1] ? ", without keepdims" : "")})", nodeName);
        var pool = new GlobalPool(kind);
        string pooled = keep ? node.Output[0] : node.Output[0] + "__pooled";
        _translated.Add(new Model.Node(keep ? nodeName : nodeName + "__pool", pool, [input], pooled), nodeName, node.OpType);
        if (!keep)
        {
            var squeeze = new Squeeze([2, 3]);
            _translated.Add(new Model.Node(nodeName, squeeze, [pooled], node.Output[0]), nodeName, node.OpType);
        }
    }

    private Op Translate(NodeProto node, string nodeName, List<int[]> shapes)
    {
        AttributeProto? A(string attr) => node.Attribute.FirstOrDefault(a => a.Name == attr);
        long I(string attr, long fallback) => A(attr) is { } a ? a.I : fallback;
        float F(string attr, float fallback) => A(attr) is { } a ? a.F : fallback;
        long[]? Ints(string attr) => A(attr)?.Ints.ToArray();
        string S(string attr, string fallback) => A(attr) is { } a ? a.S.ToStringUtf8() : fallback;

        switch (node.OpType)
        {
            case "Conv":
            {
                var w = Floats(node, 1);
                if (w.Shape.Length != 4)
                    throw new KryptonException($"Conv node '{nodeName}' is not a 2-D convolution (weight rank {w.Shape.Length})");
                var window = ReadWindow(node, nodeName, shapes[0], w.Shape[2], w.Shape[3], Ints, S);
                return new Conv(window, (int)I("group", 1), w, OptionalFloats(node, 2));
            }
            case "BatchNormalization":
                return new BatchNorm(Floats(node, 1), Floats(node, 2), Floats(node, 3), Floats(node, 4), F("epsilon", 1e-5f));
            case "Relu": return new Activation(ActivationKind.Relu);
            case "PRelu": return new PRelu(Floats(node, 1));
            case "LeakyRelu": return new Activation(ActivationKind.LeakyRelu, F("alpha", 0.01f));
            case "Elu": return new Activation(ActivationKind.Elu, F("alpha", 1f));
            case "Selu": return new Activation(ActivationKind.Selu, F("alpha", 1.67326319217681884765625f), F("gamma", 1.05070102214813232421875f));
            case "Softplus": return new Activation(ActivationKind.Softplus);
            case "Softsign": return new Activation(ActivationKind.Softsign);
            case "LRN":
            {
                long size = A("size")?.I ?? throw new KryptonException($"LRN node '{nodeName}' has no size");
                if (size % 2 == 0)
                    throw new UnsupportedOperatorException($"LRN of even size {size} (ONNX Runtime runs odd sizes only)", nodeName);
                return new Lrn((int)size, F("alpha", 1e-4f), F("beta", 0.75f), F("bias", 1f));
            }
            case "Sigmoid": return new Activation(ActivationKind.Sigmoid);
            case "Sqrt": return new Activation(ActivationKind.Sqrt);
            case "Erf": return new Activation(ActivationKind.Erf);
            case "Pow":
                return OptionalFloats(node, 1) is { ElementCount: 1 } exponent
                    ? new Activation(ActivationKind.Pow, exponent.Data[0])
                    : throw new UnsupportedOperatorException("Pow with an exponent that is not one constant", nodeName);
            case "Tanh": return new Activation(ActivationKind.Tanh);
            case "HardSigmoid": return new Activation(ActivationKind.HardSigmoid, F("alpha", 0.2f), F("beta", 0.5f));
            case "HardSwish": return new Activation(ActivationKind.HardSwish);
            case "Clip":
                return _opset < 11
                    ? new Activation(ActivationKind.Clip, F("min", float.MinValue), F("max", float.MaxValue))
                    : new Activation(ActivationKind.Clip, OptionalScalar(node, 1) ?? float.MinValue, OptionalScalar(node, 2) ?? float.MaxValue);
            case "MaxPool":
            case "AveragePool":
            {
                var k = Ints("kernel_shape") ?? throw new KryptonException($"{node.OpType} node '{nodeName}' has no kernel_shape");
                if (k.Length != 2)
                    throw new KryptonException($"{node.OpType} node '{nodeName}' is not 2-D pooling");
                if (node.Output.Count > 1 && node.Output[1] != "")
                    throw new UnsupportedOperatorException("MaxPool with indices output", nodeName);
                var window = ReadWindow(node, nodeName, shapes[0], (int)k[0], (int)k[1], Ints, S);
                return new Pool(node.OpType == "MaxPool" ? PoolKind.Max : PoolKind.Average, window,
                    I("ceil_mode", 0) != 0, I("count_include_pad", 0) != 0);
            }
            case "GlobalAveragePool": return new GlobalPool(PoolKind.Average);
            case "GlobalMaxPool": return new GlobalPool(PoolKind.Max);
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
            {
                var kind = Enum.Parse<BinaryKind>(node.OpType);
                if (_opset < 7 && A("broadcast") is not null)
                    throw new UnsupportedOperatorException($"{node.OpType} with legacy broadcast", nodeName);
                bool c0 = _constants.TryFloatInput(node, 0, out var k0);
                bool c1 = _constants.TryFloatInput(node, 1, out var k1);
                if (c0 && c1) throw new KryptonException($"node '{nodeName}' combines two constants; fold it before export");
                return c1 ? new Binary(kind, k1) : c0 ? new Binary(kind, k0, ConstantFirst: true) : new Binary(kind);
            }
            case "Concat": return new Concat((int)I("axis", 1), node.Input.Count(i => i != ""));
            case "Gemm":
                return new Gemm(Floats(node, 1), OptionalFloats(node, 2), F("alpha", 1f), F("beta", 1f), I("transA", 0) != 0, I("transB", 0) != 0);
            case "MatMul": return new MatMul(Floats(node, 1));
            case "Flatten": return new Flatten((int)I("axis", 1));
            case "Reshape":
            {
                var target = (OptionalInts(node, 1) ?? Ints("shape") ?? throw new KryptonException($"Reshape node '{nodeName}' has no shape")).ToArray();
                if (node.Input.Count > 1 && _constants.BatchElements(node.Input[1]) is { } batch && batch.Skip(1).Any(b => b))
                    throw new UnsupportedOperatorException("Reshape that puts the batch size on another axis than the first", nodeName);
                // A file exported with batch 1 hard-codes it; copying the batch axis keeps the graph batchable.
                if (target.Length > 0 && target[0] == shapes[0][0] && target[0] != -1) target[0] = 0;
                if (I("allowzero", 0) != 0 && target.Contains(0L))
                    throw new UnsupportedOperatorException("Reshape with allowzero", nodeName);
                return new Reshape(target);
            }
            case "Expand":
            {
                var target = OptionalInts(node, 1)?.ToArray() ?? throw new KryptonException($"Expand node '{nodeName}' has no shape");
                if (node.Input.Count > 1 && _constants.BatchElements(node.Input[1]) is { } batch && batch.Skip(1).Any(b => b))
                    throw new UnsupportedOperatorException("Expand that puts the batch size on another axis than the first", nodeName);
                // The shape's batch (folded as 1, or a file's fixed 1) becomes 1: broadcasting keeps the input's.
                if (target.Length == shapes[0].Length && target.Length > 0) target[0] = 1;
                return new Expand(target);
            }
            case "Squeeze":
            {
                // Without axes ONNX removes every unit axis, the batch axis too when the batch is 1:
                // name the non-batch unit axes explicitly so that the emitted graph keeps the batch.
                var axes = (_opset >= 13 ? OptionalInts(node, 1) : Ints("axes"))?.Select(a => (int)a).ToArray();
                if (axes is null || axes.Length == 0)
                    axes = Enumerable.Range(1, shapes[0].Length - 1).Where(a => shapes[0][a] == 1).ToArray();
                return new Squeeze(axes);
            }
            case "Unsqueeze":
                return new Unsqueeze((_opset >= 13 ? OptionalInts(node, 1) : Ints("axes"))?.Select(a => (int)a).ToArray()
                    ?? throw new KryptonException($"Unsqueeze node '{nodeName}' has no axes"));
            case "Identity":
            case "Dropout":
                return new Identity();
            case "Softmax":
            case "LogSoftmax":
            {
                int rank = shapes[0].Length;
                int axis = Op.NormalizeAxis((int)I("axis", _opset >= 13 ? -1 : 1), rank);
                return new Softmax(axis, Coerce2D: _opset < 13 && axis != rank - 1, Log: node.OpType == "LogSoftmax");
            }
            case "Slice":
            {
                var starts = _opset >= 10 ? OptionalInts(node, 1) : Ints("starts");
                var ends = _opset >= 10 ? OptionalInts(node, 2) : Ints("ends");
                var axes = (_opset >= 10 ? OptionalInts(node, 3) : Ints("axes")) ?? [0];
                var steps = _opset >= 10 ? OptionalInts(node, 4) : null;
                if (shapes[0].Length != 4 || starts is not [var from] || ends is not [var to] || axes is not [var axis]
                    || Op.NormalizeAxis((int)axis, 4) != 1 || steps is not (null or [1]))
                    throw new UnsupportedOperatorException("Slice of anything but a range of channels", nodeName);
                int c = shapes[0][1];
                long Clamp(long v) => Math.Clamp(v < 0 ? v + c : v, 0, c);
                return new ChannelSlice((int)Clamp(from), (int)Clamp(to));
            }
            case "Pad":
            {
                string mode = S("mode", "constant");
                var padMode = mode switch
                {
                    "constant" => PadMode.Constant,
                    "reflect" => PadMode.Reflect,
                    "edge" => PadMode.Edge,
                    _ => throw new UnsupportedOperatorException($"Pad mode {mode}", nodeName),
                };
                int rank = shapes[0].Length;
                long[] pads = (_opset >= 11 ? OptionalInts(node, 1) : Ints("pads"))
                    ?? throw new KryptonException($"Pad node '{nodeName}' has no pads");
                float value = _opset >= 11 ? OptionalScalar(node, 2) ?? 0f : F("value", 0f);
                if (_opset >= 18 && OptionalInts(node, 3) is { } axes)
                {
                    var full = new long[2 * rank];
                    for (int i = 0; i < axes.Length; i++)
                    {
                        int a = Op.NormalizeAxis((int)axes[i], rank);
                        full[a] = pads[i];
                        full[a + rank] = pads[i + axes.Length];
                    }
                    pads = full;
                }
                if (pads.Any(p => p < 0))
                    throw new UnsupportedOperatorException("Pad with negative pads", nodeName);
                return new Pad(pads.Select(p => (int)p).ToArray(), padMode, value);
            }
            default:
                throw new UnsupportedOperatorException(node.OpType, nodeName);
        }
    }

    private static Window2D ReadWindow(NodeProto node, string nodeName, int[] input, int kh, int kw,
        Func<string, long[]?> ints, Func<string, string, string> str)
    {
        var strides = ints("strides") ?? [1, 1];
        var dil = ints("dilations") ?? [1, 1];
        var pads = ints("pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || dil.Length != 2 || pads.Length != 4)
            throw new KryptonException($"node '{nodeName}' ({node.OpType}) is not a 2-D window");
        string autoPad = str("auto_pad", "NOTSET");
        var unpadded = new Window2D(kh, kw, (int)strides[0], (int)strides[1], DilationH: (int)dil[0], DilationW: (int)dil[1]);
        return autoPad switch
        {
            "SAME_UPPER" or "SAME_LOWER" => unpadded.SamePadded(input[2], input[3], extraAtStart: autoPad == "SAME_LOWER"),
            "VALID" => unpadded,
            "NOTSET" => unpadded with { PadTop = (int)pads[0], PadLeft = (int)pads[1], PadBottom = (int)pads[2], PadRight = (int)pads[3] },
            _ => throw new UnsupportedOperatorException($"{node.OpType} with auto_pad={autoPad}", nodeName),
        };
    }
}
