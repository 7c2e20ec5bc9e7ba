using Google.Protobuf;
using Krypton.Model;

namespace Krypton.Onnx;

/// <summary>Emits a <see cref="ModelGraph"/> as ONNX.</summary>
public static class OnnxExporter
{
    /// <summary>
    /// Emits the graph's nodes into a builder, reading the model input from <paramref name="input"/>;
    /// returns the name the model output gets. Every value is renamed with <paramref name="prefix"/>
    /// so that several copies of a model can share one graph.
    /// </summary>
    public static string EmitNodes(ModelGraph graph, OnnxGraphBuilder b, string input, string prefix = "") =>
        EmitNodeValues(graph, b, input, prefix)[graph.Output];

    /// <summary>
    /// As <see cref="EmitNodes"/>, returning the name every value of the model got in the builder;
    /// <paramref name="emit"/>, when given, writes each node (its inputs' and output's names given) instead of <see cref="OpEmitter"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> EmitNodeValues(ModelGraph graph, OnnxGraphBuilder b, string input, string prefix = "",
        Action<Node, IReadOnlyList<string>, string>? emit = null)
    {
        var names = new Dictionary<string, string> { [graph.InputName] = input };
        foreach (var node in graph.Nodes)
        {
            string output = b.UniqueName(prefix + node.Output);
            names[node.Output] = output;
            var inputs = node.Inputs.Select(i => names[i]).ToList();
            if (emit is null) b.Emit(node.Op, prefix + node.Name, inputs, output);
            else emit(node, inputs, output);
        }
        return names;
    }

    /// <summary>The model as a standalone ONNX graph with a dynamic batch axis.</summary>
    public static byte[] ToOnnx(ModelGraph graph)
    {
        var b = new OnnxGraphBuilder();
        string input = b.Input(graph.InputName, [-1, .. graph.InputShape[1..]]);
        string output = EmitNodes(graph, b, input);
        b.Output(output, [-1, .. graph.OutputShape[1..]]);
        return b.Build(graph.Name).ToByteArray();
    }
}
