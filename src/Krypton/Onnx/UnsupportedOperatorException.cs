namespace Krypton.Onnx;

/// <summary>The model uses an operator outside Krypton's closed op set.</summary>
public sealed class UnsupportedOperatorException(string opType, string nodeName)
    : KryptonException($"unsupported operator '{opType}' at node '{nodeName}'")
{
    /// <summary>The ONNX op type that is not supported.</summary>
    public string OpType { get; } = opType;

    /// <summary>The name of the node that uses it.</summary>
    public string NodeName { get; } = nodeName;
}
