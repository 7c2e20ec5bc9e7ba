using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// The constants known while a graph is read: float tensors (weights) and integer tensors, held
/// flat as shape vectors are. Integer elements that stand for the batch size are tracked: shape
/// arithmetic may move them around but not compute with them, and a Reshape keeps them symbolic.
/// A constant can be replaced for one node's input alone (turned to match a channels-first
/// reading): the file's graph is never changed, and other nodes still read the original.
/// </summary>
internal sealed class ConstantStore
{
    private readonly Dictionary<string, ConstantTensor> _floats = [];
    private readonly Dictionary<string, long[]> _ints = [];
    private readonly Dictionary<string, bool[]> _batchElements = [];
    private readonly Dictionary<NodeProto, Dictionary<int, ConstantTensor>> _replaced = new(ReferenceEqualityComparer.Instance);

    /// <summary>True when the value is a known constant, float or integer.</summary>
    public bool IsConstant(string value) => _floats.ContainsKey(value) || _ints.ContainsKey(value);

    public bool TryFloats(string value, [MaybeNullWhen(false)] out ConstantTensor tensor) => _floats.TryGetValue(value, out tensor);

    public bool HasFloats(string value) => _floats.ContainsKey(value);

    /// <summary>The float constant that <paramref name="node"/> reads as input #<paramref name="index"/>: its replacement there, or the constant of that name.</summary>
    public bool TryFloatInput(NodeProto node, int index, [MaybeNullWhen(false)] out ConstantTensor tensor)
    {
        if (_replaced.TryGetValue(node, out var inputs) && inputs.TryGetValue(index, out tensor))
            return true;
        return _floats.TryGetValue(node.Input[index], out tensor);
    }

    /// <summary>Replaces the float constant that <paramref name="node"/> reads as input #<paramref name="index"/>, for that node alone.</summary>
    public void Replace(NodeProto node, int index, ConstantTensor tensor)
    {
        if (!_replaced.TryGetValue(node, out var inputs))
            _replaced[node] = inputs = [];
        inputs[index] = tensor;
    }

    public bool TryInts(string value, [MaybeNullWhen(false)] out long[] values) => _ints.TryGetValue(value, out values);

    public bool HasInts(string value) => _ints.ContainsKey(value);

    /// <summary>An integer constant known to be there.</summary>
    public long[] Ints(string value) => _ints[value];

    /// <summary>Which elements of an integer constant stand for the batch size; null when none does.</summary>
    public bool[]? BatchElements(string value) => _batchElements.GetValueOrDefault(value);

    /// <summary>Sets an integer constant, with the elements that stand for the batch size.</summary>
    public void SetInts(string value, long[] values, bool[] batch)
    {
        _ints[value] = values;
        if (batch.Any(b => b)) _batchElements[value] = batch;
    }

    /// <summary>Makes <paramref name="value"/> another name of the constant <paramref name="constant"/> (its elements' batch marks stay behind).</summary>
    public void Copy(string constant, string value)
    {
        if (_floats.TryGetValue(constant, out var f)) _floats[value] = f;
        else _ints[value] = _ints[constant];
    }

    /// <summary>Adds a tensor of the file (an initializer or a Constant node's value).</summary>
    public void Add(string value, TensorProto t)
    {
        var shape = t.Dims.Select(d => (int)d).ToArray();
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Float:
                _floats[value] = new ConstantTensor(shape, t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray());
                break;
            case TensorProto.Types.DataType.Double:
                _floats[value] = new ConstantTensor(shape, (t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, double>(t.RawData.Span).ToArray() : t.DoubleData.ToArray()).Select(v => (float)v).ToArray());
                break;
            case TensorProto.Types.DataType.Int64:
                _ints[value] = t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray() : t.Int64Data.ToArray();
                break;
            case TensorProto.Types.DataType.Int32:
                _ints[value] = (t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, int>(t.RawData.Span).ToArray() : t.Int32Data.ToArray()).Select(v => (long)v).ToArray();
                break;
            default:
                if (t.DataLocation == TensorProto.Types.DataLocation.External)
                    throw ExternalData(t);
                throw new KryptonException($"tensor '{t.Name}' has ONNX data type {(TensorProto.Types.DataType)t.DataType}; Krypton reads float32, float64, int32 and int64");
        }
        // A supported type stored in an external file has no data here.
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw ExternalData(t);
    }

    private static KryptonException ExternalData(TensorProto t) =>
        new($"tensor '{t.Name}' is stored in an external file, which Krypton does not read");
}
