using Krypton.Model;

namespace Krypton.Tests;

/// <summary>A dense row-major tensor of doubles for reference computations.</summary>
internal sealed record RefTensor(int[] Shape, double[] Data)
{
    public static RefTensor Zeros(params int[] shape) => new(shape, new double[shape.Aggregate(1, (p, d) => p * d)]);

    public static RefTensor Random(Random rng, params int[] shape)
    {
        var t = Zeros(shape);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    public static RefTensor From(ConstantTensor c) => new(c.Shape, c.Data.Select(v => (double)v).ToArray());

    public int[] Strides()
    {
        var s = new int[Shape.Length];
        int acc = 1;
        for (int i = Shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= Shape[i]; }
        return s;
    }

    public int[] Unravel(int flat)
    {
        var idx = new int[Shape.Length];
        for (int i = Shape.Length - 1; i >= 0; i--) { idx[i] = flat % Shape[i]; flat /= Shape[i]; }
        return idx;
    }

    public double At(params int[] idx)
    {
        int flat = 0;
        for (int i = 0; i < idx.Length; i++) flat = flat * Shape[i] + idx[i];
        return Data[flat];
    }

    public float[] ToFloats() => Data.Select(v => (float)v).ToArray();
}

/// <summary>
/// Straightforward reference semantics of every op in plain loops over doubles, written from the
/// ONNX operator specification independently of the library, to check what ONNX Runtime computes
/// for the graphs Krypton emits.
/// </summary>
internal static class ReferenceOps
{
    /// <summary>Evaluates the graph on an input of any batch size; returns every value by name.</summary>
    public static Dictionary<string, RefTensor> Run(ModelGraph g, RefTensor input)
    {
        var values = new Dictionary<string, RefTensor> { [g.InputName] = input };
        foreach (var n in g.Nodes)
            values[n.Output] = Apply(n.Op, n.Inputs.Select(i => values[i]).ToList());
        return values;
    }

    public static RefTensor Apply(Op op, IReadOnlyList<RefTensor> x) => op switch
    {
        Conv c => Conv(x[0], c),
        BatchNorm b => BatchNorm(x[0], b),
        Activation a => Map(x[0], v => Activate(a, v)),
        Pool p => Pool(x[0], p),
        GlobalPool gp => GlobalPool(x[0], gp.Kind),
        Binary b => b.Constant is null ? Binary(x[0], x[1], b.Kind)
            : b.ConstantFirst ? Binary(RefTensor.From(b.Constant), x[0], b.Kind) : Binary(x[0], RefTensor.From(b.Constant), b.Kind),
        Model.Concat c => Concat(x, c.Axis),
        Model.Gemm g => Gemm(x[0], g),
        Model.MatMul m => MatMul(x[0], RefTensor.From(m.B)),
        Model.Flatten f => Flatten(x[0], f.Axis),
        Model.Reshape r => Reshape(x[0], r.Shape),
        Model.Expand e => Binary(x[0], RefTensor.Zeros(e.Shape.Select(d => (int)d).ToArray()), BinaryKind.Add),
        Model.Squeeze s => Squeeze(x[0], s.Axes),
        Model.Unsqueeze u => Unsqueeze(x[0], u.Axes),
        Model.Identity => x[0],
        Model.Softmax s => Softmax(x[0], s),
        Model.Pad p => Pad(x[0], p),
        Lrn l => Lrn(x[0], l),
        ChannelPool cp => OverChannels(x[0], cp.Kind == PoolKind.Max ? v => v.Max() : v => v.Average()),
        ChannelSlice cs => Channels(x[0], Enumerable.Range(cs.Start, cs.End - cs.Start).ToArray()),
        ChannelPermutation cp => Channels(x[0], cp.Source),
        PRelu p => Binary(Map(x[0], v => Math.Max(v, 0)), Binary(Map(x[0], v => Math.Min(v, 0)), RefTensor.From(p.Slope), BinaryKind.Mul), BinaryKind.Add),
        _ => throw new NotSupportedException(op.GetType().Name),
    };

    private static RefTensor Map(RefTensor x, Func<double, double> f) => new(x.Shape, x.Data.Select(f).ToArray());

    private static double Activate(Activation a, double v) => a.Kind switch
    {
        ActivationKind.Relu => Math.Max(v, 0),
        ActivationKind.LeakyRelu => v >= 0 ? v : a.Alpha * v,
        ActivationKind.Clip => Math.Min(Math.Max(v, a.Alpha), a.Beta),
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-v)),
        ActivationKind.Tanh => Math.Tanh(v),
        ActivationKind.HardSigmoid => Math.Max(0, Math.Min(1, a.Alpha * v + a.Beta)),
        ActivationKind.HardSwish => v * Math.Max(0, Math.Min(1, v / 6 + 0.5)),
        ActivationKind.Elu => v >= 0 ? v : a.Alpha * (Math.Exp(v) - 1),
        ActivationKind.Selu => v > 0 ? a.Beta * v : a.Beta * a.Alpha * (Math.Exp(v) - 1),
        ActivationKind.Softplus => Math.Log(1 + Math.Exp(v)),
        ActivationKind.Softsign => v / (1 + Math.Abs(v)),
        ActivationKind.Sqrt => Math.Sqrt(v),
        ActivationKind.Erf => Erf(v),
        ActivationKind.Pow => Math.Pow(v, a.Alpha),
        _ => throw new NotSupportedException(a.Kind.ToString()),
    };

    private static RefTensor Conv(RefTensor x, Conv c)
    {
        var w = c.Window;
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int cout = c.Weight.Shape[0], cinPerGroup = c.Weight.Shape[1], kh = c.Weight.Shape[2], kw = c.Weight.Shape[3];
        int coutPerGroup = cout / c.Groups;
        int oh = OutLength(h, kh, w.StrideH, w.PadTop, w.PadBottom, w.DilationH, false);
        int ow = OutLength(wd, kw, w.StrideW, w.PadLeft, w.PadRight, w.DilationW, false);
        var y = RefTensor.Zeros(n, cout, oh, ow);
        var weight = RefTensor.From(c.Weight);
        for (int b = 0; b < n; b++)
        for (int o = 0; o < cout; o++)
        {
            int group = o / coutPerGroup;
            for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                double sum = c.Bias?.Data[o] ?? 0;
                for (int ci = 0; ci < cinPerGroup; ci++)
                for (int u = 0; u < kh; u++)
                for (int v = 0; v < kw; v++)
                {
                    int r = i * w.StrideH - w.PadTop + u * w.DilationH;
                    int s = j * w.StrideW - w.PadLeft + v * w.DilationW;
                    if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                    sum += x.At(b, group * cinPerGroup + ci, r, s) * weight.At(o, ci, u, v);
                }
                y.Data[((b * cout + o) * oh + i) * ow + j] = sum;
            }
        }
        _ = cin;
        return y;
    }

    /// <summary>
    /// Number of windows along an axis: floor mode counts windows that end inside the padded input;
    /// ceil mode also counts a last partial window, but only when it starts inside the input or its
    /// leading padding (a window starting in the trailing padding would see only padding).
    /// </summary>
    public static int OutLength(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceil)
    {
        int extent = dilation * (kernel - 1) + 1;
        int count = 0;
        for (int start = -padBegin; ; start += stride)
        {
            if (start + extent <= input + padEnd) { count++; continue; }
            // Ceil mode adds the first window reaching past the padded end when the full windows
            // left some of the padded input uncovered, but only when it starts before the trailing
            // padding (a window starting there would see padding only); later ones are further out.
            bool uncovered = start - stride + extent < input + padEnd;
            if (ceil && uncovered && start < input) count++;
            break;
        }
        return count;
    }

    private static double BatchNormValue(double v, BatchNorm b, int c) =>
        b.Scale.Data[c] * (v - b.Mean.Data[c]) / Math.Sqrt((double)b.Variance.Data[c] + b.Epsilon) + b.Bias.Data[c];

    private static RefTensor BatchNorm(RefTensor x, BatchNorm b)
    {
        var y = RefTensor.Zeros(x.Shape);
        int spatial = x.Shape.Skip(2).Aggregate(1, (p, d) => p * d);
        for (int i = 0; i < x.Data.Length; i++)
            y.Data[i] = BatchNormValue(x.Data[i], b, i / spatial % x.Shape[1]);
        return y;
    }

    private static RefTensor Pool(RefTensor x, Pool p)
    {
        var w = p.Window;
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int oh = OutLength(h, w.KernelH, w.StrideH, w.PadTop, w.PadBottom, w.DilationH, p.CeilMode);
        int ow = OutLength(wd, w.KernelW, w.StrideW, w.PadLeft, w.PadRight, w.DilationW, p.CeilMode);
        var y = RefTensor.Zeros(n, c, oh, ow);
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double max = double.NegativeInfinity, sum = 0;
            int inside = 0, inPadded = 0;
            for (int u = 0; u < w.KernelH; u++)
            for (int v = 0; v < w.KernelW; v++)
            {
                int r = i * w.StrideH - w.PadTop + u * w.DilationH;
                int s = j * w.StrideW - w.PadLeft + v * w.DilationW;
                // Positions past the trailing padding (a ceil-mode window's overhang) count for nothing.
                if (r < h + w.PadBottom && s < wd + w.PadRight) inPadded++;
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                inside++;
                double val = x.At(b, ch, r, s);
                max = Math.Max(max, val);
                sum += val;
            }
            y.Data[((b * c + ch) * oh + i) * ow + j] = p.Kind == PoolKind.Max ? max : sum / (p.CountIncludePad ? inPadded : inside);
        }
        return y;
    }

    private static RefTensor GlobalPool(RefTensor x, PoolKind kind)
    {
        int n = x.Shape[0], c = x.Shape[1], spatial = x.Shape[2] * x.Shape[3];
        var y = RefTensor.Zeros(n, c, 1, 1);
        for (int i = 0; i < n * c; i++)
        {
            var window = x.Data.Skip(i * spatial).Take(spatial);
            y.Data[i] = kind == PoolKind.Max ? window.Max() : window.Average();
        }
        return y;
    }

    private static RefTensor Binary(RefTensor a, RefTensor b, BinaryKind kind)
    {
        int rank = Math.Max(a.Shape.Length, b.Shape.Length);
        int[] Pad(int[] s) => [.. Enumerable.Repeat(1, rank - s.Length), .. s];
        int[] sa = Pad(a.Shape), sb = Pad(b.Shape);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1) throw new InvalidOperationException("no broadcast");
            shape[i] = Math.Max(sa[i], sb[i]);
        }
        var y = RefTensor.Zeros(shape);
        var ta = new RefTensor(sa, a.Data);
        var tb = new RefTensor(sb, b.Data);
        for (int f = 0; f < y.Data.Length; f++)
        {
            var idx = y.Unravel(f);
            double va = ta.At(idx.Select((v, i) => sa[i] == 1 ? 0 : v).ToArray());
            double vb = tb.At(idx.Select((v, i) => sb[i] == 1 ? 0 : v).ToArray());
            y.Data[f] = kind switch
            {
                BinaryKind.Add => va + vb,
                BinaryKind.Sub => va - vb,
                BinaryKind.Mul => va * vb,
                BinaryKind.Div => va / vb,
                _ => throw new NotSupportedException(),
            };
        }
        return y;
    }

    private static RefTensor Concat(IReadOnlyList<RefTensor> xs, int axis)
    {
        int rank = xs[0].Shape.Length;
        axis = axis < 0 ? axis + rank : axis;
        var shape = (int[])xs[0].Shape.Clone();
        shape[axis] = xs.Sum(x => x.Shape[axis]);
        var y = RefTensor.Zeros(shape);
        for (int f = 0; f < y.Data.Length; f++)
        {
            var idx = y.Unravel(f);
            int k = 0;
            while (idx[axis] >= xs[k].Shape[axis]) { idx[axis] -= xs[k].Shape[axis]; k++; }
            y.Data[f] = xs[k].At(idx);
        }
        return y;
    }

    private static RefTensor Gemm(RefTensor a, Model.Gemm g)
    {
        if (g.TransA) throw new NotSupportedException("transA");
        int m = a.Shape[0], k = a.Shape[1];
        var b = RefTensor.From(g.B);
        int outF = g.TransB ? b.Shape[0] : b.Shape[1];
        var y = RefTensor.Zeros(m, outF);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < outF; j++)
        {
            double sum = 0;
            for (int t = 0; t < k; t++) sum += a.At(i, t) * (g.TransB ? b.At(j, t) : b.At(t, j));
            double c = 0;
            if (g.C is { } ct)
            {
                // C broadcasts to [M, N] unidirectionally: a scalar, [N], [1, N], [M, 1] or [M, N].
                var cs = ct.Shape;
                int ci = cs.Length switch
                {
                    0 => 0,
                    1 => cs[0] == 1 ? 0 : j,
                    _ => (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j),
                };
                c = ct.Data[ci];
            }
            y.Data[i * outF + j] = g.Alpha * sum + g.Beta * c;
        }
        return y;
    }

    private static RefTensor MatMul(RefTensor a, RefTensor b)
    {
        int k = a.Shape[^1], m = b.Shape[1];
        int rows = a.Data.Length / k;
        var shape = (int[])a.Shape.Clone();
        shape[^1] = m;
        var y = RefTensor.Zeros(shape);
        for (int r = 0; r < rows; r++)
        for (int j = 0; j < m; j++)
        {
            double sum = 0;
            for (int t = 0; t < k; t++) sum += a.Data[r * k + t] * b.Data[t * m + j];
            y.Data[r * m + j] = sum;
        }
        return y;
    }

    private static RefTensor Flatten(RefTensor x, int axis)
    {
        if (axis < 0) axis += x.Shape.Length;
        int rows = x.Shape.Take(axis).Aggregate(1, (p, d) => p * d);
        return new RefTensor([rows, x.Data.Length / rows], x.Data);
    }

    private static RefTensor Reshape(RefTensor x, long[] target)
    {
        var shape = new int[target.Length];
        int unknown = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1) { unknown = i; shape[i] = 1; }
            else shape[i] = target[i] == 0 ? x.Shape[i] : (int)target[i];
        }
        if (unknown >= 0) shape[unknown] = x.Data.Length / shape.Aggregate(1, (p, d) => p * d);
        if (shape.Aggregate(1, (p, d) => p * d) != x.Data.Length) throw new InvalidOperationException("bad reshape");
        return new RefTensor(shape, x.Data);
    }

    private static RefTensor Squeeze(RefTensor x, int[] axes)
    {
        var drop = axes.Length == 0
            ? Enumerable.Range(1, x.Shape.Length - 1).Where(i => x.Shape[i] == 1).ToHashSet()
            : axes.Select(a => a < 0 ? a + x.Shape.Length : a).ToHashSet();
        return new RefTensor(x.Shape.Where((_, i) => !drop.Contains(i)).ToArray(), x.Data);
    }

    private static RefTensor Unsqueeze(RefTensor x, int[] axes)
    {
        int rank = x.Shape.Length + axes.Length;
        var add = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        var shape = new List<int>();
        int src = 0;
        for (int i = 0; i < rank; i++) shape.Add(add.Contains(i) ? 1 : x.Shape[src++]);
        return new RefTensor([.. shape], x.Data);
    }

    private static RefTensor OverChannels(RefTensor x, Func<IEnumerable<double>, double> reduce)
    {
        int n = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        var y = RefTensor.Zeros(n, 1, x.Shape[2], x.Shape[3]);
        for (int b = 0; b < n; b++)
            for (int p = 0; p < hw; p++)
                y.Data[b * hw + p] = reduce(Enumerable.Range(0, c).Select(k => x.Data[(b * c + k) * hw + p]));
        return y;
    }

    /// <summary>The error function, by its Maclaurin series (enough terms for |x| ≤ 4 in double precision).</summary>
    private static double Erf(double x)
    {
        if (Math.Abs(x) > 4) return Math.Sign(x) * (1 - 1e-8);
        double sum = 0, term = x;
        for (int k = 0; k < 200; k++)
        {
            sum += term / (2 * k + 1);
            term *= -x * x / (k + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>Output channel j is input channel <paramref name="source"/>[j].</summary>
    private static RefTensor Channels(RefTensor x, int[] source)
    {
        int n = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        var y = RefTensor.Zeros([n, source.Length, x.Shape[2], x.Shape[3]]);
        for (int b = 0; b < n; b++)
            for (int j = 0; j < source.Length; j++)
                Array.Copy(x.Data, (b * c + source[j]) * hw, y.Data, (b * source.Length + j) * hw, hw);
        return y;
    }

    /// <summary>ONNX's LRN: channels c − ⌊(size−1)/2⌋ to c + ⌈(size−1)/2⌉ at the same pixel.</summary>
    private static RefTensor Lrn(RefTensor x, Lrn l)
    {
        int n = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        var y = RefTensor.Zeros(x.Shape);
        for (int b = 0; b < n; b++)
            for (int k = 0; k < c; k++)
                for (int p = 0; p < hw; p++)
                {
                    double sum = 0;
                    for (int j = Math.Max(0, k - (l.Size - 1) / 2); j <= Math.Min(c - 1, k + l.Size / 2); j++)
                        sum += x.Data[(b * c + j) * hw + p] * x.Data[(b * c + j) * hw + p];
                    y.Data[(b * c + k) * hw + p] = x.Data[(b * c + k) * hw + p] / Math.Pow(l.Bias + l.Alpha / l.Size * sum, l.Beta);
                }
        return y;
    }

    private static RefTensor Softmax(RefTensor x, Model.Softmax s)
    {
        int rank = x.Shape.Length;
        int axis = s.Axis < 0 ? s.Axis + rank : s.Axis;
        // Coerce2D: one distribution over all axes from `axis` on; otherwise over `axis` alone.
        int outer = x.Shape.Take(axis).Aggregate(1, (p, d) => p * d);
        int len = s.Coerce2D ? x.Shape.Skip(axis).Aggregate(1, (p, d) => p * d) : x.Shape[axis];
        int inner = s.Coerce2D ? 1 : x.Shape.Skip(axis + 1).Aggregate(1, (p, d) => p * d);
        var y = RefTensor.Zeros(x.Shape);
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int Index(int t) => (o * len + t) * inner + i;
            double max = Enumerable.Range(0, len).Max(t => x.Data[Index(t)]);
            double sum = Enumerable.Range(0, len).Sum(t => Math.Exp(x.Data[Index(t)] - max));
            for (int t = 0; t < len; t++) y.Data[Index(t)] = s.Log ? x.Data[Index(t)] - max - Math.Log(sum) : Math.Exp(x.Data[Index(t)] - max) / sum;
        }
        return y;
    }

    private static RefTensor Pad(RefTensor x, Model.Pad p)
    {
        int rank = x.Shape.Length;
        var shape = x.Shape.Select((d, i) => d + p.Pads[i] + p.Pads[i + rank]).ToArray();
        var y = RefTensor.Zeros(shape);
        for (int f = 0; f < y.Data.Length; f++)
        {
            var idx = y.Unravel(f);
            bool outside = false;
            for (int a = 0; a < rank; a++)
            {
                int i = idx[a] - p.Pads[a], n = x.Shape[a];
                if (i >= 0 && i < n) { idx[a] = i; continue; }
                switch (p.Mode)
                {
                    case PadMode.Constant: outside = true; break;
                    case PadMode.Edge: idx[a] = Math.Clamp(i, 0, n - 1); break;
                    case PadMode.Reflect: idx[a] = i < 0 ? -i : 2 * (n - 1) - i; break;
                }
            }
            y.Data[f] = outside ? p.Value : x.At(idx);
        }
        return y;
    }
}
