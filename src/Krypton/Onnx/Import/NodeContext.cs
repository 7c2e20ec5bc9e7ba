using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// One ONNX node as a translator sees it: its name, attributes and constant inputs, and the
/// values it reads with their shapes. It changes nothing: what the node reads as is the
/// translator's answer.
/// </summary>
/// <param name="node">The node as the file has it.</param>
/// <param name="name">Its name, or one made up from its op type and position when it has none.</param>
/// <param name="opset">The file's standard operator set, on which attributes and inputs depend.</param>
/// <param name="values">The values it reads (inputs that are not constants), resolved through aliases.</param>
/// <param name="shapes">Their shapes.</param>
/// <param name="constants">The constants known so far.</param>
internal sealed class NodeContext(NodeProto node, string name, int opset, IReadOnlyList<string> values, IReadOnlyList<int[]> shapes, ConstantStore constants)
{
    public string Name => name;

    public string OpType => node.OpType;

    public int Opset => opset;

    /// <summary>The node's inputs as the file names them, constants and empty (omitted) ones included.</summary>
    public IReadOnlyList<string> Inputs => node.Input;

    public IReadOnlyList<string> Outputs => node.Output;

    /// <summary>The node's first output.</summary>
    public string Output => node.Output[0];

    /// <summary>The values the node reads: its inputs that are not constants, resolved through aliases.</summary>
    public IReadOnlyList<string> Values => values;

    /// <summary>The shapes of <see cref="Values"/>.</summary>
    public IReadOnlyList<int[]> Shapes => shapes;

    public bool HasAttribute(string attribute) => node.AttributeNamed(attribute) is not null;

    public long Int(string attribute, long fallback) => node.IntAttribute(attribute, fallback);

    public float Float(string attribute, float fallback) => node.FloatAttribute(attribute, fallback);

    public string String(string attribute, string fallback) => node.StringAttribute(attribute, fallback);

    /// <summary>An integer list attribute, or null when the node has none.</summary>
    public long[]? Ints(string attribute) => node.IntsAttribute(attribute);

    /// <summary>The float constant at input #<paramref name="index"/>, which the node must have.</summary>
    public ConstantTensor Floats(int index)
    {
        if (index < node.Input.Count && constants.TryFloatInput(node, index, out var t)) return t;
        // The node's name as the file has it (possibly empty), not the made-up one: as these messages have always read.
        throw new KryptonException($"node '{node.Name}' ({node.OpType}) needs a constant float input #{index}; Krypton supports only constant weights here");
    }

    /// <summary>The float constant at input #<paramref name="index"/>, or null when the input is omitted.</summary>
    public ConstantTensor? OptionalFloats(int index) =>
        index < node.Input.Count && node.Input[index] != "" ? Floats(index) : null;

    /// <summary>The first element of the float constant at input #<paramref name="index"/>, or null when the input is omitted.</summary>
    public float? OptionalScalar(int index) => OptionalFloats(index) switch
    {
        null => null,
        { ElementCount: 1 } t => t.Data[0],
        var t => throw new KryptonException($"node '{node.Name}' ({node.OpType}) has {t.ElementCount} values at input #{index}, where it takes one"),
    };

    /// <summary>True, with the constant, when input #<paramref name="index"/> is a float constant.</summary>
    public bool TryFloats(int index, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out ConstantTensor tensor) =>
        constants.TryFloatInput(node, index, out tensor);

    /// <summary>The integer constant at input #<paramref name="index"/>, or null when the input is omitted.</summary>
    public long[]? OptionalInts(int index)
    {
        if (index >= node.Input.Count || node.Input[index] == "") return null;
        if (constants.TryInts(node.Input[index], out var v)) return v;
        throw new KryptonException($"node '{node.Name}' ({node.OpType}) needs a constant integer input #{index}");
    }

    /// <summary>Which elements of the integer constant at input #<paramref name="index"/> stand for the batch size; null when none does.</summary>
    public bool[]? BatchElements(int index) => index < node.Input.Count ? constants.BatchElements(node.Input[index]) : null;

    /// <summary>A reduction's axes (an attribute before opset 18, an input from it on), or null for all of them.</summary>
    public long[]? ReduceAxes() => opset >= 18 ? OptionalInts(1) : Ints("axes");

    /// <summary>An error that makes the importer read the model opaquely (when allowed): the closed op set cannot express <paramref name="what"/>.</summary>
    public UnsupportedOperatorException Unsupported(string what) => new(what, name);
}
