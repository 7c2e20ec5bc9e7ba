using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// Nodes that compute constants, worked out instead of becoming model-graph nodes: what computes
/// from constants alone (<see cref="ConstantSubgraph"/>, evaluated before reading), Constant,
/// integer arithmetic on the image's shape, and Identity or Dropout of a constant.
/// </summary>
internal sealed class ConstantFolding(ConstantStore constants, TranslatedGraph translated)
{
    private IReadOnlySet<NodeProto> _evaluated = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);

    /// <summary>Evaluates the nodes of <paramref name="model"/> that compute from constants alone, once its initializers are known.</summary>
    public void EvaluateConstantSubgraph(ModelProto model, string name) => _evaluated = ConstantSubgraph.Evaluate(model, name, constants);

    /// <summary>True when the node computes a constant, now known under its output's name.</summary>
    public bool TryFold(NodeProto node, string nodeName)
    {
        if (_evaluated.Contains(node))
            return true;
        if (node.OpType == "Constant" && node.AttributeNamed("value")?.T is { } value)
        {
            constants.Add(node.Output[0], value);
            return true;
        }
        if (FoldShapeArithmetic(node, nodeName) is var (folded, batch))
        {
            constants.SetInts(node.Output[0], folded, batch);
            return true;
        }
        if (node.OpType is "Identity" or "Dropout" && node.Input.Count > 0 && constants.IsConstant(node.Input[0]))
        {
            constants.Copy(node.Input[0], node.Output[0]);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Integer arithmetic on shapes: PyTorch exports <c>x.view(x.size(0), -1)</c> with a dynamic
    /// batch as Shape → Gather → Unsqueeze → Concat → Reshape. Shapes are known, the batch as 1,
    /// so such chains fold to the constant a Reshape needs, the batch size's elements marked.
    /// Null when the node is not such arithmetic.
    /// </summary>
    private (long[] Values, bool[] Batch)? FoldShapeArithmetic(NodeProto node, string nodeName)
    {
        long[]? In(int i) => i < node.Input.Count && node.Input[i] != "" && constants.TryInts(node.Input[i], out var v) ? v : null;
        bool[] BatchOf(int i) => constants.BatchElements(node.Input[i]) ?? new bool[constants.Ints(node.Input[i]).Length];
        int Index(long i, int length) => (int)Math.Clamp(i < 0 ? i + length : i, 0, length);
        switch (node.OpType)
        {
            case "Shape" when node.Input.Count == 1 && translated.ShapeOf(node.Input[0]) is { } shape:
            {
                int start = Index(node.IntAttribute("start", 0), shape.Length), end = Math.Max(start, Index(node.IntAttribute("end", shape.Length), shape.Length));
                return (shape[start..end].Select(d => (long)d).ToArray(), Enumerable.Range(start, end - start).Select(i => i == 0).ToArray());
            }
            case "Gather" when In(0) is { } data && In(1) is { } indices && node.IntAttribute("axis", 0) == 0:
            {
                foreach (long i in indices)
                    if (i < -data.Length || i >= data.Length)
                        throw new KryptonException($"Gather node '{nodeName}' takes element {i} of a shape of {data.Length}");
                var at = indices.Select(i => (int)(i < 0 ? i + data.Length : i)).ToArray();
                var batch = BatchOf(0);
                return (at.Select(i => data[i]).ToArray(), at.Select(i => batch[i]).ToArray());
            }
            case "Unsqueeze" or "Squeeze" or "Identity" when In(0) is { } d:
                return (d, BatchOf(0));
            case "Cast" when In(0) is { } d && node.IntAttribute("to", 0) is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32:
                return (d, BatchOf(0));
            case "Concat" when node.Input.All(constants.HasInts):
                return (node.Input.SelectMany(constants.Ints).ToArray(), node.Input.Select((_, i) => BatchOf(i)).SelectMany(b => b).ToArray());
            case "Slice" when In(0) is { } d:
            {
                var starts = In(1) ?? node.IntsAttribute("starts");
                var ends = In(2) ?? node.IntsAttribute("ends");
                if (starts is not [var a] || ends is not [var b] || In(4) is { } steps && steps is not [1]) return null;
                int from = Index(a, d.Length), to = Math.Max(from, Index(Math.Min(b, d.Length), d.Length));
                return (d[from..to], BatchOf(0)[from..to]);
            }
            case "Add" or "Sub" or "Mul" or "Div" when In(0) is { Length: > 0 } x && In(1) is { Length: > 0 } y && (x.Length == y.Length || x.Length == 1 || y.Length == 1):
            {
                if (constants.BatchElements(node.Input[0]) is not null || constants.BatchElements(node.Input[1]) is not null)
                    throw new UnsupportedOperatorException($"{node.OpType} with the batch size in shape arithmetic", nodeName);
                if (node.OpType == "Div" && y.Contains(0)) return null;
                int n = Math.Max(x.Length, y.Length);
                var values = Enumerable.Range(0, n).Select(i =>
                {
                    long u = x[x.Length == 1 ? 0 : i], v = y[y.Length == 1 ? 0 : i];
                    return node.OpType switch { "Add" => u + v, "Sub" => u - v, "Mul" => u * v, _ => u / v };
                }).ToArray();
                return (values, new bool[n]);
            }
            default:
                return null;
        }
    }
}
