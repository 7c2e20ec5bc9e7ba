
namespace Krypton.Onnx.Import;

/// <summary>
/// The model graph as read so far: its nodes in order, the shape of every value, and the values
/// that stand for another (the output of a node that reads as nothing, such as a dropped Transpose).
/// </summary>
internal sealed class TranslatedGraph
{
    private readonly Dictionary<string, int[]> _shapes = [];
    private readonly Dictionary<string, string> _aliases = [];
    private readonly List<Model.Node> _nodes = [];

    /// <summary>The nodes read so far, in order.</summary>
    public IReadOnlyList<Model.Node> Nodes => _nodes;

    /// <summary>Adds the graph's input.</summary>
    public void AddInput(string value, int[] shape) => _shapes[value] = shape;

    /// <summary>The value that <paramref name="value"/> stands for (itself unless it is an alias).</summary>
    public string Resolve(string value) => _aliases.TryGetValue(value, out var a) ? Resolve(a) : value;

    /// <summary>Makes <paramref name="value"/> stand for <paramref name="target"/>.</summary>
    public void Alias(string value, string target) => _aliases[value] = target;

    /// <summary>The shape of a value (resolved first), or null for one no node has produced yet.</summary>
    public int[]? ShapeOf(string value) => _shapes.GetValueOrDefault(Resolve(value));

    /// <summary>Adds what an ONNX node reads as.</summary>
    public void Add(Translation translation, NodeContext node)
    {
        if (translation.Forwarded is { } input)
            Alias(node.Output, input);
        else if (translation.Op is { } op)
            Add(new Model.Node(node.Name, op, node.Values.Take(op.ValueInputCount).ToList(), node.Output), node.Name, node.OpType);
        else
            foreach (var n in translation.Nodes)
                Add(n, node.Name, node.OpType);
    }

    /// <summary>
    /// Adds a node and infers its output's shape; a shape that does not work out is reported
    /// as the ONNX node's (<paramref name="onnxNode"/>, of type <paramref name="opType"/>).
    /// </summary>
    public void Add(Model.Node node, string onnxNode, string opType)
    {
        int[] shape;
        try { shape = node.Op.InferShape(node.Inputs.Select(v => _shapes[v]).ToList()); }
        catch (KryptonException e) { throw new KryptonException($"node '{onnxNode}' ({opType}): {e.Message}"); }
        // An empty axis (or a negative one, from a bad attribute) leaves nothing to occlude or explain.
        if (shape.Any(d => d < 1))
            throw new KryptonException($"node '{onnxNode}' ({opType}) computes a tensor of shape [{string.Join(",", shape)}], which holds no values");
        _shapes[node.Output] = shape;
        _nodes.Add(node);
    }
}
