namespace Krypton.Model;

/// <summary>One node of the model graph: an op applied to named values, producing one value.</summary>
/// <param name="Name">Node name (from the ONNX file or the builder), used in messages.</param>
/// <param name="Op">What the node computes.</param>
/// <param name="Inputs">Names of the values it reads, in the op's order.</param>
/// <param name="Output">Name of the value it writes.</param>
public sealed record Node(string Name, Op Op, IReadOnlyList<string> Inputs, string Output);
