using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// Reads an ONNX graph into a <see cref="ModelGraph"/>, node by node in the file's order: a node
/// is part of a pattern across nodes (a channel shuffle, a channels-last view or flatten), computes
/// a constant (folded), or is translated by its op type's translator in <see cref="OperatorTable"/>.
/// The file's graph is only read, never changed.
/// </summary>
internal sealed class GraphReader
{
    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private readonly int _opset;
    private readonly string _name;
    private readonly (int Height, int Width)? _imageSize;
    private readonly ValueReaders _readers;
    private readonly ConstantStore _constants = new();
    private readonly TranslatedGraph _translated = new();
    private readonly ConstantFolding _folding;
    private readonly ChannelsLastViews _views;
    private readonly ChannelsLastFlatten _flatten;
    private readonly ChannelShuffles _shuffles;

    public GraphReader(ModelProto model, int opset, string name, (int Height, int Width)? imageSize)
    {
        var graph = model.Graph;
        (_model, _graph, _opset, _name, _imageSize) = (model, graph, opset, name, imageSize);
        _readers = new ValueReaders(graph);
        _folding = new ConstantFolding(_constants, _translated);
        _views = new ChannelsLastViews(graph, _readers, _constants, _translated);
        _flatten = new ChannelsLastFlatten(graph, _readers, _constants, _translated);
        _shuffles = new ChannelShuffles(_readers, _constants, _translated);
    }

    /// <summary>True once <see cref="Read"/> found the input channels-last (N×H×W×C, turned channels-first by a Transpose).</summary>
    public bool ChannelsLastInput { get; private set; }

    public ModelGraph Read()
    {
        GraphStructure.Check(_graph);
        if (_graph.Output.Count == 0)
            throw new KryptonException($"model '{_name}' declares no output");
        foreach (var t in _graph.Initializer) _constants.Add(t.Name, t);
        var inputs = _graph.Input.Where(i => !_constants.IsConstant(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new KryptonException($"model '{_name}' has {inputs.Count} inputs; Krypton explains models with exactly one image input");
        var input = inputs[0];
        bool channelsLast = ChannelsLastInput = _views.InputIsChannelsLast(input.Name);
        int[] inputShape = OnnxImporter.InputShape(input, channelsLast, _imageSize);
        _translated.AddInput(input.Name, inputShape);
        // Read channels-first: its arithmetic turns its constants, its Transpose ends the view.
        if (channelsLast) _views.AddInput(input.Name);

        _folding.EvaluateConstantSubgraph(_model, _name);
        foreach (var node in _graph.Node) ReadNode(node);

        string output = _translated.Resolve(_graph.Output[0].Name);
        if (output == input.Name)
            throw new KryptonException($"model '{_name}' computes nothing: its output '{_graph.Output[0].Name}' is its input");
        return new ModelGraph(input.Name, inputShape, _translated.Nodes, output, _name);
    }

    private void ReadNode(NodeProto node)
    {
        if (_shuffles.IsInside(node))
            return;
        string nodeName = node.Name is { Length: > 0 } ? node.Name : $"{node.OpType}_{_translated.Nodes.Count}";
        if (_shuffles.TryEnd(node, nodeName))
            return;
        if (node.Domain is not ("" or "ai.onnx"))
            throw new UnsupportedOperatorException($"{node.Domain}.{node.OpType}", nodeName);
        if (_folding.TryFold(node, nodeName))
            return;
        if (_constants.Unreadable(node, nodeName) is { } unreadable)
            throw unreadable;
        // Constants alone that were not evaluated: the image's shape in arithmetic that is not a
        // Reshape's (the batch size would be frozen at 1), or random numbers.
        if (node.Input.All(i => i == "" || _constants.IsConstant(i)))
            throw new UnsupportedOperatorException(ConstantSubgraph.RandomOperators.Contains(node.OpType)
                ? $"{node.OpType}, which draws new numbers on every run" : $"{node.OpType} of the input's shape", nodeName);
        if (node.OpType == "Dropout" && node.Output.Count > 1 && node.Output[1] != "" && _readers.Any(node.Output[1]))
            throw new KryptonException($"Dropout node '{nodeName}' has its mask output in use, which an inference model should not need");

        var context = Context(node, nodeName);
        if (_views.Reads(node))
        {
            if (_views.TryRead(node, context))
                return;
        }
        else if (ChannelsLastViews.TurnsChannelsLast(node, context))
        {
            // Keras turns a map channels-last only to flatten it into a dense layer; anything else is a view.
            if (_flatten.FlattensIntoDense(node.Output[0])) _flatten.Begin(context);
            else _views.Begin(context);
            return;
        }
        if (_shuffles.TryBegin(node, context))
            return;

        _flatten.ReorderWeights(node, context);
        if (!OperatorTable.Translators.TryGetValue(node.OpType, out var translator))
            throw new UnsupportedOperatorException(node.OpType, nodeName);
        var translation = translator(context);
        _translated.Add(translation, context);
        _flatten.Follow(context, translation);
    }

    /// <summary>The node as its translator sees it, once every value it reads is known.</summary>
    private NodeContext Context(NodeProto node, string nodeName)
    {
        var values = node.Input.Where(i => i != "" && !_constants.IsConstant(i)).Select(_translated.Resolve).ToList();
        var shapes = new List<int[]>(values.Count);
        foreach (var v in values)
            shapes.Add(_translated.ShapeOf(v) ?? throw new KryptonException($"node '{nodeName}' reads '{v}', which no earlier node produces"));
        return new NodeContext(node, nodeName, _opset, values, shapes, _constants);
    }
}
