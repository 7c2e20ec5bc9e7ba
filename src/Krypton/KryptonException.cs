namespace Krypton;

/// <summary>
/// A problem with what the user asked for or gave (a file, a model, a spec) that the tool reports
/// as one clear line. Anything else escaping the library is a bug.
/// </summary>
public class KryptonException : Exception
{
    /// <summary>Creates the exception with a message meant for the user.</summary>
    public KryptonException(string message) : base(message) { }

    /// <summary>Creates the exception with a message meant for the user and its cause.</summary>
    public KryptonException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The model uses an operator outside Krypton's closed op set.</summary>
public sealed class UnsupportedOperatorException(string opType, string nodeName)
    : KryptonException($"unsupported operator '{opType}' at node '{nodeName}'")
{
    /// <summary>The ONNX op type that is not supported.</summary>
    public string OpType { get; } = opType;

    /// <summary>The name of the node that uses it.</summary>
    public string NodeName { get; } = nodeName;
}
