using System.Text.RegularExpressions;
using Google.Protobuf;
using Krypton.Onnx.Proto;
using Krypton.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Krypton.Onnx.Import;

/// <summary>
/// The nodes of a graph that compute from constants alone (initializers, Constant nodes and what
/// such nodes compute, in any operator and element type), found before the graph is read and
/// evaluated by ONNX Runtime in one run of a graph of just those nodes: any operator it runs
/// folds, with its semantics, not a second implementation of it. The image's shape is no constant
/// here (its batch size is symbolic): arithmetic on it is <see cref="ConstantFolding"/>'s.
/// </summary>
internal static class ConstantSubgraph
{
    /// <summary>Operators that draw new random numbers on every run: their outputs are never constants.</summary>
    public static readonly IReadOnlySet<string> RandomOperators = new HashSet<string>
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    };

    /// <summary>
    /// Evaluates the graph's nodes that compute from constants alone and adds what the rest of the
    /// graph reads of them to <paramref name="constants"/>. Returns the nodes evaluated; Constant
    /// nodes that hold a tensor, and Identity or Dropout, are left for the reader to copy.
    /// </summary>
    public static IReadOnlySet<NodeProto> Evaluate(ModelProto model, string name, ConstantStore constants)
    {
        var graph = model.Graph;
        var known = graph.Initializer.Select(t => t.Name).ToHashSet();
        var subgraph = new List<NodeProto>();
        foreach (var node in graph.Node)
            if (node.Domain is "" or "ai.onnx" && !RandomOperators.Contains(node.OpType)
                && !node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)   // a subgraph may read any outer value
                && node.Input.All(i => i == "" || known.Contains(i)))
            {
                subgraph.Add(node);
                known.UnionWith(node.Output.Where(o => o != ""));
            }
        var evaluated = new HashSet<NodeProto>(subgraph.Where(n => !CopiedByReader(n)), ReferenceEqualityComparer.Instance);
        var readElsewhere = graph.Node.Where(n => !evaluated.Contains(n)).SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        var wanted = evaluated.SelectMany(n => n.Output).Where(o => o != "" && readElsewhere.Contains(o)).Distinct().ToList();
        if (wanted.Count > 0)
            foreach (var (value, tensor) in Run(model, subgraph, wanted, name))
                constants.Add(value, tensor, computed: true);
        return evaluated;
    }

    /// <summary>A Constant node with a tensor, or an Identity or Dropout (its mask unused): copies the reader makes without running anything.</summary>
    private static bool CopiedByReader(NodeProto node) => node.OpType switch
    {
        "Constant" => node.AttributeNamed("value")?.T is not null,
        "Identity" => true,
        "Dropout" => node.Output.Skip(1).All(o => o == ""),
        _ => false,
    };

    /// <summary>Runs the nodes on ONNX Runtime, their initializers included, and returns the wanted values as tensors.</summary>
    private static List<(string Value, TensorProto Tensor)> Run(ModelProto model, List<NodeProto> nodes, List<string> wanted, string name)
    {
        var read = nodes.SelectMany(n => n.Input).ToHashSet();
        var graph = new GraphProto { Name = "constants" };
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(model.Graph.Initializer.Where(t => read.Contains(t.Name)));
        graph.Output.AddRange(wanted.Select(o => new ValueInfoProto { Name = o }));
        // Initializers need not be listed as inputs from IR version 4 on.
        var constants = new ModelProto { IrVersion = Math.Max(model.IrVersion, 4), Graph = graph };
        constants.OpsetImport.AddRange(model.OpsetImport);
        try
        {
            using var session = new OnnxSession(constants.ToByteArray(), probe: true);
            using var results = session.Run(new Dictionary<string, OrtValue>());
            return results.Select((v, i) => (session.OutputNames[i], Tensor(session.OutputNames[i], v))).ToList();
        }
        catch (KryptonException e)
        {
            throw new KryptonException($"'{name}' computes constants that ONNX Runtime cannot evaluate: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// What ONNX Runtime says went wrong, without the error code and source location before it
    /// (its messages read "[ErrorCode:Fail] reason", or "… [ONNXRuntimeError] : 1 : FAIL : file.cc:123 reason").
    /// </summary>
    private static string Reason(KryptonException e)
    {
        string line = (e.InnerException?.Message ?? e.Message).Split('\n')[0].Trim();
        var located = Regex.Match(line, @"\[ONNXRuntimeError\] : \d+ : \w+ : (\S+\.(cc|h):\d+ )?(?<reason>.+)$");
        return located.Success ? located.Groups["reason"].Value : Regex.Replace(line, @"^\[ErrorCode:\w+\] ", "");
    }

    /// <summary>ONNX Runtime's value as the file would hold it; a value that is no tensor of numbers comes back with no data type.</summary>
    private static TensorProto Tensor(string name, OrtValue value)
    {
        var t = new TensorProto { Name = name };
        if (!value.IsTensor)
            return t;
        var info = value.GetTensorTypeAndShape();
        t.Dims.AddRange(info.Shape);
        if (info.ElementDataType == TensorElementType.String)
            return t;
        // ONNX Runtime numbers its element types as ONNX does.
        t.DataType = (int)info.ElementDataType;
        t.RawData = ByteString.CopyFrom(value.GetTensorMutableRawData());
        return t;
    }
}
