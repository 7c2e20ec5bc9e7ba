using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Krypton.Runtime;

namespace Krypton.Onnx;

/// <summary>
/// Reads a model that the closed op set cannot express (a vision transformer, an operator Krypton
/// does not reason about) as one <see cref="OpaqueNetwork"/>: the original nodes, run whole, so
/// that naive occlusion works on any ONNX image classifier. A final softmax, log-softmax or sigmoid
/// is taken out as an op of its own, as for any model, so that logits and probabilities are read
/// the same way. Shapes, working memory and multiply-adds are measured by running the file once,
/// on ONNX Runtime, on a zero image with every value made an output.
/// </summary>
internal static class OpaqueImport
{
    public static ModelGraph Read(ModelProto model, int opset, string name, (int Height, int Width)? imageSize, bool channelsLast, string reason)
    {
        var g = model.Graph;
        Exception Refuse(string why) => new KryptonException($"{reason}; '{name}' cannot run as an opaque network either: {why}");
        if (opset < 13)
            throw Refuse($"its opset {opset} is older than 13 (export it with opset 13 or later)");
        if (g.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
            throw Refuse("it has control flow (If, Loop, Scan)");
        var constants = g.Initializer.Select(t => t.Name).ToHashSet();
        var input = g.Input.Single(i => !constants.Contains(i.Name));
        int[] shape = OnnxImporter.InputShape(input, channelsLast, imageSize);
        int[] fileShape = channelsLast ? [1, shape[2], shape[3], shape[1]] : shape;
        var batch = input.Type.TensorType.Shape.Dim[0];
        bool symbolicBatch = batch.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
        string output = g.Output[0].Name;

        var (measured, batches) = Measure(model, input.Name, fileShape, name, reason, output);
        bool fixedBatch = !(symbolicBatch && batches);
        if (!measured.TryGetValue(output, out var outputShape))
            throw Refuse($"its output '{output}' is not a float tensor");
        // Occlusion runs positions as a batch and reads each one's output: one image must give a batch of one.
        if (outputShape is not [1, ..])
            throw Refuse($"its output '{output}' has shape [{string.Join(",", outputShape)}] for one image, whose first axis is not the batch");

        // A final softmax or log-softmax over the classes (the one axis besides the batch that is
        // not 1: [N, K] or [N, K, 1, 1]), or a final sigmoid, becomes an op of its own; the score
        // head then flattens the logits. Identity nodes after it (as some exporters add) go with it.
        NodeProto? Producer(string value) => g.Node.LastOrDefault(n => n.Output.Contains(value));
        var cut = new List<NodeProto>();
        var last = Producer(output);
        while (last is { OpType: "Identity" })
        {
            cut.Add(last);
            last = Producer(last.Input[0]);
        }
        Op? tail = last?.OpType switch
        {
            "Softmax" or "LogSoftmax" when ClassAxis(last, outputShape) is int axis => new Softmax(axis, Log: last.OpType == "LogSoftmax"),
            "Sigmoid" => new Activation(ActivationKind.Sigmoid),
            _ => null,
        };
        if (tail is not null) cut.Add(last!);
        var part = new GraphProto();
        part.Node.AddRange(tail is null ? g.Node : g.Node.Where(n => !cut.Contains(n)));
        part.Initializer.AddRange(g.Initializer);
        string logits = tail is null ? output : last!.Input[0];

        long hidden = measured.Where(v => v.Key != logits).Sum(v => 4L * Elements(v.Value));
        long parameters = g.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).Sum(t => t.Dims.Aggregate(1L, (p, d) => p * d));
        var initializerDims = g.Initializer.ToDictionary(t => t.Name, t => t.Dims.Select(d => (int)d).ToArray());
        measured[input.Name] = fileShape;
        int[]? ShapeOf(string v) => measured.TryGetValue(v, out var s) ? s : initializerDims.GetValueOrDefault(v);
        long macs = part.Node.Sum(n => MultiplyAdds(n, ShapeOf));

        var network = new OpaqueNetwork(new OnnxBody(part, model.OpsetImport.ToList(), model.IrVersion), input.Name, logits, measured.GetValueOrDefault(logits) ?? outputShape,
            parameters, hidden, macs, fixedBatch, channelsLast, reason);
        var nodes = new List<Node> { new("network", network, [input.Name], logits) };
        if (tail is not null)
            nodes.Add(new Node(last!.Name.Length > 0 ? last.Name : last.OpType, tail, [logits], output));
        return new ModelGraph(input.Name, shape, nodes, output, name);
    }

    /// <summary>The softmax's axis when it runs over the classes (the only axis besides the batch that is not 1), else null.</summary>
    private static int? ClassAxis(NodeProto softmax, int[] shape)
    {
        if (shape.Length < 2)
            return null;
        long axis = softmax.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? -1;
        int normalized = (int)(axis < 0 ? axis + shape.Length : axis);
        var classes = Enumerable.Range(1, shape.Length - 1).Where(i => shape[i] != 1).ToList();
        return normalized >= 1 && normalized < shape.Length && (classes.Count == 0 || classes is [var only] && only == normalized) ? normalized : null;
    }

    private static long Elements(int[] shape) => shape.Aggregate(1L, (p, d) => p * d);

    /// <summary>Multiply-adds of a convolution or matrix product for one sample; 0 for other ops.</summary>
    private static long MultiplyAdds(NodeProto n, Func<string, int[]?> shapeOf)
    {
        var output = shapeOf(n.Output[0]);
        var a = n.Input.Count > 0 ? shapeOf(n.Input[0]) : null;
        var b = n.Input.Count > 1 ? shapeOf(n.Input[1]) : null;
        if (output is null || a is null || b is null) return 0;
        return n.OpType switch
        {
            "Conv" => Elements(output) * Elements(b[1..]),
            "MatMul" => Elements(output) * a[^1],
            "Gemm" => Elements(output) * (n.Attribute.Any(x => x.Name == "transA" && x.I == 1) ? a[0] : a[^1]),
            _ => 0,
        };
    }

    /// <summary>
    /// Every value's shape (batch one) from one run on a zero image (values that are not float
    /// tensors are left out), and whether the file runs two images at once.
    /// </summary>
    private static (Dictionary<string, int[]> Shapes, bool Batches) Measure(ModelProto model, string input, int[] shape, string name, string reason, string output)
    {
        var probe = model.Clone();
        var outputs = probe.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var value in probe.Graph.Node.SelectMany(n => n.Output).Where(v => v.Length > 0 && outputs.Add(v)))
            probe.Graph.Output.Add(new ValueInfoProto { Name = value });
        try
        {
            using var session = new OnnxSession(probe.ToByteArray(), probe: true);
            using var x = OrtValue.CreateTensorValueFromMemory(new float[Elements(shape)], shape.Select(d => (long)d).ToArray());
            using var results = session.Run(new Dictionary<string, OrtValue> { [input] = x });
            var shapes = new Dictionary<string, int[]>();
            for (int i = 0; i < results.Count; i++)
            {
                if (!results[i].IsTensor) continue;
                var info = results[i].GetTensorTypeAndShape();
                if (info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
                    shapes[session.OutputNames[i]] = info.Shape.Select(d => (int)d).ToArray();
            }
            return (shapes, Batches(session, input, shape, output));
        }
        catch (KryptonException e)
        {
            throw new KryptonException($"{reason}, and ONNX Runtime cannot run '{name}' as it is either: {e.Message}", e);
        }
    }

    /// <summary>
    /// True when the file runs a batch of two and answers with two outputs: a symbolic batch axis
    /// is no promise (an export may have kept a Reshape to a batch of 1).
    /// </summary>
    private static bool Batches(OnnxSession session, string input, int[] shape, string output)
    {
        int[] two = [2, .. shape[1..]];
        using var x = OrtValue.CreateTensorValueFromMemory(new float[Elements(two)], two.Select(d => (long)d).ToArray());
        try
        {
            using var results = session.Run(new Dictionary<string, OrtValue> { [input] = x }, [output]);
            return results[0].GetTensorTypeAndShape().Shape is [2, ..];
        }
        catch (KryptonException) { return false; }
    }
}
