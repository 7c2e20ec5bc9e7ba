namespace Krypton.Model;

/// <summary>
/// One operator of the model graph. The set is closed: every op a CNN may contain is one of the
/// records below, each stating its output shape, multiply-adds and parameters in one place (its
/// ONNX form is written once too, in <c>Onnx/OpEmitter.cs</c>: the model graph knows no file format).
/// Shapes include the batch axis first; the model graph reasons with a batch of one.
/// </summary>
public abstract record Op
{
    /// <summary>The operator's standard name (Conv, MaxPool, BatchNormalization…), as ONNX and the analyzer's tables call it.</summary>
    public abstract string TypeName { get; }

    /// <summary>Number of value (non-constant) inputs the op takes.</summary>
    public virtual int ValueInputCount => 1;

    /// <summary>The output shape for the given input shapes.</summary>
    public abstract int[] InferShape(IReadOnlyList<int[]> inputs);

    /// <summary>Multiply-adds for one sample with the given input and output shapes (0 for ops that do none).</summary>
    public virtual long MultiplyAdds(IReadOnlyList<int[]> inputs, int[] output) => 0;

    /// <summary>Number of learned parameters the op holds.</summary>
    public virtual long ParameterCount => 0;

    /// <summary>Bytes of values the op computes inside itself for one sample, beyond its output (an opaque network's).</summary>
    public virtual long HiddenBytes => 0;

    private protected static int[] RequireRank(int[] shape, int rank, string op)
    {
        if (shape.Length != rank)
            throw new KryptonException($"{op} expects a rank-{rank} input, got [{string.Join(",", shape)}]");
        return shape;
    }

    /// <summary>Normalizes a possibly negative axis for a tensor of the given rank.</summary>
    public static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new KryptonException($"axis {axis} is out of range for rank {rank}");
        return a;
    }
}

/// <summary>2-D convolution (NCHW) with groups, dilation and asymmetric padding.</summary>
/// <param name="Window">Kernel, stride, padding and dilation.</param>
/// <param name="Groups">Number of channel groups (the input channel count for depthwise).</param>
/// <param name="Weight">Weight of shape [C_out, C_in / Groups, K_h, K_w].</param>
/// <param name="Bias">Bias of shape [C_out], or null.</param>
public sealed record Conv(Window2D Window, int Groups, ConstantTensor Weight, ConstantTensor? Bias) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Conv";

    /// <summary>Output channels.</summary>
    public int OutChannels => Weight.Shape[0];

    /// <summary>Input channels (all groups together).</summary>
    public int InChannels => Weight.Shape[1] * Groups;

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = RequireRank(inputs[0], 4, "Conv");
        if (x[1] != InChannels)
            throw new KryptonException($"Conv expects {InChannels} input channels, got {x[1]}");
        if (Bias is not null && Bias.ElementCount != OutChannels)
            throw new KryptonException($"Conv has {OutChannels} output channels and a bias of {Bias.ElementCount}");
        return [x[0], OutChannels, Window.OutputHeight(x[2]), Window.OutputWidth(x[3])];
    }

    /// <inheritdoc/>
    public override long MultiplyAdds(IReadOnlyList<int[]> inputs, int[] output) =>
        (long)Weight.Shape[1] * Window.KernelH * Window.KernelW * output[1] * output[2] * output[3];

    /// <inheritdoc/>
    public override long ParameterCount => Weight.ElementCount + (Bias?.ElementCount ?? 0);
}

/// <summary>Batch normalization in inference mode: per channel, scale·(x − mean)/√(var + ε) + bias.</summary>
public sealed record BatchNorm(ConstantTensor Scale, ConstantTensor Bias, ConstantTensor Mean, ConstantTensor Variance, float Epsilon) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "BatchNormalization";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        if (x.Length < 2 || x[1] != Scale.ElementCount)
            throw new KryptonException($"BatchNormalization over {Scale.ElementCount} channels got input [{string.Join(",", x)}]");
        if (new[] { Bias, Mean, Variance }.FirstOrDefault(p => p.ElementCount != Scale.ElementCount) is { } other)
            throw new KryptonException($"BatchNormalization over {Scale.ElementCount} channels has a parameter of {other.ElementCount}");
        return x;
    }

    /// <inheritdoc/>
    public override long ParameterCount => Scale.ElementCount + Bias.ElementCount;
}

/// <summary>Kinds of element-wise activation.</summary>
public enum ActivationKind
{
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x if x ≥ 0 else α·x.</summary>
    LeakyRelu,
    /// <summary>min(max(x, α), β): α is the lower and β the upper bound.</summary>
    Clip,
    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>max(0, min(1, α·x + β)).</summary>
    HardSigmoid,
    /// <summary>x · max(0, min(1, x/6 + 1/2)).</summary>
    HardSwish,
    /// <summary>x for x ≥ 0, α·(eˣ − 1) below.</summary>
    Elu,
    /// <summary>γ·x for x > 0, γ·α·(eˣ − 1) otherwise (α = <c>Alpha</c>, γ = <c>Beta</c>).</summary>
    Selu,
    /// <summary>ln(1 + eˣ).</summary>
    Softplus,
    /// <summary>x / (1 + |x|).</summary>
    Softsign,
    /// <summary>√x.</summary>
    Sqrt,
    /// <summary>The error function (GELU's exact form is x · (1 + erf(x/√2)) / 2).</summary>
    Erf,
    /// <summary>x raised to a constant power α (layer norm's square).</summary>
    Pow,
}

/// <summary>An element-wise activation; <paramref name="Alpha"/> and <paramref name="Beta"/> as the kind defines them.</summary>
public sealed record Activation(ActivationKind Kind, float Alpha = 0f, float Beta = 0f) : Op
{
    /// <inheritdoc/>
    public override string TypeName => Kind.ToString();

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
}

/// <summary>
/// The mean or the maximum over the channels at each pixel, [N, C, H, W] → [N, 1, H, W]: layer
/// norm over the channels (as ConvNeXt computes it on a channels-last view), and the spatial
/// attention of CBAM-style blocks (mean and max over the channels, then a convolution).
/// Element-wise in space, so it runs incrementally.
/// </summary>
/// <param name="Kind">Average or max.</param>
public sealed record ChannelPool(PoolKind Kind) : Op
{
    /// <inheritdoc/>
    public override string TypeName => Kind == PoolKind.Max ? "ReduceMax" : "ReduceMean";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = RequireRank(inputs[0], 4, "channel pooling");
        return [x[0], 1, x[2], x[3]];
    }
}

/// <summary>
/// Channels [<paramref name="Start"/>, <paramref name="End"/>) of a feature map (a channel split,
/// as ShuffleNet's <c>chunk</c> exports): the same pixels, fewer channels.
/// </summary>
public sealed record ChannelSlice(int Start, int End) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Slice";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = RequireRank(inputs[0], 4, "channel slice");
        if (Start < 0 || End > x[1] || Start >= End)
            throw new KryptonException($"channels {Start} to {End} do not lie in the input's {x[1]}");
        return [x[0], End - Start, x[2], x[3]];
    }
}

/// <summary>
/// The channels of a feature map reordered: output channel j is input channel
/// <paramref name="Source"/>[j] (a channel shuffle, which ShuffleNet exports as reshape, transpose, reshape).
/// </summary>
public sealed record ChannelPermutation(int[] Source) : Op
{
    /// <summary>ShuffleNet's shuffle of <paramref name="channels"/> channels in <paramref name="groups"/> groups.</summary>
    public static ChannelPermutation Shuffle(int channels, int groups) =>
        new(Enumerable.Range(0, channels).Select(j => j % groups * (channels / groups) + j / groups).ToArray());

    /// <inheritdoc/>
    public override string TypeName => "Gather";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = RequireRank(inputs[0], 4, "channel permutation");
        if (Source.Length != x[1] || Source.Order().Where((c, i) => c != i).Any())
            throw new KryptonException($"a permutation of {Source.Length} channels does not fit an input of {x[1]}");
        return x;
    }

    /// <inheritdoc/>
    public bool Equals(ChannelPermutation? other) => other is not null && Source.SequenceEqual(other.Source);

    /// <inheritdoc/>
    public override int GetHashCode() => Source.Aggregate(17, (h, c) => h * 31 + c);
}

/// <summary>
/// PReLU: x for x ≥ 0, slope · x below, the slope learned (one per channel, or one in all),
/// broadcast numpy-style against the input.
/// </summary>
public sealed record PRelu(ConstantTensor Slope) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "PRelu";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];

    /// <inheritdoc/>
    public override long ParameterCount => Slope.ElementCount;
}

/// <summary>
/// Local response normalization across channels (AlexNet, GoogLeNet): each value divided by
/// (bias + α/size · Σ x²)^β over the <paramref name="Size"/> channels around it, at the same
/// pixel, so it changes exactly where its input changes.
/// </summary>
public sealed record Lrn(int Size, float Alpha, float Beta, float Bias) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "LRN";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => RequireRank(inputs[0], 4, TypeName);
}

/// <summary>Kinds of sliding-window pooling.</summary>
public enum PoolKind
{
    /// <summary>Maximum over the window.</summary>
    Max,
    /// <summary>Mean over the window.</summary>
    Average,
}

/// <summary>Max or average pooling over a sliding window.</summary>
/// <param name="Kind">Max or average.</param>
/// <param name="Window">Kernel, stride and padding (dilation only for max pooling).</param>
/// <param name="CeilMode">Round the output size up instead of down.</param>
/// <param name="CountIncludePad">For average pooling: divide by the whole window, padding included.</param>
public sealed record Pool(PoolKind Kind, Window2D Window, bool CeilMode = false, bool CountIncludePad = false) : Op
{
    /// <inheritdoc/>
    public override string TypeName => Kind == PoolKind.Max ? "MaxPool" : "AveragePool";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = RequireRank(inputs[0], 4, TypeName);
        return [x[0], x[1], Window.OutputHeight(x[2], CeilMode), Window.OutputWidth(x[3], CeilMode)];
    }
}

/// <summary>Global pooling over all spatial positions: [N, C, H, W] → [N, C, 1, 1].</summary>
public sealed record GlobalPool(PoolKind Kind) : Op
{
    /// <inheritdoc/>
    public override string TypeName => Kind == PoolKind.Max ? "GlobalMaxPool" : "GlobalAveragePool";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = RequireRank(inputs[0], 4, TypeName);
        return [x[0], x[1], 1, 1];
    }
}

/// <summary>Kinds of element-wise binary arithmetic.</summary>
public enum BinaryKind
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
}

/// <summary>
/// Element-wise arithmetic with numpy-style broadcasting, between two values or between a value
/// and a constant (<paramref name="Constant"/>, on the left when <paramref name="ConstantFirst"/>).
/// </summary>
public sealed record Binary(BinaryKind Kind, ConstantTensor? Constant = null, bool ConstantFirst = false) : Op
{
    /// <inheritdoc/>
    public override string TypeName => Kind.ToString();

    /// <inheritdoc/>
    public override int ValueInputCount => Constant is null ? 2 : 1;

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) =>
        Broadcast(inputs[0], Constant?.Shape ?? inputs[1]);

    /// <summary>The numpy broadcast of two shapes.</summary>
    public static int[] Broadcast(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new KryptonException($"shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast");
            result[i] = Math.Max(da, db);
        }
        return result;
    }
}

/// <summary>Concatenation of several values along one axis.</summary>
public sealed record Concat(int Axis, int Inputs) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Concat";

    /// <inheritdoc/>
    public override int ValueInputCount => Inputs;

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        int axis = NormalizeAxis(Axis, inputs[0].Length);
        var result = (int[])inputs[0].Clone();
        for (int i = 1; i < inputs.Count; i++)
        {
            var s = inputs[i];
            if (s.Length != result.Length || Enumerable.Range(0, s.Length).Any(d => d != axis && s[d] != result[d]))
                throw new KryptonException($"Concat inputs [{string.Join(",", inputs[0])}] and [{string.Join(",", s)}] differ off axis {axis}");
            result[axis] += s[axis];
        }
        return result;
    }
}

/// <summary>General matrix product α·A·B + β·C with a constant B (and C): a fully-connected layer.</summary>
public sealed record Gemm(ConstantTensor B, ConstantTensor? C, float Alpha = 1f, float Beta = 1f, bool TransA = false, bool TransB = false) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Gemm";

    /// <summary>Input features (the K of A·B).</summary>
    public int InFeatures => TransB ? B.Shape[1] : B.Shape[0];

    /// <summary>Output features.</summary>
    public int OutFeatures => TransB ? B.Shape[0] : B.Shape[1];

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var a = RequireRank(inputs[0], 2, "Gemm");
        if (B.Shape.Length != 2)
            throw new KryptonException($"Gemm's weight [{string.Join(",", B.Shape)}] is not a matrix");
        int k = TransA ? a[0] : a[1];
        if (k != InFeatures)
            throw new KryptonException($"Gemm expects {InFeatures} input features, got {k}");
        return [TransA ? a[1] : a[0], OutFeatures];
    }

    /// <inheritdoc/>
    public override long MultiplyAdds(IReadOnlyList<int[]> inputs, int[] output) => (long)InFeatures * OutFeatures;

    /// <inheritdoc/>
    public override long ParameterCount => B.ElementCount + (C?.ElementCount ?? 0);
}

/// <summary>Matrix product of a value (…×K) with a constant matrix B (K×M).</summary>
public sealed record MatMul(ConstantTensor B) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "MatMul";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var a = inputs[0];
        if (B.Shape.Length != 2 || a.Length < 1 || a[^1] != B.Shape[0])
            throw new KryptonException($"MatMul of [{string.Join(",", a)}] by [{string.Join(",", B.Shape)}] does not fit");
        var r = (int[])a.Clone();
        r[^1] = B.Shape[1];
        return r;
    }

    /// <inheritdoc/>
    public override long MultiplyAdds(IReadOnlyList<int[]> inputs, int[] output) =>
        output.Skip(1).Aggregate(1L, (p, d) => p * d) * B.Shape[0];

    /// <inheritdoc/>
    public override long ParameterCount => B.ElementCount;
}

/// <summary>Flattens to 2-D: dimensions before <paramref name="Axis"/> form the rows, the rest the columns.</summary>
public sealed record Flatten(int Axis = 1) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Flatten";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        int axis = Axis < 0 ? Axis + x.Length : Axis;
        int rows = x.Take(axis).Aggregate(1, (p, d) => p * d);
        int cols = x.Skip(axis).Aggregate(1, (p, d) => p * d);
        return [rows, cols];
    }
}

/// <summary>
/// Broadcast to a shape (ONNX Expand, broadcasting both ways): the <c>y.expand_as(x)</c> of
/// squeeze-and-excitation blocks written by hand. The batch axis of <paramref name="Shape"/> is 1,
/// so the input's batch carries through.
/// </summary>
public sealed record Expand(long[] Shape) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Expand";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        int rank = Math.Max(x.Length, Shape.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int a = i - (rank - x.Length) is var ia && ia >= 0 ? x[ia] : 1;
            long b = i - (rank - Shape.Length) is var ib && ib >= 0 ? Shape[ib] : 1;
            if (a != b && a != 1 && b != 1)
                throw new KryptonException($"cannot broadcast [{string.Join(",", x)}] to [{string.Join(",", Shape)}]");
            r[i] = (int)Math.Max(a, b);
        }
        return r;
    }
}

/// <summary>
/// Reshape to a target shape in ONNX's notation (0 copies the input's dimension, −1 is inferred).
/// The batch axis is always copied, so the same graph serves every batch size.
/// </summary>
public sealed record Reshape(long[] Shape) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Reshape";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        long total = x.Aggregate(1L, (p, d) => p * d);
        var r = new int[Shape.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < Shape.Length; i++)
        {
            if (Shape[i] == 0 && i >= x.Length)
                throw new KryptonException($"cannot reshape [{string.Join(",", x)}] to [{string.Join(",", Shape)}]: a 0 at axis {i} copies an axis the input lacks");
            if (Shape[i] == 0) r[i] = x[i];
            else if (Shape[i] == -1) { inferred = i; continue; }
            else r[i] = (int)Shape[i];
            known *= r[i];
        }
        if (inferred >= 0) r[inferred] = (int)(total / Math.Max(known, 1));
        if (r.Aggregate(1L, (p, d) => p * d) != total)
            throw new KryptonException($"cannot reshape [{string.Join(",", x)}] to [{string.Join(",", Shape)}]");
        return r;
    }
}

/// <summary>
/// Removes the given axes, each of size 1. Empty <paramref name="Axes"/> means every unit axis
/// but the batch for shape inference, but cannot be emitted (ONNX would also drop a batch of one).
/// </summary>
public sealed record Squeeze(int[] Axes) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Squeeze";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        var axes = Axes.Length == 0
            ? Enumerable.Range(0, x.Length).Where(i => x[i] == 1 && i > 0).ToHashSet()
            : Axes.Select(a => NormalizeAxis(a, x.Length)).ToHashSet();
        if (axes.Contains(0))
            throw new KryptonException("Squeeze must not remove the batch axis");
        foreach (int a in axes)
            if (x[a] != 1) throw new KryptonException($"Squeeze of axis {a} with size {x[a]}");
        return x.Where((_, i) => !axes.Contains(i)).ToArray();
    }
}

/// <summary>Inserts axes of size 1 at the given positions of the output.</summary>
public sealed record Unsqueeze(int[] Axes) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Unsqueeze";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        int rank = x.Length + Axes.Length;
        var axes = Axes.Select(a => NormalizeAxis(a, rank)).ToHashSet();
        if (axes.Count != Axes.Length)
            throw new KryptonException($"Unsqueeze names an axis twice ({string.Join(",", Axes)})");
        var r = new int[rank];
        int src = 0;
        for (int i = 0; i < rank; i++) r[i] = axes.Contains(i) ? 1 : x[src++];
        return r;
    }
}

/// <summary>Passes its input through (also what Dropout is at inference).</summary>
public sealed record Identity : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Identity";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
}

/// <summary>
/// Softmax along one axis; with <paramref name="Coerce2D"/> (ONNX opsets before 13) over all
/// axes from <paramref name="Axis"/> on, as if the input were flattened there; with
/// <paramref name="Log"/> its logarithm (LogSoftmax, as PyTorch's log_softmax exports).
/// </summary>
public sealed record Softmax(int Axis = -1, bool Coerce2D = false, bool Log = false) : Op
{
    /// <inheritdoc/>
    public override string TypeName => Log ? "LogSoftmax" : "Softmax";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
}

/// <summary>Padding modes.</summary>
public enum PadMode
{
    /// <summary>Fill with a constant.</summary>
    Constant,
    /// <summary>Mirror without repeating the edge.</summary>
    Reflect,
    /// <summary>Repeat the edge value.</summary>
    Edge,
}

/// <summary>Explicit padding; <paramref name="Pads"/> in ONNX order (all begins, then all ends).</summary>
public sealed record Pad(int[] Pads, PadMode Mode = PadMode.Constant, float Value = 0f) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Pad";

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var x = inputs[0];
        if (Pads.Length != 2 * x.Length)
            throw new KryptonException($"Pad has {Pads.Length} pads for a rank-{x.Length} input");
        if (Pads[0] != 0 || Pads[x.Length] != 0)
            throw new KryptonException("Pad must not pad the batch axis");
        return x.Select((d, i) => d + Pads[i] + Pads[i + x.Length]).ToArray();
    }
}

/// <summary>
/// A network, or the rest of one, that Krypton does not reason about (a vision transformer, an
/// operator outside the closed set): the original nodes and constants, kept as they are
/// (<paramref name="Body"/>, in the format they were read from) and emitted whole. Occlusion runs
/// it naively; it has no incremental form. Its shapes, working memory and multiply-adds were
/// measured by running it once, when it was read.
/// </summary>
/// <param name="Body">The original nodes and constants, as the reader that made it keeps them.</param>
/// <param name="Input">The original name of the value it reads (the image).</param>
/// <param name="Output">The original name of the value it writes.</param>
/// <param name="OutputShape">The output's shape for a batch of one.</param>
/// <param name="Parameters">Learned parameters: the float initializers' elements.</param>
/// <param name="Hidden">Bytes of the values inside it for one sample, as measured.</param>
/// <param name="MultiplyAddCount">Multiply-adds of its convolutions and matrix products for one sample.</param>
/// <param name="FixedBatch">True when the file fixes the batch at 1 (its reshapes may say so): one image per run.</param>
/// <param name="ChannelsLast">True when the file takes N×H×W×C: the channels-first image is transposed on the way in.</param>
/// <param name="Reason">Why Krypton reads it opaquely: the operator it does not reason about.</param>
public sealed record OpaqueNetwork(IOpaqueBody Body, string Input, string Output, int[] OutputShape,
    long Parameters, long Hidden, long MultiplyAddCount,
bool FixedBatch, bool ChannelsLast, string Reason) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "(opaque network)";

    /// <summary>Identity, not contents: comparing or hashing the whole original graph (hundreds of MB for a ViT) would be the cost.</summary>
    public bool Equals(OpaqueNetwork? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    /// <inheritdoc/>
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => [inputs[0][0], .. OutputShape.Skip(1)];

    /// <inheritdoc/>
    public override long MultiplyAdds(IReadOnlyList<int[]> inputs, int[] output) => MultiplyAddCount;

    /// <inheritdoc/>
    public override long ParameterCount => Parameters;

    /// <inheritdoc/>
    public override long HiddenBytes => Hidden;
}
