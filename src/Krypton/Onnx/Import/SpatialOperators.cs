using Krypton.Model;

namespace Krypton.Onnx.Import;

/// <summary>Translators of operators over a feature map's pixels: convolution, pooling, and reductions over space or channels.</summary>
internal static class SpatialOperators
{
    public static IReadOnlyDictionary<string, Translator> Table { get; } = new Dictionary<string, Translator>
    {
        ["Conv"] = Convolution,
        ["MaxPool"] = Pooling,
        ["AveragePool"] = Pooling,
        ["GlobalAveragePool"] = _ => new GlobalPool(PoolKind.Average),
        ["GlobalMaxPool"] = _ => new GlobalPool(PoolKind.Max),
        ["ReduceMean"] = Reduction,
        ["ReduceMax"] = Reduction,
    };

    private static Translation Convolution(NodeContext n)
    {
        var w = n.Floats(1);
        if (w.Shape.Length != 4)
            throw new KryptonException($"Conv node '{n.Name}' is not a 2-D convolution (weight rank {w.Shape.Length})");
        return new Conv(Window(n, w.Shape[2], w.Shape[3]), (int)n.Int("group", 1), w, n.OptionalFloats(2));
    }

    private static Translation Pooling(NodeContext n)
    {
        var k = n.Ints("kernel_shape") ?? throw new KryptonException($"{n.OpType} node '{n.Name}' has no kernel_shape");
        if (k.Length != 2)
            throw new KryptonException($"{n.OpType} node '{n.Name}' is not 2-D pooling");
        if (n.Outputs.Count > 1 && n.Outputs[1] != "")
            throw n.Unsupported("MaxPool with indices output");
        return new Pool(n.OpType == "MaxPool" ? PoolKind.Max : PoolKind.Average, Window(n, k[0], k[1]),
            n.Int("ceil_mode", 0) != 0, n.Int("count_include_pad", 0) != 0);
    }

    /// <summary>A convolution's or pooling's window from its attributes; auto_pad's "same" padding is the window's to work out.</summary>
    private static Window2D Window(NodeContext n, long kernelH, long kernelW)
    {
        int[] input = n.Shapes[0];
        var strides = n.Ints("strides") ?? [1, 1];
        var dilations = n.Ints("dilations") ?? [1, 1];
        var pads = n.Ints("pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || dilations.Length != 2 || pads.Length != 4)
            throw new KryptonException($"node '{n.Name}' ({n.OpType}) is not a 2-D window");
        if (new[] { kernelH, kernelW }.Concat(strides).Concat(dilations).Any(v => v is < 1 or > int.MaxValue) || pads.Any(p => p is < 0 or > int.MaxValue))
            throw new KryptonException($"node '{n.Name}' ({n.OpType}) has kernel {kernelH}x{kernelW}, strides {string.Join(",", strides)}, dilations {string.Join(",", dilations)} "
                + $"and pads {string.Join(",", pads)}: kernel, strides and dilations must be positive, pads not negative");
        string autoPad = n.String("auto_pad", "NOTSET");
        var unpadded = new Window2D((int)kernelH, (int)kernelW, (int)strides[0], (int)strides[1], DilationH: (int)dilations[0], DilationW: (int)dilations[1]);
        return autoPad switch
        {
            "SAME_UPPER" or "SAME_LOWER" => unpadded.SamePadded(input[2], input[3], extraAtStart: autoPad == "SAME_LOWER"),
            "VALID" => unpadded,
            "NOTSET" => unpadded with { PadTop = (int)pads[0], PadLeft = (int)pads[1], PadBottom = (int)pads[2], PadRight = (int)pads[3] },
            _ => throw n.Unsupported($"{n.OpType} with auto_pad={autoPad}"),
        };
    }

    /// <summary>
    /// ReduceMean or ReduceMax over exactly the spatial axes (how TensorFlow exports global
    /// pooling): global pooling, then the squeeze of those axes unless keepdims is set; over the
    /// channels with keepdims (spatial attention, CBAM): channel pooling.
    /// </summary>
    private static Translation Reduction(NodeContext n)
    {
        var shape = n.Shapes[0];
        bool keep = n.Int("keepdims", 1) != 0;
        var kind = n.OpType == "ReduceMax" ? PoolKind.Max : PoolKind.Average;
        var axes = n.ReduceAxes()?.Select(a => Op.NormalizeAxis((int)a, shape.Length)).Order().ToArray();
        if (shape.Length == 4 && axes is [1] && keep)
            return new ChannelPool(kind);
        if (shape.Length != 4 || axes is not [2, 3])
            throw n.Unsupported($"{n.OpType} over axes other than the spatial ones or the channels ({(axes is null ? "all" : string.Join(",", axes))}{(axes is [1] ? ", without keepdims" : "")})");
        if (keep)
            return new GlobalPool(kind);
        string pooled = n.Output + "__pooled";
        return Translation.Several([
            new Model.Node(n.Name + "__pool", new GlobalPool(kind), [n.Values[0]], pooled),
            new Model.Node(n.Name, new Squeeze([2, 3]), [pooled], n.Output)]);
    }
}
