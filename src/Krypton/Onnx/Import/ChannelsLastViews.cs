using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// Channels-last views of feature maps: values the file holds N×H×W×C and this graph holds
/// channels-first. A channels-last input (as TensorFlow and Keras export) is one until its
/// Transpose to channels-first; inside the network a Transpose (perm 0,2,3,1) begins one
/// (ConvNeXt's permute before its layer norm and MLP), and the Transpose back ends it. The ops
/// on a view read accordingly; anything else on one is refused.
/// </summary>
internal sealed class ChannelsLastViews(GraphProto graph, ValueReaders readers, ConstantStore constants, TranslatedGraph translated)
{
    private readonly HashSet<string> _views = [];
    // Constants turned channels-first, by name: view nodes that share a constant share its turned form.
    private readonly Dictionary<string, ConstantTensor> _turned = [];

    /// <summary>
    /// True for a channels-last input: a Transpose that makes it channels-first (perm 0,3,1,2)
    /// follows it, through element-wise arithmetic with constants (a Keras rescaling or
    /// normalization layer), each node the only reader of the one before.
    /// </summary>
    public bool InputIsChannelsLast(string input)
    {
        var fileConstants = graph.Initializer.Select(t => t.Name).Concat(graph.Node.Where(n => n.OpType == "Constant").SelectMany(n => n.Output)).ToHashSet();
        string value = input;
        while (readers.Only(value) is { } node)
        {
            if (node.OpType == "Transpose")
                return node.IntsAttribute("perm") is [0, 3, 1, 2];
            if (node.OpType is not ("Add" or "Sub" or "Mul" or "Div") || node.Input.Any(i => i != value && !fileConstants.Contains(i)))
                return false;
            value = node.Output[0];
        }
        return false;
    }

    /// <summary>Makes the (channels-last) input a view.</summary>
    public void AddInput(string input) => _views.Add(input);

    /// <summary>True for a Transpose that turns a feature map channels-last (perm 0,2,3,1).</summary>
    public static bool TurnsChannelsLast(NodeProto node, NodeContext context) =>
        node.OpType == "Transpose" && context.Shapes[0].Length == 4 && node.IntsAttribute("perm") is [0, 2, 3, 1];

    /// <summary>Reads a Transpose to channels-last as nothing, its output a view of its input.</summary>
    public void Begin(NodeContext transpose)
    {
        translated.Alias(transpose.Output, transpose.Values[0]);
        _views.Add(transpose.Output);
    }

    /// <summary>True when the node reads a view.</summary>
    public bool Reads(NodeProto node) => node.Input.Any(_views.Contains);

    /// <summary>
    /// Reads a node that reads a view, channels-first: the Transpose back ends the view; a mean
    /// over the last axis is a mean over the channels; a dense layer over the last axis is a 1×1
    /// convolution; element-wise arithmetic turns its constants; activations apply as they are.
    /// Outputs stay views. False when the node is to be translated the ordinary way after that
    /// (its constants turned).
    /// </summary>
    public bool TryRead(NodeProto node, NodeContext context)
    {
        var (values, shapes) = (context.Values, context.Shapes);
        if (node.Input.Where(i => i != "" && !constants.IsConstant(i)).Any(i => !_views.Contains(i)))
            throw context.Unsupported($"{node.OpType} mixing a channels-last view with other values");
        switch (node.OpType)
        {
            case "Transpose" when node.IntsAttribute("perm") is [0, 3, 1, 2]:
                translated.Alias(node.Output[0], values[0]);
                return true;
            case "ReduceMean" when shapes[0].Length == 4 && context.Int("keepdims", 1) != 0 && context.ReduceAxes() is [-1 or 3]:
                AddView(context, new ChannelPool(PoolKind.Average));
                return true;
            case "MatMul" when shapes[0].Length == 4 && node.Input.Count > 1 && constants.TryFloats(node.Input[1], out var b) && b.Shape is [var inC, var outC] && inC == shapes[0][1]:
            {
                var weight = new float[outC * inC];
                for (int k = 0; k < outC; k++)
                    for (int c = 0; c < inC; c++) weight[k * inC + c] = b.Data[c * outC + k];
                AddView(context, new Conv(Window2D.Square(1), 1, new ConstantTensor([outC, inC, 1, 1], weight), null));
                return true;
            }
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Sqrt" or "Erf" or "Relu" or "Sigmoid" or "Tanh" or "Identity" or "Dropout":
                // Turned for this node alone: an exporter may share a constant with nodes outside the view.
                for (int i = 0; i < node.Input.Count; i++)
                    if (constants.TryFloats(node.Input[i], out var constant))
                    {
                        var turned = ChannelsFirst(constant, context.Name);
                        constants.Replace(node, i, _turned.TryAdd(node.Input[i], turned) ? turned : _turned[node.Input[i]]);
                    }
                _views.Add(node.Output[0]);
                return false;
            default:
                throw context.Unsupported($"{node.OpType} on a channels-last view of a feature map");
        }
    }

    private void AddView(NodeContext context, Op op)
    {
        translated.Add(new Model.Node(context.Name, op, [context.Values[0]], context.Output), context.Name, context.OpType);
        _views.Add(context.Output);
    }

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
}
