using System.Text;
using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Exact incremental inference gives the naive heat map on seeded random CNNs: chains and DAGs of
/// convolutions (kernels 1–5, non-square, strides 1–3, asymmetric padding 0–2, dilation 1–2,
/// groups), activations, max and average pooling (ceil mode, count_include_pad, padding), constant
/// pads, per-channel constants, and Add / channel-Concat merges of branches with different
/// receptive fields, ending in global average pooling and a linear layer; random image sizes
/// 20–48, patch sizes and strides, a third of the cases restricted to the positions flush with the
/// bottom or right border. A failing case names its seed and its layers.
/// </summary>
public class ExactModePropertyTests
{
    public const int Cases = 48;

    public static TheoryData<int> Seeds => [.. Enumerable.Range(0, Cases)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_cnn_exact_equals_naive(int seed)
    {
        var r = new Random(1000 + seed);
        var (model, description) = RandomCnn.Build(r, seed);
        var spec = RandomSpec(r, model);
        var input = ExactVsNaive.Input(model, seed);
        string id = $"case {seed} ({model.Height}x{model.Width}, patch {spec.Patch}, stride {spec.Stride}, region {spec.RegionOfInterest}): {description}";
        ExactVsNaive.Check(model, input, spec, id, batch: 1 + r.Next(32));
    }

    private static OcclusionSpec RandomSpec(Random r, ModelGraph model)
    {
        int h = model.Height, w = model.Width;
        var patch = new Size2(1 + r.Next(Math.Min(12, h / 2)), 1 + r.Next(Math.Min(12, w / 2)));
        var fill = new TensorFill((float)(2 * r.NextDouble() - 1));
        if (r.Next(3) == 0)
        {
            // Stride 1 and a band along the bottom or right border: the flush positions, which a
            // coarser grid never reaches, and their neighbours.
            int band = 1 + r.Next(3);
            var region = r.Next(2) == 0
                ? new PixelRegion(h - band, r.Next(w / 2), band, w / 2)
                : new PixelRegion(r.Next(h / 2), w - band, h / 2, band);
            return new OcclusionSpec(patch, Size2.Square(1), fill, Value: ValueKind.Logit, RegionOfInterest: region);
        }
        while (true)
        {
            var stride = new Size2(1 + r.Next(7), 1 + r.Next(7));
            var grid = new OcclusionGrid(h, w, patch, stride);
            if (grid.Count <= 160)
                return new OcclusionSpec(patch, stride, fill, Value: ValueKind.Logit);
        }
    }
}

/// <summary>Seeded random CNNs over the model op set (see <see cref="ExactModePropertyTests"/>).</summary>
internal static class RandomCnn
{
    private sealed class Builder(Random r, int channels, int height, int width)
    {
        public readonly List<Node> Nodes = [];
        public readonly Dictionary<string, int[]> Shapes = new() { ["input"] = [1, channels, height, width] };
        public readonly StringBuilder Text = new();
        private int _next;

        public string Add(Op op, params string[] inputs)
        {
            string name = $"n{_next++}";
            var shape = op.InferShape(inputs.Select(i => Shapes[i]).ToList());
            Nodes.Add(new Node(name, op, inputs, name));
            Shapes[name] = shape;
            Text.Append($"{name}={Describe(op)}({string.Join(",", inputs)})[{string.Join("x", shape.Skip(1))}]; ");
            return name;
        }

        public ConstantTensor Random(int[] shape, double scale) =>
            new(shape, Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)((2 * r.NextDouble() - 1) * scale)).ToArray());
    }

    private static string Describe(Op op) => op switch
    {
        Conv c => $"Conv(k{c.Window.KernelH}x{c.Window.KernelW} s{c.Window.StrideH}x{c.Window.StrideW} p{c.Window.PadTop},{c.Window.PadLeft},{c.Window.PadBottom},{c.Window.PadRight} d{c.Window.DilationH}x{c.Window.DilationW} g{c.Groups})",
        Pool p => $"{p.Kind}Pool(k{p.Window.KernelH}x{p.Window.KernelW} s{p.Window.StrideH}x{p.Window.StrideW} p{p.Window.PadTop},{p.Window.PadLeft},{p.Window.PadBottom},{p.Window.PadRight} d{p.Window.DilationH}x{p.Window.DilationW}{(p.CeilMode ? " ceil" : "")}{(p.CountIncludePad ? " incl" : "")})",
        Pad p => $"Pad({string.Join(",", p.Pads)})",
        Activation a => a.Kind.ToString(),
        Binary b => b.Constant is null ? b.Kind.ToString() : $"{b.Kind}Const",
        Concat => "Concat",
        _ => op.TypeName,
    };

    /// <summary>A random CNN and a one-line description of its layers.</summary>
    public static (ModelGraph Model, string Description) Build(Random r, int seed)
    {
        int size() => 20 + r.Next(29);
        var b = new Builder(r, 1 + r.Next(3), size(), size());
        string x = "input";
        int blocks = 2 + r.Next(4);
        for (int i = 0; i < blocks; i++)
        {
            x = r.Next(5) switch
            {
                0 or 1 => Layer(b, r, x),
                2 => Merge(b, r, x, concat: false),
                3 => Merge(b, r, x, concat: true),
                _ => Elementwise(b, r, x),
            };
        }
        if (b.Shapes[x][1] > 8 || r.Next(2) == 0)
            x = b.Add(RandomConv(b, r, x, 1 + r.Next(3), 1), x);
        int c = b.Shapes[x][1];
        x = b.Add(new GlobalPool(PoolKind.Average), x);
        x = b.Add(new Flatten(1), x);
        x = b.Add(new Gemm(b.Random([c, 4], 1 / Math.Sqrt(c)), b.Random([4], 0.1)), x);
        var model = new ModelGraph("input", b.Shapes["input"], b.Nodes, x, $"random{seed}");
        return (model, b.Text.ToString());
    }

    /// <summary>One conv or pooling layer (strided at most while the map stays at least 4 cells), then maybe an activation.</summary>
    private static string Layer(Builder b, Random r, string x)
    {
        var s = b.Shapes[x];
        int stride = Math.Min(s[2], s[3]) >= 12 ? 1 + r.Next(3) : 1;
        if (r.Next(3) == 0)
        {
            var op = RandomPool(r, s, stride);
            if (op is not null) return b.Add(op, x);
        }
        x = b.Add(RandomConv(b, r, x, 2 + r.Next(7), stride), x);
        return r.Next(4) == 0 ? x : b.Add(RandomActivation(r), x);
    }

    /// <summary>A conv whose kernel, padding and dilation are random, its output at least 2×2.</summary>
    private static Conv RandomConv(Builder b, Random r, string x, int outChannels, int stride, (int Total, int Total2)? same = null)
    {
        var s = b.Shapes[x];
        int inChannels = s[1];
        while (true)
        {
            int kh = 1 + r.Next(5), kw = 1 + r.Next(5), dh = 1 + r.Next(2), dw = 1 + r.Next(2);
            if (r.Next(3) == 0) (kw, dw) = (kh, dh);
            int sh = stride, sw = r.Next(3) == 0 ? Math.Max(1, stride - 1 + r.Next(2)) : stride;
            int pt = r.Next(3), pb = r.Next(3), pl = r.Next(3), pr = r.Next(3);
            var window = new Window2D(kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
            if (s[2] + pt + pb < window.EffectiveKernelH || s[3] + pl + pr < window.EffectiveKernelW) continue;
            if (window.OutputHeight(s[2]) < 2 || window.OutputWidth(s[3]) < 2) continue;
            var groupChoices = Enumerable.Range(1, inChannels).Where(g => inChannels % g == 0 && outChannels % g == 0).ToList();
            int groups = r.Next(2) == 0 ? 1 : groupChoices[r.Next(groupChoices.Count)];
            int fanIn = inChannels / groups * kh * kw;
            return new Conv(window, groups, b.Random([outChannels, inChannels / groups, kh, kw], Math.Sqrt(6.0 / fanIn)),
                r.Next(3) == 0 ? null : b.Random([outChannels], 0.2));
        }
    }

    private static Pool? RandomPool(Random r, int[] s, int stride)
    {
        for (int attempt = 0; attempt < 10; attempt++)
        {
            bool max = r.Next(2) == 0;
            int kh = 1 + r.Next(3), kw = 1 + r.Next(3);
            int sw = Math.Max(1, stride + r.Next(2) - (stride > 1 ? 1 : 0));
            // ONNX Runtime wants each pad smaller than the kernel; PyTorch at most half of it.
            int P(int k) => r.Next(k / 2 + 1);
            int dh = max && r.Next(4) == 0 ? 2 : 1, dw = max && r.Next(4) == 0 ? 2 : 1;
            var window = new Window2D(kh, kw, stride, sw, P(kh), P(kw), P(kh), P(kw), dh, dw);
            bool ceil = r.Next(2) == 0;
            if (s[2] + window.PadTop + window.PadBottom < window.EffectiveKernelH || s[3] + window.PadLeft + window.PadRight < window.EffectiveKernelW) continue;
            if (window.OutputHeight(s[2], ceil) < 2 || window.OutputWidth(s[3], ceil) < 2) continue;
            return new Pool(max ? PoolKind.Max : PoolKind.Average, window, ceil, !max && r.Next(2) == 0);
        }
        return null;
    }

    private static Activation RandomActivation(Random r) => r.Next(5) switch
    {
        0 => new Activation(ActivationKind.LeakyRelu, 0.1f),
        1 => new Activation(ActivationKind.Clip, -0.5f, 2f),
        _ => new Activation(ActivationKind.Relu),
    };

    /// <summary>A per-channel constant, a constant pad or a batch norm: element-wise or shifting ops.</summary>
    private static string Elementwise(Builder b, Random r, string x)
    {
        int c = b.Shapes[x][1];
        return r.Next(3) switch
        {
            0 => b.Add(new Binary(r.Next(2) == 0 ? BinaryKind.Mul : BinaryKind.Add, b.Random([1, c, 1, 1], 1.5)), x),
            1 => b.Add(new Pad([0, 0, r.Next(3), r.Next(3), 0, 0, r.Next(3), r.Next(3)], PadMode.Constant, (float)r.NextDouble() - 0.5f), x),
            _ => b.Add(new BatchNorm(b.Random([c], 1), b.Random([c], 0.5), b.Random([c], 0.3),
                new ConstantTensor([c], Enumerable.Range(0, c).Select(_ => 0.5f + (float)r.NextDouble()).ToArray()), 1e-5f), x),
        };
    }

    /// <summary>
    /// Two or three branches from <paramref name="x"/> with different receptive fields and the same
    /// output size (each branch's total padding is its effective kernel − 1, split at random), then
    /// Add or channel Concat. A branch is a conv, a conv followed by a conv or pool, a pool, or x itself.
    /// </summary>
    private static string Merge(Builder b, Random r, string x, bool concat)
    {
        var s = b.Shapes[x];
        int stride = Math.Min(s[2], s[3]) >= 12 && r.Next(2) == 0 ? 2 : 1;
        int channels = concat ? 0 : 2 + r.Next(6);
        int count = 2 + r.Next(2);
        var outs = new List<string>();
        for (int i = 0; i < count; i++)
        {
            int c = concat ? 1 + r.Next(6) : channels;
            int kind = r.Next(4);
            if (kind == 0 && stride == 1 && (concat || s[1] == channels))
            {
                outs.Add(x);
                continue;
            }
            if (kind == 1)
            {
                var pool = SamePool(r, stride);
                if (!concat && s[1] != channels)
                    outs.Add(b.Add(SameConv(b, r, b.Add(pool, x), channels, 1), b.Add(pool, x)));
                else
                    outs.Add(b.Add(pool, x));
                continue;
            }
            string y = b.Add(SameConv(b, r, x, c, stride), x);
            if (kind == 2)
            {
                y = b.Add(RandomActivation(r), y);
                y = r.Next(2) == 0 ? b.Add(SameConv(b, r, y, c, 1), y) : b.Add(SamePool(r, 1), y);
            }
            outs.Add(y);
        }
        string merged = concat ? b.Add(new Concat(1, outs.Count), [.. outs]) : outs.Skip(1).Aggregate(outs[0], (a, o) => b.Add(new Binary(BinaryKind.Add), a, o));
        return r.Next(2) == 0 ? b.Add(new Activation(ActivationKind.Relu), merged) : merged;
    }

    private static (int Begin, int End) Split(Random r, int total)
    {
        int begin = r.Next(total + 1);
        return (begin, total - begin);
    }

    /// <summary>A conv whose output size is ⌈input / stride⌉ (total padding = effective kernel − 1, split at random).</summary>
    private static Conv SameConv(Builder b, Random r, string x, int outChannels, int stride)
    {
        var s = b.Shapes[x];
        int kh = 1 + r.Next(5), kw = 1 + r.Next(5), dh = 1 + r.Next(2), dw = 1 + r.Next(2);
        var (pt, pb) = Split(r, dh * (kh - 1));
        var (pl, pr) = Split(r, dw * (kw - 1));
        var window = new Window2D(kh, kw, stride, stride, pt, pl, pb, pr, dh, dw);
        int fanIn = s[1] * kh * kw;
        return new Conv(window, 1, b.Random([outChannels, s[1], kh, kw], Math.Sqrt(6.0 / fanIn)), b.Random([outChannels], 0.2));
    }

    /// <summary>A pool whose output size is ⌈input / stride⌉; padding split so each side stays under the kernel.</summary>
    private static Pool SamePool(Random r, int stride)
    {
        int k = 2 + r.Next(2);   // 2 or 3: total padding k − 1, each side below k
        var (pt, pb) = Split(r, k - 1);
        var (pl, pr) = Split(r, k - 1);
        bool max = r.Next(2) == 0;
        return new Pool(max ? PoolKind.Max : PoolKind.Average, new Window2D(k, k, stride, stride, pt, pl, pb, pr), false, !max && r.Next(2) == 0);
    }
}
