using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// Keras's Flatten of a channels-last feature map into a dense layer: a Transpose (perm 0,2,3,1)
/// only flattened to N×(H·W·C) (through any Identity or Dropout) and read by one MatMul or Gemm
/// with constant weights. Read as a channels-first flatten with the dense layer's weights
/// reordered to match: the same products in another order.
/// </summary>
internal sealed class ChannelsLastFlatten(GraphProto graph, ValueReaders readers, ConstantStore constants, TranslatedGraph translated)
{
    // Values holding a feature map flattened in channels-last order (H, W, C) in the file and
    // channels-first (C, H, W) here, with the map's C, H, W.
    private readonly Dictionary<string, (int C, int H, int W)> _flattened = [];

    /// <summary>True when the Transpose's output is only flattened and then read by one dense layer with constant weights.</summary>
    public bool FlattensIntoDense(string value)
    {
        bool flattened = false;
        while (readers.Only(value) is { } node)
        {
            switch (node.OpType)
            {
                case "Reshape" or "Flatten" when !flattened:
                    flattened = true;
                    break;
                case "Identity" or "Dropout":
                    break;
                case "MatMul" or "Gemm":
                    return flattened && node.Input[0] == value && node.Input.Count > 1 && (constants.HasFloats(node.Input[1])
                        || graph.Node.Any(c => c.OpType == "Constant" && c.Output.Contains(node.Input[1])))
                        && node.AttributeNamed("transA")?.I is null or 0;
                default:
                    return false;
            }
            value = node.Output[0];
        }
        return false;
    }

    /// <summary>Reads the Transpose as nothing: the map stays channels-first, to be flattened so.</summary>
    public void Begin(NodeContext transpose)
    {
        translated.Alias(transpose.Output, transpose.Values[0]);
        var shape = transpose.Shapes[0];
        _flattened[transpose.Values[0]] = (shape[1], shape[2], shape[3]);
    }

    /// <summary>For a dense layer reading a flattened map: its weights, reordered for a channels-first flattening.</summary>
    public void ReorderWeights(NodeProto node, NodeContext context)
    {
        if (Flattened(context) is { } map && node.OpType is "MatMul" or "Gemm")
        {
            bool columns = node.OpType == "Gemm" && node.AttributeNamed("transB")?.I == 1;
            constants.Replace(node, 1, ChannelsFirstRows(context.Floats(1), map, columns));
        }
    }

    /// <summary>Marks the node's output flattened too when the node only passes the flattened map on.</summary>
    public void Follow(NodeContext context, Translation translation)
    {
        if (Flattened(context) is { } map && translation.Op is Reshape or Flatten or Identity)
            _flattened[context.Output] = map;
    }

    private (int C, int H, int W)? Flattened(NodeContext context) =>
        context.Values.Count > 0 && _flattened.TryGetValue(context.Values[0], out var map) ? map : null;

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
}
