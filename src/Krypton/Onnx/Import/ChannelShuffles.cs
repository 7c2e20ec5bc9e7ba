using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>
/// ShuffleNet's channel shuffle, exported as Reshape (N×C×H×W to N×g×(C/g)×H×W) → Transpose
/// (perm 0,2,1,3,4) → Reshape back, each node the only reader of the one before: read as one
/// channel permutation at the last Reshape, whose shape may be worked out between here and there.
/// </summary>
internal sealed class ChannelShuffles(ValueReaders readers, ConstantStore constants, TranslatedGraph translated)
{
    // Transposes inside a shuffle, which read as nothing of their own.
    private readonly HashSet<NodeProto> _inside = new(ReferenceEqualityComparer.Instance);
    // A shuffle's last Reshape, with the shuffle's input, that input's shape and the groups.
    private readonly Dictionary<NodeProto, (string Input, int[] Shape, int Groups)> _pending = new(ReferenceEqualityComparer.Instance);

    /// <summary>True for the Transpose of a shuffle begun earlier.</summary>
    public bool IsInside(NodeProto node) => _inside.Contains(node);

    /// <summary>True, the shuffle now pending, when the node is the first Reshape of a channel shuffle.</summary>
    public bool TryBegin(NodeProto node, NodeContext context)
    {
        if (node.OpType != "Reshape" || Start(node, context.Shapes[0]) is not var (groups, transpose, back))
            return false;
        _inside.Add(transpose);
        _pending[back] = (context.Values[0], context.Shapes[0], groups);
        return true;
    }

    /// <summary>True, the shuffle read, when the node is the last Reshape of a pending shuffle.</summary>
    public bool TryEnd(NodeProto node, string nodeName)
    {
        if (!_pending.Remove(node, out var shuffle))
            return false;
        var (input, shape, groups) = shuffle;
        if (Target(node) is not [_, var c, var h, var w] || !(c == shape[1] || c == -1) || h != shape[2] || w != shape[3])
            throw new UnsupportedOperatorException("a five-axis Reshape and Transpose that do not shuffle channels", nodeName);
        translated.Add(new Model.Node(nodeName, ChannelPermutation.Shuffle(shape[1], groups), [input], node.Output[0]), nodeName, node.OpType);
        return true;
    }

    /// <summary>The groups, Transpose and last Reshape of the shuffle that this Reshape of a value of that shape begins, or null.</summary>
    private (int Groups, NodeProto Transpose, NodeProto Back)? Start(NodeProto reshape, int[] shape)
    {
        if (shape is not [_, var c, var h, var w] || Target(reshape) is not [_, var g, var cg, var th, var tw] || g <= 0 || g * cg != c || th != h || tw != w)
            return null;
        if (readers.Only(reshape.Output[0]) is not { OpType: "Transpose" } transpose
            || transpose.IntsAttribute("perm") is not [0, 2, 1, 3, 4]
            || readers.Only(transpose.Output[0]) is not { OpType: "Reshape" } back)
            return null;
        return ((int)g, transpose, back);
    }

    private long[]? Target(NodeProto reshape) => reshape.Input.Count > 1 && constants.TryInts(reshape.Input[1], out var t) ? t : null;
}
