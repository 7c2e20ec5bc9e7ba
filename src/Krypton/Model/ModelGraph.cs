namespace Krypton.Model;

/// <summary>
/// Krypton's own view of a CNN: one image input (N×C×H×W), a topologically ordered list of
/// nodes from the closed op set, one output, and the shape of every value for a batch of one.
/// Used for reasoning (shapes, changed regions, plans); execution goes through emitted ONNX.
/// </summary>
public sealed class ModelGraph
{
    private readonly Dictionary<string, int[]> _shapes;
    private readonly Dictionary<string, Node> _producers;

    /// <summary>Builds the graph, checks that it is well formed and infers every shape.</summary>
    /// <param name="inputName">Name of the image input.</param>
    /// <param name="inputShape">Input shape [1, C, H, W].</param>
    /// <param name="nodes">Nodes in topological order.</param>
    /// <param name="output">Name of the output value.</param>
    /// <param name="name">A name for messages and provenance.</param>
    public ModelGraph(string inputName, int[] inputShape, IReadOnlyList<Node> nodes, string output, string name = "model")
    {
        if (inputShape.Length != 4)
            throw new KryptonException($"model input '{inputName}' has shape [{string.Join(",", inputShape)}]: an image model needs a spatial input N×C×H×W");
        InputName = inputName;
        InputShape = [1, inputShape[1], inputShape[2], inputShape[3]];
        Nodes = nodes;
        Output = output;
        Name = name;
        _shapes = new() { [inputName] = InputShape };
        _producers = [];
        foreach (var node in nodes)
        {
            if (node.Inputs.Count != node.Op.ValueInputCount)
                throw new KryptonException($"node '{node.Name}' ({node.Op.TypeName}) has {node.Inputs.Count} inputs, expected {node.Op.ValueInputCount}");
            var ins = new List<int[]>(node.Inputs.Count);
            foreach (var i in node.Inputs)
            {
                if (!_shapes.TryGetValue(i, out var s))
                    throw new KryptonException($"node '{node.Name}' reads '{i}', which no earlier node produces");
                ins.Add(s);
            }
            if (_shapes.ContainsKey(node.Output))
                throw new KryptonException($"value '{node.Output}' is produced twice");
            int[] shape;
            try { shape = node.Op.InferShape(ins); }
            catch (KryptonException e) { throw new KryptonException($"node '{node.Name}' ({node.Op.TypeName}): {e.Message}"); }
            _shapes[node.Output] = shape;
            _producers[node.Output] = node;
        }
        if (!_shapes.ContainsKey(output))
            throw new KryptonException($"model output '{output}' is not produced by any node");
    }

    /// <summary>A name for messages and provenance.</summary>
    public string Name { get; }

    /// <summary>Name of the image input.</summary>
    public string InputName { get; }

    /// <summary>Input shape [1, C, H, W].</summary>
    public int[] InputShape { get; }

    /// <summary>Input channels.</summary>
    public int Channels => InputShape[1];

    /// <summary>Input height.</summary>
    public int Height => InputShape[2];

    /// <summary>Input width.</summary>
    public int Width => InputShape[3];

    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Name of the output value.</summary>
    public string Output { get; }

    /// <summary>Shape of the output for a batch of one.</summary>
    public int[] OutputShape => _shapes[Output];

    /// <summary>Number of values in one sample's output (the range of a flattened target index).</summary>
    public int OutputSize => OutputShape.Skip(1).Aggregate(1, (p, d) => p * d);

    /// <summary>Shape of a value for a batch of one.</summary>
    public int[] ShapeOf(string value) =>
        _shapes.TryGetValue(value, out var s) ? s : throw new KeyNotFoundException($"no value '{value}'");

    /// <summary>The node that produces a value, or null for the input.</summary>
    public Node? ProducerOf(string value) => _producers.GetValueOrDefault(value);

    /// <summary>Nodes that read a value.</summary>
    public IEnumerable<Node> ConsumersOf(string value) => Nodes.Where(n => n.Inputs.Contains(value));

    /// <summary>Total learned parameters.</summary>
    public long ParameterCount => Nodes.Sum(n => n.Op.ParameterCount);

    /// <summary>Multiply-adds of one full inference.</summary>
    public long MultiplyAdds => Nodes.Sum(n => n.Op.MultiplyAdds(n.Inputs.Select(ShapeOf).ToList(), ShapeOf(n.Output)));

    /// <summary>The output is a probability distribution already, or its logarithm (the last op is a softmax or log-softmax).</summary>
    public bool EndsWithSoftmax => Ending().Last?.Op is Softmax;

    /// <summary>The output is probabilities already, each its own sigmoid (multi-label or binary).</summary>
    public bool EndsWithSigmoid => Ending().Last?.Op is Activation { Kind: ActivationKind.Sigmoid };

    /// <summary>
    /// The last node that computes something, looking back from the output through the Identity
    /// nodes some exporters put after it (and Dropout, read as Identity), with those nodes.
    /// </summary>
    public (Node? Last, IReadOnlyList<Node> After) Ending()
    {
        var after = new List<Node>();
        var node = ProducerOf(Output);
        while (node is { Op: Identity })
        {
            after.Add(node);
            node = ProducerOf(node.Inputs[0]);
        }
        return (node, after);
    }

    /// <summary>
    /// How the outputs become probabilities when this graph computes logits: a softmax across
    /// them (the default) or a sigmoid each. Set where a final activation was taken off.
    /// </summary>
    public ScoreFunction Scores { get; private init; }

    /// <summary>
    /// What the model file's output is relative to this graph's output (its logits, when a final
    /// activation was taken off): set with the scores. The logits themselves by default.
    /// </summary>
    public OutputForm OutputForm { get; private init; }

    /// <summary>A copy of this graph with other nodes (same input, name, scores and output form); shapes are inferred again.</summary>
    public ModelGraph WithNodes(IReadOnlyList<Node> nodes, string? output = null) =>
        new(InputName, InputShape, nodes, output ?? Output, Name) { Scores = Scores, OutputForm = OutputForm };

    /// <summary>This graph, its outputs turned into probabilities by <paramref name="scores"/>; the file's own output is <paramref name="form"/>.</summary>
    public ModelGraph WithScores(ScoreFunction scores, OutputForm form = OutputForm.Logits) =>
        new(InputName, InputShape, Nodes, Output, Name) { Scores = scores, OutputForm = form };

    /// <summary>Bytes of all activations of one sample (an upper bound on what a forward pass keeps alive).</summary>
    public long ActivationBytes => 4L * (_shapes.Values.Sum(s => s.Skip(1).Aggregate(1L, (p, d) => p * d))) + Nodes.Sum(n => n.Op.HiddenBytes);

    /// <summary>The most images one run may take: 1 when an opaque network fixes its batch, else unbounded.</summary>
    public int MaxBatch => Nodes.Any(n => n.Op is OpaqueNetwork { FixedBatch: true }) ? 1 : int.MaxValue;

    /// <summary>Why some or all of the graph is opaque (<see cref="OpaqueNetwork"/>), or null when Krypton reasons about all of it.</summary>
    public string? OpaqueReason => Nodes.Select(n => n.Op).OfType<OpaqueNetwork>().FirstOrDefault()?.Reason;
}
