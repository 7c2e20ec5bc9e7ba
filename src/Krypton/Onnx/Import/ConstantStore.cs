using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// The constants known while a graph is read: float tensors (weights) and integer tensors, held
/// flat as shape vectors are, and the names and types of constants of other types. Integer
/// elements that stand for the batch size are tracked: shape arithmetic may move them around but
/// not compute with them, and a Reshape keeps them symbolic.
/// A constant can be replaced for one node's input alone (turned to match a channels-first
/// reading): the file's graph is never changed, and other nodes still read the original.
/// </summary>
internal sealed class ConstantStore
{
    private readonly Dictionary<string, ConstantTensor> _floats = [];
    private readonly Dictionary<string, long[]> _ints = [];
    private readonly Dictionary<string, bool[]> _batchElements = [];
    // Constants of other types (int8, bool, float16…): their type, and whether the file holds them as they are.
    private readonly Dictionary<string, (string Type, bool InFile)> _others = [];
    private readonly Dictionary<NodeProto, Dictionary<int, ConstantTensor>> _replaced = new(ReferenceEqualityComparer.Instance);

    /// <summary>True when the value is a known constant, of any type.</summary>
    public bool IsConstant(string value) => _floats.ContainsKey(value) || _ints.ContainsKey(value) || _others.ContainsKey(value);

    public bool TryFloats(string value, [MaybeNullWhen(false)] out ConstantTensor tensor) => _floats.TryGetValue(value, out tensor);

    public bool HasFloats(string value) => _floats.ContainsKey(value);

    /// <summary>The float constant that <paramref name="node"/> reads as input #<paramref name="index"/>: its replacement there, or the constant of that name.</summary>
    public bool TryFloatInput(NodeProto node, int index, [MaybeNullWhen(false)] out ConstantTensor tensor)
    {
        if (_replaced.TryGetValue(node, out var inputs) && inputs.TryGetValue(index, out tensor))
            return true;
        tensor = null;
        return index < node.Input.Count && _floats.TryGetValue(node.Input[index], out tensor);
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
        else if (_ints.TryGetValue(constant, out var i)) _ints[value] = i;
        else _others[value] = _others[constant];
    }

    /// <summary>
    /// Adds a tensor: the file's (an initializer or a Constant node's value) or one computed from
    /// them (<paramref name="computed"/>). Its values must fill its shape.
    /// </summary>
    public void Add(string value, TensorProto t, bool computed = false)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new KryptonException($"tensor '{value}' is stored in an external file, which Krypton does not read");
        if (t.Dims.Any(d => d is < 0 or > int.MaxValue))
            throw new KryptonException($"tensor '{value}' has shape [{string.Join(",", t.Dims)}], with a dimension below 0 or above {int.MaxValue}");
        var shape = t.Dims.Select(d => (int)d).ToArray();
        long count = t.Dims.Aggregate(1L, (p, d) => p * d);
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Float:
                _floats[value] = new ConstantTensor(shape, Elements(value, t, count, t.FloatData));
                break;
            case TensorProto.Types.DataType.Double:
                _floats[value] = new ConstantTensor(shape, Elements(value, t, count, t.DoubleData).Select(v => (float)v).ToArray());
                break;
            case TensorProto.Types.DataType.Int64:
                _ints[value] = Elements(value, t, count, t.Int64Data);
                break;
            case TensorProto.Types.DataType.Int32:
                _ints[value] = Elements(value, t, count, t.Int32Data).Select(v => (long)v).ToArray();
                break;
            default:
                // Only what ONNX Runtime computes with (while folding) may read it.
                _others[value] = (t.DataType == 0 ? "no data type" : $"ONNX data type {(TensorProto.Types.DataType)t.DataType}", !computed);
                break;
        }
    }

    /// <summary>
    /// Why a node that is not folded cannot read its constants, or null when it can: a tensor of
    /// the file in another type than float32, float64, int32 and int64 (quantized weights) is
    /// refused; one computed in such a type leaves the node to ONNX Runtime, as an operator the op
    /// set does not express.
    /// </summary>
    public KryptonException? Unreadable(NodeProto node, string nodeName)
    {
        foreach (var input in node.Input)
            if (_others.TryGetValue(input, out var other))
                return other.InFile
                    ? new KryptonException($"tensor '{input}' has {other.Type}; Krypton reads float32, float64, int32 and int64")
                    : new UnsupportedOperatorException($"{node.OpType} of a constant with {other.Type}", nodeName);
        return null;
    }

    /// <summary>The tensor's elements, from its raw bytes or its typed field, exactly as many as its shape holds.</summary>
    private static T[] Elements<T>(string value, TensorProto t, long count, IEnumerable<T> typed) where T : unmanaged
    {
        var raw = t.RawData.Span;
        int size = Unsafe.SizeOf<T>();
        long held = raw.Length > 0 ? raw.Length / size : typed.LongCount();
        if (held != count || raw.Length % size != 0)
            throw new KryptonException($"tensor '{value}' holds {(raw.Length % size == 0 ? $"{held} values" : $"{raw.Length} bytes")} where its shape [{string.Join(",", t.Dims)}] needs {count}");
        return raw.Length > 0 ? MemoryMarshal.Cast<byte, T>(raw).ToArray() : typed.ToArray();
    }
}
