using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx;

/// <summary>
/// Builds an ONNX graph node by node. Every graph Krypton executes (the model with a dynamic
/// batch, the naive occlusion graph, the incremental plan) is written through this builder.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The opset every emitted graph targets, unless an opaque network's nodes need a later one.</summary>
    public const int Opset = 17;

    private readonly Dictionary<string, long> _opsets = new() { [""] = Opset };
    private long _irVersion = 8;

    /// <summary>Name of the symbolic batch dimension in emitted graphs.</summary>
    public const string BatchDim = "N";

    private readonly GraphProto _graph = new() { Name = "krypton" };
    private readonly bool _weightFiles;

    /// <summary>A builder of an empty graph.</summary>
    /// <param name="weightFiles">
    /// Whether large constants go to <see cref="WeightFiles"/> rather than into the graph: for the
    /// graphs a session runs (<see cref="Runtime.OnnxSession"/> finds the files); a graph written
    /// out for people to keep holds its weights itself.
    /// </param>
    public OnnxGraphBuilder(bool weightFiles = false) => _weightFiles = weightFiles;
    private readonly HashSet<string> _names = [];
    private int _counter;

    /// <summary>Returns <paramref name="hint"/>, or a numbered variant when it is taken, and reserves it.</summary>
    public string UniqueName(string hint)
    {
        string name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>Marks a name as used (for values produced by nodes added with an explicit output).</summary>
    public void Reserve(string name) => _names.Add(name);

    /// <summary>Adds a float constant as an initializer and returns its name.</summary>
    public string Constant(string hint, ConstantTensor tensor)
    {
        if (!_weightFiles || !WeightFiles.IsExternal(tensor))
            return Typed(hint, TensorProto.Types.DataType.Float, tensor.Shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        var t = Initializer(hint, TensorProto.Types.DataType.Float, tensor.Shape);
        WeightFiles.Refer(t, tensor);
        return t.Name;
    }

    /// <summary>A new initializer of the graph, named from <paramref name="hint"/>, its data still to be set.</summary>
    private TensorProto Initializer(string hint, TensorProto.Types.DataType type, int[] shape)
    {
        var t = new TensorProto { Name = UniqueName(hint), DataType = (int)type };
        t.Dims.AddRange(shape.Select(d => (long)d));
        _graph.Initializer.Add(t);
        return t;
    }

    /// <summary>Adds a constant of any element type from its raw little-endian bytes and returns its name.</summary>
    public string Typed(string hint, TensorProto.Types.DataType type, int[] shape, ReadOnlySpan<byte> raw)
    {
        var t = Initializer(hint, type, shape);
        t.RawData = ByteString.CopyFrom(raw);
        return t.Name;
    }

    /// <summary>Adds an int64 constant as an initializer and returns its name.</summary>
    public string Int64s(string hint, long[] values, int[]? shape = null)
    {
        string name = UniqueName(hint);
        Int64sAs(name, values, shape ?? [values.Length]);
        return name;
    }

    /// <summary>Adds an int64 constant under a name reserved earlier with <see cref="UniqueName"/>.</summary>
    public void Int64sAs(string name, long[] values, int[] shape)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(shape.Select(d => (long)d));
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
    }

    /// <summary>Adds an int64 scalar (rank 0) constant and returns its name.</summary>
    public string Int64Scalar(string hint, long value) => Int64s(hint, [value], []);

    /// <summary>
    /// Adds a node and returns the name of its output: <paramref name="output"/> when given,
    /// otherwise a fresh name derived from <paramref name="name"/>.
    /// </summary>
    public string Node(string opType, IEnumerable<string> inputs, string? output, string name, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName(name) };
        string outName = output ?? UniqueName(name + "_out");
        _names.Add(outName);
        node.Input.AddRange(inputs);
        node.Output.Add(outName);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outName;
    }

    /// <summary>
    /// Adds a node as it is (an opaque network's original node, its names already mapped), with
    /// its domain's opset: the model then imports at least <paramref name="opsets"/> and is of at
    /// least <paramref name="irVersion"/>, so the node keeps the meaning it had in its own file.
    /// </summary>
    public void Raw(NodeProto node, IEnumerable<OperatorSetIdProto> opsets, long irVersion)
    {
        foreach (var o in opsets)
        {
            string domain = o.Domain == "ai.onnx" ? "" : o.Domain;
            _opsets[domain] = Math.Max(_opsets.GetValueOrDefault(domain), o.Version);
        }
        _irVersion = Math.Max(_irVersion, irVersion);
        _names.Add(node.Name);
        foreach (var o in node.Output) _names.Add(o);
        _graph.Node.Add(node);
    }

    /// <summary>Adds an initializer as it is (an opaque network's constant, renamed).</summary>
    public void Raw(TensorProto initializer)
    {
        if (_weightFiles) initializer = WeightFiles.Moved(initializer);
        _names.Add(initializer.Name);
        _graph.Initializer.Add(initializer);
    }

    /// <summary>Declares a float32 graph input; a dimension of −1 becomes the symbolic batch.</summary>
    public string Input(string name, int[] shape, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        Reserve(name);
        _graph.Input.Add(ValueInfo(name, shape, type));
        return name;
    }

    /// <summary>Declares a graph output; a dimension of −1 becomes the symbolic batch.</summary>
    public void Output(string name, int[] shape, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float) =>
        _graph.Output.Add(ValueInfo(name, shape, type));

    private static ValueInfoProto ValueInfo(string name, int[] shape, TensorProto.Types.DataType type)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (int d in shape)
            tt.Shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = BatchDim } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }

    /// <summary>The finished model.</summary>
    public ModelProto Build(string docString = "")
    {
        var m = new ModelProto
        {
            IrVersion = _irVersion,
            ProducerName = "Krypton.NET",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph,
            DocString = docString,
        };
        m.OpsetImport.AddRange(_opsets.Select(o => new OperatorSetIdProto { Domain = o.Key, Version = o.Value }));
        return m;
    }
}
