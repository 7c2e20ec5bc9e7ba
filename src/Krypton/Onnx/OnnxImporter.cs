using System.Runtime.InteropServices;
using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx;

/// <summary>Reads an ONNX file (opsets 7 to 18) into a <see cref="ModelGraph"/>.</summary>
public static class OnnxImporter
{
    /// <summary>Loads an ONNX file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="imageSize">Height and width to use when the file leaves them symbolic (default 224).</param>
    /// <param name="opaque">
    /// When the closed op set cannot express the model (<see cref="UnsupportedOperatorException"/>),
    /// read it as one <see cref="OpaqueNetwork"/> that runs naively (the default); false throws instead.
    /// </param>
    public static ModelGraph Load(string path, (int Height, int Width)? imageSize = null, bool opaque = true)
    {
        if (!File.Exists(path))
            throw new KryptonException($"model file not found: {path}");
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, Path.GetFileNameWithoutExtension(path), imageSize, opaque);
    }

    /// <summary>Parses ONNX bytes (parameters as <see cref="Load"/>).</summary>
    public static ModelGraph Parse(byte[] bytes, string name = "model", (int Height, int Width)? imageSize = null, bool opaque = true)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new KryptonException($"'{name}' is not a valid ONNX file ({e.Message.TrimEnd('.')})");
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new KryptonException($"'{name}' is not a valid ONNX file (it holds no graph)");
        int opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => (int)o.Version).DefaultIfEmpty(0).Max();
        if (opset == 0)
            throw new KryptonException($"'{name}' does not import the standard ONNX operator set");
        // The reader renames constants it turns for channels-last views in the graph it reads: it
        // gets a copy (cheap: tensor bytes are shared), and an opaque network the graph as written.
        var reader = new Reader(opaque ? model.Graph.Clone() : model.Graph, opset, name, imageSize);
        try { return reader.Read(); }
        catch (UnsupportedOperatorException e) when (opaque)
        {
            // Naive occlusion needs no reasoning about the network: run it as it is.
            return OpaqueImport.Read(model, opset, name, imageSize, reader.ChannelsLastInput, e.Message);
        }
    }

    /// <summary>
    /// The model's input as N×C×H×W. A channels-last input (N×H×W×C, as TensorFlow and Keras
    /// export) is read channels-first when <paramref name="channelsLast"/>: its Transpose is dropped.
    /// </summary>
    internal static int[] InputShape(ValueInfoProto input, bool channelsLast, (int Height, int Width)? imageSize)
    {
        var tt = input.Type?.TensorType;
        if (tt is null || tt.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new KryptonException($"model input '{input.Name}' is not a float32 tensor");
        var dims = tt.Shape?.Dim.ToList() ?? [];
        if (dims.Count != 4)
            throw new KryptonException($"model input '{input.Name}' has rank {dims.Count}: an image model needs a spatial input N×C×H×W");
        int Dim(int i, int fallback) => dims[i].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[i].DimValue > 0 ? (int)dims[i].DimValue : fallback;
        var (ci, hi, wi) = channelsLast ? (3, 1, 2) : (1, 2, 3);
        int c = Dim(ci, -1);
        if (c < 0)
            throw new KryptonException($"model input '{input.Name}' leaves the channel count symbolic");
        if (!channelsLast && Dim(3, 0) is 1 or 3 or 4 && c > 4)
            throw new KryptonException($"model input '{input.Name}' looks channels-last ({string.Join("x", dims.Skip(1).Select(d => d.DimValue))}) but no Transpose to channels-first follows it: "
                + "Krypton reads N×C×H×W inputs, and channels-last ones that a Transpose (perm 0,3,1,2) turns channels-first, with only constant arithmetic before it");
        return [1, c, Dim(hi, imageSize?.Height ?? 224), Dim(wi, imageSize?.Width ?? 224)];
    }

    private sealed class Reader(GraphProto graph, int opset, string name, (int Height, int Width)? imageSize)
    {
        private readonly Dictionary<string, ConstantTensor> _floats = [];
        private readonly Dictionary<string, long[]> _ints = [];
        private readonly Dictionary<string, int[]> _shapes = [];
        private readonly Dictionary<string, string> _alias = [];
        private readonly List<Model.Node> _nodes = [];
        // Values holding a feature map flattened in channels-last order (H, W, C) in the original
        // and channels-first (C, H, W) here, with the map's C, H, W: the dense layer reading one
        // has its weight rows reordered to match.
        private readonly Dictionary<string, (int C, int H, int W)> _flattenedChannelsLast = [];
        // Folded integer values (shape arithmetic) whose elements stand for the batch size.
        private readonly Dictionary<string, bool[]> _batchElements = [];
        // Nodes already read as part of a pattern (a channel shuffle's reshape and transpose).
        private readonly HashSet<NodeProto> _readWithPattern = [];
        // Values that the original holds channels-last (after a Transpose 0,2,3,1) and this graph channels-first.
        private readonly HashSet<string> _channelsLastViews = [];
        // A channel shuffle's last Reshape, with the shuffle's input, its shape and its groups: read when it comes.
        private readonly Dictionary<NodeProto, (string Input, int[] Shape, int Groups)> _pendingShuffles = [];

        /// <summary>True once <see cref="Read"/> found the input channels-last (N×H×W×C, turned channels-first by a Transpose).</summary>
        public bool ChannelsLastInput { get; private set; }

        public ModelGraph Read()
        {
            foreach (var t in graph.Initializer) AddConstant(t.Name, t);
            var inputs = graph.Input.Where(i => !_floats.ContainsKey(i.Name) && !_ints.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1)
                throw new KryptonException($"model '{name}' has {inputs.Count} inputs; Krypton explains models with exactly one image input");
            var input = inputs[0];
            bool channelsLast = ChannelsLastInput = InputIsChannelsLast(input.Name);
            int[] inputShape = InputShape(input, channelsLast, imageSize);
            _shapes[input.Name] = inputShape;
            // Read channels-first: its arithmetic turns its constants, its Transpose ends the view.
            if (channelsLast) _channelsLastViews.Add(input.Name);

            foreach (var node in graph.Node) ReadNode(node);

            if (graph.Output.Count == 0)
                throw new KryptonException($"model '{name}' declares no output");
            string output = Resolve(graph.Output[0].Name);
            return new ModelGraph(input.Name, inputShape, _nodes, output, name);
        }

        /// <summary>
        /// True for a channels-last input: a Transpose that makes it channels-first (perm 0,3,1,2)
        /// follows it, through element-wise arithmetic with constants (a Keras rescaling or
        /// normalization layer), each node the only reader of the one before.
        /// </summary>
        private bool InputIsChannelsLast(string input)
        {
            var constants = graph.Initializer.Select(t => t.Name).Concat(graph.Node.Where(n => n.OpType == "Constant").SelectMany(n => n.Output)).ToHashSet();
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
            graph.Node.Where(n => n.Input.Contains(value)).ToList() is [var one] && graph.Output.All(o => o.Name != value) ? one : null;

        private static long[]? Perm(NodeProto node) => node.Attribute.FirstOrDefault(a => a.Name == "perm")?.Ints.ToArray();

        /// <summary>A reduction's axes (an attribute before opset 18, an input from it on), or null for all of them.</summary>
        private long[]? ReduceAxes(NodeProto node) =>
            opset >= 18 ? OptionalInts(node, 1) : node.Attribute.FirstOrDefault(a => a.Name == "axes")?.Ints.ToArray();

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

        private void AddConstant(string valueName, TensorProto t)
        {
            var shape = t.Dims.Select(d => (int)d).ToArray();
            switch ((TensorProto.Types.DataType)t.DataType)
            {
                case TensorProto.Types.DataType.Float:
                    _floats[valueName] = new ConstantTensor(shape, t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray());
                    break;
                case TensorProto.Types.DataType.Double:
                    _floats[valueName] = new ConstantTensor(shape, (t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, double>(t.RawData.Span).ToArray() : t.DoubleData.ToArray()).Select(v => (float)v).ToArray());
                    break;
                case TensorProto.Types.DataType.Int64:
                    _ints[valueName] = t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray() : t.Int64Data.ToArray();
                    break;
                case TensorProto.Types.DataType.Int32:
                    _ints[valueName] = (t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, int>(t.RawData.Span).ToArray() : t.Int32Data.ToArray()).Select(v => (long)v).ToArray();
                    break;
                default:
                    if (t.DataLocation == TensorProto.Types.DataLocation.External)
                        throw new KryptonException($"tensor '{t.Name}' is stored in an external file, which Krypton does not read");
                    throw new KryptonException($"tensor '{t.Name}' has ONNX data type {(TensorProto.Types.DataType)t.DataType}; Krypton reads float32, float64, int32 and int64");
            }
            if (t.DataLocation == TensorProto.Types.DataLocation.External)
                throw new KryptonException($"tensor '{t.Name}' is stored in an external file, which Krypton does not read");
        }

        private string Resolve(string value) => _alias.TryGetValue(value, out var a) ? Resolve(a) : value;

        private bool IsConstant(string value) => _floats.ContainsKey(value) || _ints.ContainsKey(value);

        private ConstantTensor Floats(NodeProto node, int index)
        {
            if (index < node.Input.Count && _floats.TryGetValue(node.Input[index], out var t)) return t;
            throw new KryptonException($"node '{node.Name}' ({node.OpType}) needs a constant float input #{index}; Krypton supports only constant weights here");
        }

        private ConstantTensor? OptionalFloats(NodeProto node, int index) =>
            index < node.Input.Count && node.Input[index] != "" ? Floats(node, index) : null;

        private long[]? OptionalInts(NodeProto node, int index)
        {
            if (index >= node.Input.Count || node.Input[index] == "") return null;
            if (_ints.TryGetValue(node.Input[index], out var v)) return v;
            throw new KryptonException($"node '{node.Name}' ({node.OpType}) needs a constant integer input #{index}");
        }

        private float? OptionalScalar(NodeProto node, int index) =>
            index < node.Input.Count && node.Input[index] != "" ? Floats(node, index).Data[0] : null;

        private void ReadNode(NodeProto node)
        {
            if (_readWithPattern.Contains(node))
                return;
            string nodeName = node.Name is { Length: > 0 } ? node.Name : $"{node.OpType}_{_nodes.Count}";
            if (_pendingShuffles.Remove(node, out var pending))
            {
                ReadChannelShuffle(node, nodeName, pending);
                return;
            }
            if (node.Domain is not ("" or "ai.onnx"))
                throw new UnsupportedOperatorException($"{node.Domain}.{node.OpType}", nodeName);
            if (node.OpType == "Constant")
            {
                var value = node.Attribute.FirstOrDefault(a => a.Name == "value")
                    ?? throw new KryptonException($"Constant node '{nodeName}' has no tensor value");
                AddConstant(node.Output[0], value.T);
                return;
            }
            if (FoldShapeArithmetic(node) is var (folded, batch))
            {
                _ints[node.Output[0]] = folded;
                if (batch.Any(b => b)) _batchElements[node.Output[0]] = batch;
                return;
            }
            if (node.OpType is "Identity" or "Dropout" && node.Input.Count > 0 && IsConstant(node.Input[0]))
            {
                if (_floats.TryGetValue(node.Input[0], out var f)) _floats[node.Output[0]] = f;
                else _ints[node.Output[0]] = _ints[node.Input[0]];
                return;
            }
            if (node.OpType == "Dropout" && node.Output.Count > 1 && node.Output[1] != "" && graph.Node.Any(n => n.Input.Contains(node.Output[1])))
                throw new KryptonException($"Dropout node '{nodeName}' has its mask output in use, which an inference model should not need");

            var valueInputs = node.Input.Where(i => i != "" && !IsConstant(i)).Select(Resolve).ToList();
            foreach (var v in valueInputs)
                if (!_shapes.ContainsKey(v))
                    throw new KryptonException($"node '{nodeName}' reads '{v}', which no earlier node produces");
            var shapes = valueInputs.Select(v => _shapes[v]).ToList();
            if (node.Input.Any(_channelsLastViews.Contains))
            {
                if (ReadOnChannelsLastView(node, nodeName, valueInputs, shapes))
                    return;
            }
            else if (node.OpType == "Transpose" && shapes[0].Length == 4 && Perm(node) is [0, 2, 3, 1] && !FlattensIntoDense(node.Output[0]))
            {
                // A channels-last view of a feature map (ConvNeXt's permute before its layer norm and
                // MLP): kept channels-first here, the ops on it read accordingly until it turns back.
                _alias[node.Output[0]] = valueInputs[0];
                _channelsLastViews.Add(node.Output[0]);
                return;
            }
            if (node.OpType is "ReduceMean" or "ReduceMax")
            {
                ReadSpatialReduce(node, nodeName, valueInputs[0], shapes[0]);
                return;
            }
            if (node.OpType == "Sum" && node.Input.All(i => i != "" && !IsConstant(i)))
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
                _alias[node.Output[0]] = valueInputs[0];
                _flattenedChannelsLast[valueInputs[0]] = (mc, mh, mw);
                return;
            }
            var flattened = valueInputs.Count > 0 && _flattenedChannelsLast.TryGetValue(valueInputs[0], out var chw) ? chw : ((int, int, int)?)null;
            if (flattened is { } map && node.OpType is "MatMul" or "Gemm")
            {
                bool columns = node.OpType == "Gemm" && node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
                _floats[node.Input[1]] = ChannelsFirstRows(Floats(node, 1), map, columns);
            }
            Op op = Translate(node, nodeName, shapes);
            var inputs = op.ValueInputCount == valueInputs.Count ? valueInputs : valueInputs.Take(op.ValueInputCount).ToList();
            string output = node.Output[0];
            int[] shape;
            try { shape = op.InferShape(inputs.Select(v => _shapes[v]).ToList()); }
            catch (KryptonException e) { throw new KryptonException($"node '{nodeName}' ({node.OpType}): {e.Message}"); }
            _shapes[output] = shape;
            _nodes.Add(new Model.Node(nodeName, op, inputs, output));
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
                        return flattened && node.Input[0] == value && node.Input.Count > 1 && (_floats.ContainsKey(node.Input[1])
                            || graph.Node.Any(c => c.OpType == "Constant" && c.Output.Contains(node.Input[1])))
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
        /// Integer arithmetic on shapes, worked out here: PyTorch exports <c>x.view(x.size(0), -1)</c>
        /// with a dynamic batch as Shape → Gather → Unsqueeze → Concat → Reshape. Shapes are known,
        /// the batch as 1, so such chains fold to the constant a Reshape needs; the elements that
        /// stand for the batch size are tracked (they may be moved around, not computed with) and a
        /// Reshape keeps them symbolic. Integer tensors are held flat, as shape vectors are. Null
        /// when the node is not such arithmetic.
        /// </summary>
        private (long[] Values, bool[] Batch)? FoldShapeArithmetic(NodeProto node)
        {
            long[]? In(int i) => i < node.Input.Count && node.Input[i] != "" && _ints.TryGetValue(node.Input[i], out var v) ? v : null;
            bool[] BatchOf(int i) => _batchElements.TryGetValue(node.Input[i], out var b) ? b : new bool[_ints[node.Input[i]].Length];
            long Attr(string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;
            long[]? AttrInts(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();
            int Index(long i, int length) => (int)Math.Clamp(i < 0 ? i + length : i, 0, length);
            switch (node.OpType)
            {
                case "Shape" when node.Input.Count == 1 && _shapes.TryGetValue(Resolve(node.Input[0]), out var shape):
                {
                    int start = Index(Attr("start", 0), shape.Length), end = Math.Max(start, Index(Attr("end", shape.Length), shape.Length));
                    return (shape[start..end].Select(d => (long)d).ToArray(), Enumerable.Range(start, end - start).Select(i => i == 0).ToArray());
                }
                case "Gather" when In(0) is { } data && In(1) is { } indices && Attr("axis", 0) == 0:
                {
                    var at = indices.Select(i => (int)(i < 0 ? i + data.Length : i)).ToArray();
                    var batch = BatchOf(0);
                    return (at.Select(i => data[i]).ToArray(), at.Select(i => batch[i]).ToArray());
                }
                case "Unsqueeze" or "Squeeze" or "Identity" when In(0) is { } d:
                    return (d, BatchOf(0));
                case "Cast" when In(0) is { } d && Attr("to", 0) is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32:
                    return (d, BatchOf(0));
                case "Concat" when node.Input.All(_ints.ContainsKey):
                    return (node.Input.SelectMany(i => _ints[i]).ToArray(), node.Input.Select((_, i) => BatchOf(i)).SelectMany(b => b).ToArray());
                case "Slice" when In(0) is { } d:
                {
                    var starts = In(1) ?? AttrInts("starts");
                    var ends = In(2) ?? AttrInts("ends");
                    if (starts is not [var a] || ends is not [var b] || In(4) is { } steps && steps is not [1]) return null;
                    int from = Index(a, d.Length), to = Math.Max(from, Index(Math.Min(b, d.Length), d.Length));
                    return (d[from..to], BatchOf(0)[from..to]);
                }
                case "Add" or "Sub" or "Mul" or "Div" when In(0) is { } x && In(1) is { } y && (x.Length == y.Length || x.Length == 1 || y.Length == 1):
                {
                    if (_batchElements.ContainsKey(node.Input[0]) || _batchElements.ContainsKey(node.Input[1]))
                        throw new UnsupportedOperatorException($"{node.OpType} with the batch size in shape arithmetic", node.Name);
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

        /// <summary>
        /// A node reading a channels-last view, read channels-first: the Transpose back ends the view;
        /// a mean over the last axis is a mean over the channels; a dense layer over the last axis is a
        /// 1×1 convolution; element-wise arithmetic turns its constants; activations apply as they are.
        /// Outputs stay views. Returns false when the node is to be read the ordinary way after
        /// that (its constants turned); anything else on a view is refused in one line.
        /// </summary>
        private bool ReadOnChannelsLastView(NodeProto node, string nodeName, List<string> values, List<int[]> shapes)
        {
            if (node.Input.Where(i => i != "" && !IsConstant(i)).Any(i => !_channelsLastViews.Contains(i)))
                throw new UnsupportedOperatorException($"{node.OpType} mixing a channels-last view with other values", nodeName);
            switch (node.OpType)
            {
                case "Transpose" when Perm(node) is [0, 3, 1, 2]:
                    _alias[node.Output[0]] = values[0];
                    return true;
                case "ReduceMean" when shapes[0].Length == 4 && KeepDims(node) && ReduceAxes(node) is [-1 or 3]:
                {
                    var mean = new ChannelPool(PoolKind.Average);
                    _shapes[node.Output[0]] = mean.InferShape(shapes);
                    _nodes.Add(new Model.Node(nodeName, mean, [values[0]], node.Output[0]));
                    _channelsLastViews.Add(node.Output[0]);
                    return true;
                }
                case "MatMul" when shapes[0].Length == 4 && _floats.TryGetValue(node.Input[1], out var b) && b.Shape is [var inC, var outC] && inC == shapes[0][1]:
                {
                    var weight = new float[outC * inC];
                    for (int k = 0; k < outC; k++)
                        for (int c = 0; c < inC; c++) weight[k * inC + c] = b.Data[c * outC + k];
                    var conv = new Conv(Window2D.Square(1), 1, new ConstantTensor([outC, inC, 1, 1], weight), null);
                    _shapes[node.Output[0]] = conv.InferShape(shapes);
                    _nodes.Add(new Model.Node(nodeName, conv, [values[0]], node.Output[0]));
                    _channelsLastViews.Add(node.Output[0]);
                    return true;
                }
                case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Sqrt" or "Erf" or "Relu" or "Sigmoid" or "Tanh" or "Identity" or "Dropout":
                    // Turned under a name of their own: an exporter may share a constant with nodes outside the view.
                    for (int i = 0; i < node.Input.Count; i++)
                        if (_floats.TryGetValue(node.Input[i], out var constant))
                        {
                            string turned = node.Input[i] + "__channels_first";
                            _floats.TryAdd(turned, ChannelsFirst(constant, nodeName));
                            node.Input[i] = turned;
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
            var sizes = (opset >= 13 ? OptionalInts(node, 1) : node.Attribute.FirstOrDefault(a => a.Name == "split")?.Ints.ToArray())?.Select(v => (int)v).ToArray()
                ?? Enumerable.Range(0, parts).Select(k => Math.Min(Ceiling(channels, parts), channels - k * Ceiling(channels, parts))).ToArray();
            if (sizes.Length != parts || sizes.Sum() != channels || sizes.Any(v => v <= 0))
                throw new KryptonException($"Split node '{nodeName}' divides {channels} channels as {string.Join("+", sizes)} into {parts} outputs");
            int start = 0;
            for (int k = 0; k < parts; k++)
            {
                var slice = new ChannelSlice(start, start + sizes[k]);
                start += sizes[k];
                if (node.Output[k] == "") continue;
                _shapes[node.Output[k]] = slice.InferShape([shape]);
                _nodes.Add(new Model.Node($"{nodeName}__{k}", slice, [input], node.Output[k]));
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

        private long[]? ReshapeTarget(NodeProto reshape) => reshape.Input.Count > 1 && _ints.TryGetValue(reshape.Input[1], out var t) ? t : null;

        /// <summary>The end of a channel shuffle: the Reshape back to N×C×H×W, read with the rest as one channel permutation.</summary>
        private void ReadChannelShuffle(NodeProto back, string nodeName, (string Input, int[] Shape, int Groups) shuffle)
        {
            var (input, shape, groups) = shuffle;
            if (ReshapeTarget(back) is not [_, var c, var h, var w] || !(c == shape[1] || c == -1) || h != shape[2] || w != shape[3])
                throw new UnsupportedOperatorException("a five-axis Reshape and Transpose that do not shuffle channels", nodeName);
            var permutation = ChannelPermutation.Shuffle(shape[1], groups);
            _shapes[back.Output[0]] = permutation.InferShape([shape]);
            _nodes.Add(new Model.Node(nodeName, permutation, [input], back.Output[0]));
        }

        /// <summary>Sum of several values (Caffe2 exports write residual additions so): a chain of additions.</summary>
        private void ReadSum(NodeProto node, string nodeName, List<string> values)
        {
            if (values.Count == 1)
            {
                _alias[node.Output[0]] = values[0];
                return;
            }
            string sum = values[0];
            for (int k = 1; k < values.Count; k++)
            {
                bool last = k == values.Count - 1;
                string output = last ? node.Output[0] : $"{node.Output[0]}__sum{k}";
                var add = new Binary(BinaryKind.Add);
                try { _shapes[output] = add.InferShape([_shapes[sum], _shapes[values[k]]]); }
                catch (KryptonException e) { throw new KryptonException($"node '{nodeName}' (Sum): {e.Message}"); }
                _nodes.Add(new Model.Node(last ? nodeName : $"{nodeName}__{k}", add, [sum, values[k]], output));
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
                _shapes[node.Output[0]] = channels.InferShape([shape]);
                _nodes.Add(new Model.Node(nodeName, channels, [input], node.Output[0]));
                return;
            }
            if (shape.Length != 4 || axes is not [2, 3])
                throw new UnsupportedOperatorException($"{node.OpType} over axes other than the spatial ones or the channels ({(axes is null ? "all" : string.Join(",", axes))}{(axes is [1] ? ", without keepdims" : "")})", nodeName);
            var pool = new GlobalPool(kind);
            string pooled = keep ? node.Output[0] : node.Output[0] + "__pooled";
            _shapes[pooled] = pool.InferShape([shape]);
            _nodes.Add(new Model.Node(keep ? nodeName : nodeName + "__pool", pool, [input], pooled));
            if (!keep)
            {
                var squeeze = new Squeeze([2, 3]);
                _shapes[node.Output[0]] = squeeze.InferShape([_shapes[pooled]]);
                _nodes.Add(new Model.Node(nodeName, squeeze, [pooled], node.Output[0]));
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
                    return opset < 11
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
                    if (opset < 7 && A("broadcast") is not null)
                        throw new UnsupportedOperatorException($"{node.OpType} with legacy broadcast", nodeName);
                    bool c0 = _floats.TryGetValue(node.Input[0], out var k0);
                    bool c1 = _floats.TryGetValue(node.Input[1], out var k1);
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
                    if (node.Input.Count > 1 && _batchElements.TryGetValue(node.Input[1], out var batch) && batch.Skip(1).Any(b => b))
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
                    if (node.Input.Count > 1 && _batchElements.TryGetValue(node.Input[1], out var batch) && batch.Skip(1).Any(b => b))
                        throw new UnsupportedOperatorException("Expand that puts the batch size on another axis than the first", nodeName);
                    // The shape's batch (folded as 1, or a file's fixed 1) becomes 1: broadcasting keeps the input's.
                    if (target.Length == shapes[0].Length && target.Length > 0) target[0] = 1;
                    return new Expand(target);
                }
                case "Squeeze":
                {
                    // Without axes ONNX removes every unit axis, the batch axis too when the batch is 1:
                    // name the non-batch unit axes explicitly so that the emitted graph keeps the batch.
                    var axes = (opset >= 13 ? OptionalInts(node, 1) : Ints("axes"))?.Select(a => (int)a).ToArray();
                    if (axes is null || axes.Length == 0)
                        axes = Enumerable.Range(1, shapes[0].Length - 1).Where(a => shapes[0][a] == 1).ToArray();
                    return new Squeeze(axes);
                }
                case "Unsqueeze":
                    return new Unsqueeze((opset >= 13 ? OptionalInts(node, 1) : Ints("axes"))?.Select(a => (int)a).ToArray()
                        ?? throw new KryptonException($"Unsqueeze node '{nodeName}' has no axes"));
                case "Identity":
                case "Dropout":
                    return new Identity();
                case "Softmax":
                case "LogSoftmax":
                {
                    int rank = shapes[0].Length;
                    int axis = Op.NormalizeAxis((int)I("axis", opset >= 13 ? -1 : 1), rank);
                    return new Softmax(axis, Coerce2D: opset < 13 && axis != rank - 1, Log: node.OpType == "LogSoftmax");
                }
                case "Slice":
                {
                    var starts = opset >= 10 ? OptionalInts(node, 1) : Ints("starts");
                    var ends = opset >= 10 ? OptionalInts(node, 2) : Ints("ends");
                    var axes = (opset >= 10 ? OptionalInts(node, 3) : Ints("axes")) ?? [0];
                    var steps = opset >= 10 ? OptionalInts(node, 4) : null;
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
                    long[] pads = (opset >= 11 ? OptionalInts(node, 1) : Ints("pads"))
                        ?? throw new KryptonException($"Pad node '{nodeName}' has no pads");
                    float value = opset >= 11 ? OptionalScalar(node, 2) ?? 0f : F("value", 0f);
                    if (opset >= 18 && OptionalInts(node, 3) is { } axes)
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
}
