using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// What the ONNX IR asks of every graph before its nodes mean anything: each node writes a
/// value, each value is written once, and each node reads only values written before it (the
/// nodes in topological order, so without cycles). Checked first, so that what reads the graph
/// after need not guard against a value written twice or a chain of readers that comes back
/// on itself.
/// </summary>
internal static class GraphStructure
{
    public static void Check(GraphProto graph)
    {
        var inputs = graph.Input.Select(i => i.Name).ToHashSet();
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        var writtenByNodes = graph.Node.SelectMany(n => n.Output).ToHashSet();
        var writers = new Dictionary<string, string>();
        for (int k = 0; k < graph.Node.Count; k++)
        {
            var node = graph.Node[k];
            string described = node.Name is { Length: > 0 } ? $"node '{node.Name}' ({node.OpType})" : $"{node.OpType} node #{k + 1}";
            if (node.Output.Count == 0 || node.Output[0] == "")
                throw new KryptonException($"{described} writes no output");
            foreach (var input in node.Input.Where(i => i != ""))
                if (!inputs.Contains(input) && !initializers.Contains(input) && !writers.ContainsKey(input))
                    throw new KryptonException(writtenByNodes.Contains(input)
                        ? $"{described} reads '{input}' before the node that writes it: the nodes are not in topological order, or form a cycle"
                        : $"{described} reads '{input}', which no node, input or initializer of the graph defines");
            foreach (var output in node.Output.Where(o => o != ""))
            {
                if (inputs.Contains(output) || initializers.Contains(output))
                    throw new KryptonException($"{described} writes '{output}', which is the name of the graph's {(inputs.Contains(output) ? "input" : "initializer")}");
                if (!writers.TryAdd(output, described))
                    throw new KryptonException($"{described} writes '{output}', which {writers[output]} writes too");
            }
        }
    }
}
