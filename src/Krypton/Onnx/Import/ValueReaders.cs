using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>Which nodes of the file's graph read a value: what patterns across nodes are recognized by.</summary>
internal sealed class ValueReaders(GraphProto graph)
{
    /// <summary>The one node that reads a value, or null when it has none, several, or is a graph output.</summary>
    public NodeProto? Only(string value) =>
        graph.Node.Where(n => n.Input.Contains(value)).ToList() is [var one] && graph.Output.All(o => o.Name != value) ? one : null;

    /// <summary>True when some node reads the value.</summary>
    public bool Any(string value) => graph.Node.Any(n => n.Input.Contains(value));
}
