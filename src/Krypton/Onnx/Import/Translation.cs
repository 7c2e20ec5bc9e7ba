using Krypton.Model;

namespace Krypton.Onnx.Import;

/// <summary>Turns one ONNX node into what it reads as in the model graph.</summary>
internal delegate Translation Translator(NodeContext node);

/// <summary>
/// What one ONNX node reads as: one op (a node with the ONNX node's name, value inputs and
/// output: what most translators answer, converted from the op), several model-graph nodes in
/// order, or no node at all, its output standing for one of its inputs.
/// </summary>
internal sealed class Translation
{
    private Translation(Op? op, IReadOnlyList<Model.Node> nodes, string? forwarded) => (Op, Nodes, Forwarded) = (op, nodes, forwarded);

    /// <summary>The op of a node that reads as one op, else null.</summary>
    public Op? Op { get; }

    /// <summary>The nodes of a node that reads as several, in order; empty otherwise.</summary>
    public IReadOnlyList<Model.Node> Nodes { get; }

    /// <summary>The input that the node's output stands for, when it reads as no node.</summary>
    public string? Forwarded { get; }

    public static implicit operator Translation(Op op) => new(op, [], null);

    public static Translation Several(IReadOnlyList<Model.Node> nodes) => new(null, nodes, null);

    public static Translation Forward(string input) => new(null, [], input);
}
