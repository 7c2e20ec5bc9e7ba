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
        var context = new NodeContext(node, nodeName, _opset, valueInputs, shapes, _constants);
        if (node.Input.Any(_channelsLastViews.Contains))
        {
            if (ReadOnChannelsLastView(node, context))
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
            _constants.Replace(node, 1, ChannelsFirstRows(context.Floats(1), map, columns));
        }
        if (!OperatorTable.Translators.TryGetValue(node.OpType, out var translator))
            throw new UnsupportedOperatorException(node.OpType, nodeName);
        var translation = translator(context);
        _translated.Add(translation, context);
        if (flattened is { } kept && translation.Op is Reshape or Flatten or Identity)
            _flattenedChannelsLast[node.Output[0]] = kept;
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
    private bool ReadOnChannelsLastView(NodeProto node, NodeContext context)
    {
        string nodeName = context.Name;
        var (values, shapes) = (context.Values, context.Shapes);
        if (node.Input.Where(i => i != "" && !_constants.IsConstant(i)).Any(i => !_channelsLastViews.Contains(i)))
            throw new UnsupportedOperatorException($"{node.OpType} mixing a channels-last view with other values", nodeName);
        switch (node.OpType)
        {
            case "Transpose" when Perm(node) is [0, 3, 1, 2]:
                _translated.Alias(node.Output[0], values[0]);
                return true;
            case "ReduceMean" when shapes[0].Length == 4 && context.Int("keepdims", 1) != 0 && context.ReduceAxes() is [-1 or 3]:
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
}
