using Krypton.Model;

namespace Krypton.Onnx.Import;

/// <summary>Translators of operators that move values around: reshaping, joining, slicing, splitting and padding.</summary>
internal static class ShapeOperators
{
    public static IReadOnlyDictionary<string, Translator> Table { get; } = new Dictionary<string, Translator>
    {
        ["Reshape"] = Reshape,
        ["Expand"] = Expand,
        ["Flatten"] = n => new Flatten((int)n.Int("axis", 1)),
        ["Squeeze"] = Squeeze,
        ["Unsqueeze"] = n => new Unsqueeze(Axes(n)?.Select(a => (int)a).ToArray()
            ?? throw new KryptonException($"Unsqueeze node '{n.Name}' has no axes")),
        ["Concat"] = n => n.Values.Count == n.Inputs.Count(i => i != "")
            ? new Concat((int)n.Int("axis", 1), n.Values.Count)
            : throw n.Unsupported("Concat with a constant"),
        ["Slice"] = ChannelSlice,
        ["Split"] = ChannelSplit,
        ["Pad"] = Pad,
    };

    /// <summary>Squeeze's and Unsqueeze's axes: an attribute before opset 13, an input from it on.</summary>
    private static long[]? Axes(NodeContext n) => n.Opset >= 13 ? n.OptionalInts(1) : n.Ints("axes");

    private static Translation Reshape(NodeContext n)
    {
        var target = (n.OptionalInts(1) ?? n.Ints("shape") ?? throw new KryptonException($"Reshape node '{n.Name}' has no shape")).ToArray();
        RefuseBatchOffFirstAxis(n);
        // A file exported with batch 1 hard-codes it; copying the batch axis keeps the graph batchable.
        if (target.Length > 0 && n.Shapes[0].Length > 0 && target[0] == n.Shapes[0][0] && target[0] != -1) target[0] = 0;
        if (n.Int("allowzero", 0) != 0 && target.Contains(0L))
            throw n.Unsupported("Reshape with allowzero");
        return new Reshape(target);
    }

    private static Translation Expand(NodeContext n)
    {
        var target = n.OptionalInts(1)?.ToArray() ?? throw new KryptonException($"Expand node '{n.Name}' has no shape");
        RefuseBatchOffFirstAxis(n);
        // The shape's batch (folded as 1, or a file's fixed 1) becomes 1: broadcasting keeps the input's.
        if (target.Length == n.Shapes[0].Length && target.Length > 0) target[0] = 1;
        return new Expand(target);
    }

    /// <summary>The batch size stays symbolic only on the first axis: a shape input that moves it elsewhere is refused.</summary>
    private static void RefuseBatchOffFirstAxis(NodeContext n)
    {
        if (n.BatchElements(1) is { } batch && batch.Skip(1).Any(b => b))
            throw n.Unsupported($"{n.OpType} that puts the batch size on another axis than the first");
    }

    private static Translation Squeeze(NodeContext n)
    {
        // Without axes ONNX removes every unit axis, the batch axis too when the batch is 1:
        // name the non-batch unit axes explicitly so that the emitted graph keeps the batch.
        var axes = Axes(n)?.Select(a => (int)a).ToArray();
        if (axes is null || axes.Length == 0)
        {
            var shape = n.Shapes[0];
            axes = Enumerable.Range(1, shape.Length - 1).Where(a => shape[a] == 1).ToArray();
        }
        return new Squeeze(axes);
    }

    private static Translation ChannelSlice(NodeContext n)
    {
        bool attributes = n.Opset < 10;
        var starts = attributes ? n.Ints("starts") : n.OptionalInts(1);
        var ends = attributes ? n.Ints("ends") : n.OptionalInts(2);
        var axes = (attributes ? n.Ints("axes") : n.OptionalInts(3)) ?? [0];
        var steps = attributes ? null : n.OptionalInts(4);
        if (n.Shapes[0].Length != 4 || starts is not [var from] || ends is not [var to] || axes is not [var axis]
            || Op.NormalizeAxis((int)axis, 4) != 1 || steps is not (null or [1]))
            throw n.Unsupported("Slice of anything but a range of channels");
        int c = n.Shapes[0][1];
        long Clamp(long v) => Math.Clamp(v < 0 ? v + c : v, 0, c);
        return new ChannelSlice((int)Clamp(from), (int)Clamp(to));
    }

    /// <summary>Split along the channels (ShuffleNet's <c>chunk</c>): one channel slice per output.</summary>
    private static Translation ChannelSplit(NodeContext n)
    {
        var shape = n.Shapes[0];
        int axis = shape.Length == 4 ? Op.NormalizeAxis((int)n.Int("axis", 0), 4) : -1;
        if (axis != 1)
            throw n.Unsupported("Split along another axis than the channels");
        int parts = n.Outputs.Count, channels = shape[1];
        var sizes = (n.Opset >= 13 ? n.OptionalInts(1) : n.Ints("split"))?.Select(v => (int)v).ToArray()
            ?? EqualParts(channels, parts);
        if (sizes.Length != parts || sizes.Sum() != channels || sizes.Any(v => v <= 0))
            throw new KryptonException($"Split node '{n.Name}' divides {channels} channels as {string.Join("+", sizes)} into {parts} outputs");
        var slices = new List<Model.Node>();
        int start = 0;
        for (int k = 0; k < parts; k++)
        {
            var slice = new ChannelSlice(start, start + sizes[k]);
            start += sizes[k];
            if (n.Outputs[k] != "")
                slices.Add(new Model.Node($"{n.Name}__{k}", slice, [n.Values[0]], n.Outputs[k]));
        }
        return Translation.Several(slices);
    }

    /// <summary>ONNX's split without sizes: parts of ⌈channels / parts⌉, the last one what is left.</summary>
    private static int[] EqualParts(int channels, int parts) =>
        Enumerable.Range(0, parts).Select(k =>
        {
            int part = (channels + parts - 1) / parts;
            return Math.Min(part, channels - k * part);
        }).ToArray();

    private static Translation Pad(NodeContext n)
    {
        string mode = n.String("mode", "constant");
        var padMode = mode switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            _ => throw n.Unsupported($"Pad mode {mode}"),
        };
        int rank = n.Shapes[0].Length;
        long[] pads = (n.Opset >= 11 ? n.OptionalInts(1) : n.Ints("pads"))
            ?? throw new KryptonException($"Pad node '{n.Name}' has no pads");
        float value = n.Opset >= 11 ? n.OptionalScalar(2) ?? 0f : n.Float("value", 0f);
        if (n.Opset >= 18 && n.OptionalInts(3) is { } axes)
        {
            if (pads.Length != 2 * axes.Length)
                throw new KryptonException($"Pad node '{n.Name}' has {pads.Length} pads for {axes.Length} axes");
            // Pads for the listed axes only: the others get none.
            var full = new long[2 * rank];
            for (int i = 0; i < axes.Length; i++)
            {
                int a = Op.NormalizeAxis((int)axes[i], rank);
                full[a] = pads[i];
                full[a + rank] = pads[i + axes.Length];
            }
            pads = full;
        }
        if (pads.Any(p => p < 0))
            throw n.Unsupported("Pad with negative pads");
        return new Pad(pads.Select(p => (int)p).ToArray(), padMode, value);
    }
}
