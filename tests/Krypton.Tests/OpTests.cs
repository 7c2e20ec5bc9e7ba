using Krypton.Model;
using Krypton.Onnx;
using Krypton.Runtime;

namespace Krypton.Tests;

/// <summary>
/// Every op of the closed set, emitted as ONNX and run by ONNX Runtime, against the plain-loop
/// reference in <see cref="ReferenceOps"/>; each op's InferShape against the shape ONNX Runtime
/// returns. Every graph runs with batch 2 and batch 1, which checks the dynamic batch axis.
/// </summary>
public class OpTests
{
    private const double Tolerance = 1e-5;

    /// <summary>A step of a test graph: an op and its inputs (the previous value when none are named).</summary>
    private sealed record Step(Op Op, string[] Inputs);

    private static Step S(Op op, params string[] inputs) => new(op, inputs);

    /// <summary>A graph on input "x" of shape [1, c, h, w]; step i writes "v{i}"; the last step is the output.</summary>
    private static ModelGraph G(int c, int h, int w, params Step[] steps)
    {
        var nodes = new List<Node>();
        string previous = "x";
        for (int i = 0; i < steps.Length; i++)
        {
            string[] ins = steps[i].Inputs.Length > 0 ? steps[i].Inputs : [previous];
            previous = $"v{i}";
            nodes.Add(new Node($"n{i}", steps[i].Op, ins, previous));
        }
        return new ModelGraph("x", [1, c, h, w], nodes, previous, "op-test");
    }

    /// <summary>A random constant with values in [lo, hi), rounded to float.</summary>
    private static ConstantTensor K(Random r, int[] shape, double lo = -1, double hi = 1) =>
        ConstantTensor.Create(shape, Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray());

    private static Conv ConvOp(Random r, Window2D w, int cin, int cout, int groups = 1, bool bias = true) =>
        new(w, groups, K(r, [cout, cin / groups, w.KernelH, w.KernelW]), bias ? K(r, [cout]) : null);

    private static readonly Dictionary<string, Func<Random, ModelGraph>> Cases = BuildCases();

    // Names stay under 50 characters, where xunit cuts displayed arguments.
    public static TheoryData<string> CaseNames => new(Cases.Keys.Order());

    private static Dictionary<string, Func<Random, ModelGraph>> BuildCases()
    {
        var c = new Dictionary<string, Func<Random, ModelGraph>>
        {
            // Conv
            ["Conv 3x3 pad 1"] = r => G(3, 7, 6, S(ConvOp(r, Window2D.Square(3, 1, 1), 3, 4))),
            ["Conv groups 2"] = r => G(4, 6, 5, S(ConvOp(r, Window2D.Square(3, 1, 1), 4, 6, groups: 2))),
            ["Conv depthwise multiplier 2 stride 2"] = r => G(3, 7, 8, S(ConvOp(r, Window2D.Square(3, 2, 1), 3, 6, groups: 3))),
            ["Conv depthwise no bias"] = r => G(4, 6, 6, S(ConvOp(r, Window2D.Square(3, 1, 1), 4, 4, groups: 4, bias: false))),
            ["Conv dilation 2"] = r => G(3, 9, 8, S(ConvOp(r, Window2D.Square(3, 1, 2, dilation: 2), 3, 2))),
            ["Conv dilation 2x1 stride 2"] = r => G(2, 9, 8, S(ConvOp(r, new Window2D(3, 3, 2, 2, 1, 1, 1, 1, 2, 1), 2, 3))),
            ["Conv asymmetric pads"] = r => G(3, 6, 7, S(ConvOp(r, new Window2D(3, 3, PadTop: 1, PadLeft: 0, PadBottom: 2, PadRight: 1), 3, 2))),
            ["Conv kernel 3x2 stride 2x1"] = r => G(2, 8, 7, S(ConvOp(r, new Window2D(3, 2, 2, 1, 1, 0, 1, 1), 2, 3))),
            ["Conv kernel 1x5 stride 1x3 no bias"] = r => G(3, 5, 11, S(ConvOp(r, new Window2D(1, 5, 1, 3, 0, 2, 0, 1), 3, 2, bias: false))),
            ["Conv 1x1"] = r => G(5, 4, 3, S(ConvOp(r, Window2D.Square(1), 5, 3))),

            ["BatchNorm"] = r => G(3, 4, 5, S(new BatchNorm(K(r, [3]), K(r, [3]), K(r, [3]), K(r, [3], 0.1, 2), 1e-3f))),

            // GlobalPool
            ["GlobalPool Average"] = r => G(3, 5, 4, S(new GlobalPool(PoolKind.Average))),
            ["GlobalPool Max"] = r => G(3, 5, 4, S(new GlobalPool(PoolKind.Max))),

            // Concat
            ["Concat axis 1 of three"] = r => G(3, 4, 5,
                S(new Activation(ActivationKind.Relu)), S(ConvOp(r, Window2D.Square(1), 3, 2), "x"),
                S(new Model.Concat(1, 3), "x", "v0", "v1")),
            ["Concat axis -1"] = r => G(2, 4, 5, S(new Model.Pad([0, 0, 0, 1, 0, 0, 0, 2])), S(new Model.Concat(-1, 2), "x", "v0")),
            ["Concat axis 2"] = r => G(2, 4, 5, S(new Model.Pad([0, 0, 2, 0, 0, 0, 1, 0], PadMode.Edge)), S(new Model.Concat(2, 2), "v0", "x")),

            // Gemm (after Flatten: [N, 24])
            ["Gemm alpha beta C vector"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.Gemm(K(r, [24, 5]), K(r, [5]), 0.5f, 2f))),
            ["Gemm transB C row"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.Gemm(K(r, [5, 24]), K(r, [1, 5]), 1.5f, 0.25f, TransB: true))),
            ["Gemm transB no C"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.Gemm(K(r, [6, 24]), null, TransB: true))),
            ["Gemm C scalar"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.Gemm(K(r, [24, 3]), K(r, []), Beta: -1f))),

            // MatMul
            ["MatMul rank 4"] = r => G(2, 3, 4, S(new Model.MatMul(K(r, [4, 5])))),
            ["MatMul after Flatten"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.MatMul(K(r, [24, 7])))),

            // Flatten
            ["Flatten axis 1"] = r => G(2, 3, 4, S(new Model.Flatten(1))),
            ["Flatten axis 2"] = r => G(2, 3, 4, S(new Model.Flatten(2))),
            ["Flatten axis -1"] = r => G(2, 3, 4, S(new Model.Flatten(-1))),

            // Reshape (input [N, 2, 4, 6])
            ["Reshape [0,-1]"] = r => G(2, 4, 6, S(new Model.Reshape([0, -1]))),
            ["Reshape [0,8,-1]"] = r => G(2, 4, 6, S(new Model.Reshape([0, 8, -1]))),
            ["Reshape [0,0,-1]"] = r => G(2, 4, 6, S(new Model.Reshape([0, 0, -1]))),
            ["Reshape [0,-1,3,2]"] = r => G(2, 4, 6, S(new Model.Reshape([0, -1, 3, 2]))),
            ["Reshape [0,6,0,2]"] = r => G(2, 4, 6, S(new Model.Reshape([0, 6, 0, 2]))),

            // Squeeze / Unsqueeze
            ["Squeeze [2,3]"] = r => G(3, 4, 5, S(new GlobalPool(PoolKind.Average)), S(new Model.Squeeze([2, 3]))),
            ["Expand (excitation)"] = r => G(3, 4, 5, S(new GlobalPool(PoolKind.Average)), S(new Model.Expand([1, 3, 4, 5]))),
            ["Squeeze [-1]"] = r => G(3, 4, 5, S(new GlobalPool(PoolKind.Average)), S(new Model.Squeeze([-1]))),
            ["Squeeze [1,2] of C=1 H=1"] = r => G(1, 1, 5, S(new Model.Squeeze([1, 2]))),
            ["Unsqueeze [2,3]"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.Unsqueeze([2, 3]))),
            ["Unsqueeze [1]"] = r => G(2, 3, 4, S(new Model.Unsqueeze([1]))),
            ["Unsqueeze [-1]"] = r => G(2, 3, 4, S(new Model.Flatten()), S(new Model.Unsqueeze([-1]))),

            ["Identity"] = r => G(2, 3, 4, S(new Model.Identity())),

            // Softmax
            ["Softmax axis -1"] = r => G(3, 4, 5, S(new Model.Softmax(-1))),
            ["Softmax axis 1 rank 4"] = r => G(3, 4, 5, S(new Model.Softmax(1))),
            ["Softmax axis 2 rank 4"] = r => G(3, 4, 5, S(new Model.Softmax(2))),
            ["Softmax Coerce2D axis 1"] = r => G(3, 4, 5, S(new Model.Softmax(1, Coerce2D: true))),
            ["Softmax Coerce2D axis 2"] = r => G(3, 4, 5, S(new Model.Softmax(2, Coerce2D: true))),
            ["Softmax after Flatten"] = r => G(3, 2, 2, S(new Model.Flatten()), S(new Model.Softmax(1))),

            // Pad
            ["Pad constant asymmetric"] = r => G(2, 4, 5, S(new Model.Pad([0, 0, 1, 2, 0, 0, 3, 0], PadMode.Constant, 0.5f))),
            ["Pad constant channels"] = r => G(2, 3, 3, S(new Model.Pad([0, 1, 0, 0, 0, 2, 0, 1], PadMode.Constant, -2f))),
            ["Pad reflect"] = r => G(2, 4, 5, S(new Model.Pad([0, 0, 2, 1, 0, 0, 1, 3], PadMode.Reflect))),
            ["Pad edge"] = r => G(2, 4, 5, S(new Model.Pad([0, 0, 2, 3, 0, 0, 1, 0], PadMode.Edge))),
            ["LRN size 5"] = r => G(7, 4, 5, S(new Binary(BinaryKind.Mul, ConstantTensor.Scalar(3f))), S(new Lrn(5, 0.02f, 0.75f, 2f))),
            ["LRN size 3"] = r => G(6, 3, 3, S(new Lrn(3, 0.5f, 0.6f, 1f))),
            ["PRelu per channel"] = r => G(3, 4, 5, S(new PRelu(new ConstantTensor([3, 1, 1], [0.1f, -0.5f, 2f])))),
            ["PRelu shared"] = r => G(2, 3, 3, S(new PRelu(ConstantTensor.Scalar(0.25f)))),
            ["ChannelSlice"] = r => G(6, 3, 4, S(new ChannelSlice(2, 5))),
            ["ChannelMean"] = r => G(5, 3, 4, S(new ChannelPool(PoolKind.Average))),
            ["ChannelMax"] = r => G(5, 3, 4, S(new ChannelPool(PoolKind.Max))),
            // √ of non-negative inputs only: a square first.
            ["Activation Sqrt"] = r => G(2, 3, 4, S(new Activation(ActivationKind.Pow, 2f)), S(new Activation(ActivationKind.Sqrt))),
            ["ChannelPermutation shuffle"] = r => G(6, 3, 2, S(ChannelPermutation.Shuffle(6, 2))),
        };

        // Every activation kind, on inputs scaled to [-4, 4) so that clips and kinks are all reached.
        var scale = new Binary(BinaryKind.Mul, ConstantTensor.Scalar(4f));
        foreach (var a in new[]
        {
            new Activation(ActivationKind.Relu), new Activation(ActivationKind.LeakyRelu, 0.1f),
            new Activation(ActivationKind.Clip, -0.3f, 0.6f), new Activation(ActivationKind.Sigmoid),
            new Activation(ActivationKind.Tanh), new Activation(ActivationKind.HardSigmoid, 0.3f, 0.4f),
            new Activation(ActivationKind.HardSwish), new Activation(ActivationKind.Elu, 0.7f),
            new Activation(ActivationKind.Selu, 1.6f, 1.1f), new Activation(ActivationKind.Softplus), new Activation(ActivationKind.Softsign),
            new Activation(ActivationKind.Erf), new Activation(ActivationKind.Pow, 2f),
        })
        {
            c[$"Activation {a.Kind}"] = r => G(2, 3, 4, S(scale), S(a));
        }
        if (c.Count(kv => kv.Key.StartsWith("Activation ")) != Enum.GetValues<ActivationKind>().Length)
            throw new InvalidOperationException("an activation kind has no case");

        // Pooling: plain, dilated, asymmetric, count_include_pad both ways.
        foreach (var kind in new[] { PoolKind.Max, PoolKind.Average })
        {
            c[$"{kind}Pool 3x3 stride 2 pad 1"] = r => G(2, 7, 6, S(new Pool(kind, Window2D.Square(3, 2, 1))));
            c[$"{kind}Pool 2x2 stride 2"] = r => G(2, 6, 8, S(new Pool(kind, Window2D.Square(2, 2))));
            c[$"{kind}Pool 3x2 stride 2x1 asymmetric pads"] = r => G(2, 7, 6, S(new Pool(kind, new Window2D(3, 2, 2, 1, 1, 0, 0, 1))));
        }
        c["MaxPool dilation 2"] = r => G(2, 7, 7, S(new Pool(PoolKind.Max, Window2D.Square(2, 1, 0, dilation: 2))));
        c["MaxPool dilation 2 pad 1 stride 2"] = r => G(2, 8, 7, S(new Pool(PoolKind.Max, Window2D.Square(3, 2, 1, dilation: 2))));
        foreach (bool include in new[] { false, true })
        {
            c[$"AveragePool pad 1 incl={include}"] = r => G(2, 5, 6, S(new Pool(PoolKind.Average, Window2D.Square(3, 1, 1), CountIncludePad: include)));
            c[$"AveragePool asymmetric pads incl={include}"] = r => G(2, 5, 6, S(new Pool(PoolKind.Average, new Window2D(3, 3, 2, 2, 0, 2, 1, 1), CountIncludePad: include)));
        }

        // Ceil mode. Along each axis below, ceil and floor differ unless stated.
        // "starts inside": input 6, kernel 3, stride 2, no pad: windows at 0, 2 and a partial one at 4.
        // "overhangs pad": input 6, kernel 3, stride 2, pad 1: the 4th window starts at input 5
        //   and covers input 5, the padding and one position past it.
        // "starts in pad": input 5, kernel 2, stride 2, pad 1: the 4th window
        //   would start at 5, in the trailing padding, so it is dropped (ceil equals floor here).
        foreach (var (label, h, w, window) in new[]
        {
            ("starts inside", 6, 6, Window2D.Square(3, 2)),
            ("overhangs pad", 6, 6, Window2D.Square(3, 2, 1)),
            ("starts in pad", 5, 5, Window2D.Square(2, 2, 1)),
            ("mixed axes", 5, 6, new Window2D(2, 3, 2, 2, 1, 1, 1, 1)),
        })
        {
            foreach (bool ceil in new[] { true, false })
            {
                c[$"MaxPool ceil={ceil}: {label}"] = r => G(2, h, w, S(new Pool(PoolKind.Max, window, ceil)));
                foreach (bool include in new[] { false, true })
                    c[$"AvgPool ceil={ceil} incl={include}: {label}"] =
                        r => G(2, h, w, S(new Pool(PoolKind.Average, window, ceil, include)));
            }
        }

        // Binary: values are made positive (sigmoid) so that division is well conditioned.
        // v0 = sigmoid(x) [N,C,H,W]; v1 = mean of v0 per channel [N,C,1,1].
        foreach (var kind in Enum.GetValues<BinaryKind>())
        {
            var sig = new Activation(ActivationKind.Sigmoid);
            var gap = new GlobalPool(PoolKind.Average);
            c[$"{kind} value-value same shape"] = r => G(2, 3, 4, S(sig), S(new Binary(kind), "x", "v0"));
            c[$"{kind} value-value broadcast right"] = r => G(2, 3, 4, S(sig), S(gap), S(new Binary(kind), "v0", "v1"));
            c[$"{kind} value-value broadcast left"] = r => G(2, 3, 4, S(sig), S(gap), S(new Binary(kind), "v1", "v0"));
            foreach (var (label, shape) in new[] { ("[C,1,1]", new[] { 2, 1, 1 }), ("[W]", new[] { 4 }), ("[1,C,H,W]", new[] { 1, 2, 3, 4 }), ("scalar", Array.Empty<int>()) })
            {
                c[$"{kind} value-constant {label}"] = r => G(2, 3, 4, S(sig), S(new Binary(kind, K(r, shape, 0.5, 1.5))));
                c[$"{kind} constant-value {label}"] = r => G(2, 3, 4, S(sig), S(new Binary(kind, K(r, shape, 0.5, 1.5), ConstantFirst: true)));
            }
            c[$"{kind} value-constant rank 2 after Flatten"] = r => G(2, 3, 4, S(sig), S(new Model.Flatten()), S(new Binary(kind, K(r, [1, 24], 0.5, 1.5))));
        }
        return c;
    }

    [Fact]
    public void Every_op_type_has_cases()
    {
        var covered = Cases.Values.SelectMany(f => f(new Random(0)).Nodes).Select(n => n.Op.GetType()).ToHashSet();
        // An opaque network is the original file's nodes: OpaqueNetworkTests compare it with that file.
        var all = typeof(Op).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract && t != typeof(OpaqueNetwork));
        Assert.Empty(all.Where(t => !covered.Contains(t)).Select(t => t.Name));
    }

    [Fact]
    public void Squeeze_without_axes_is_not_emitted()
    {
        // ONNX's Squeeze without axes would also drop a batch of one; the importer names the axes.
        var g = G(3, 4, 5, S(new GlobalPool(PoolKind.Max)), S(new Model.Squeeze([])));
        Assert.Equal([1, 3], g.OutputShape);
        var e = Assert.Throws<KryptonException>(() => OnnxExporter.ToOnnx(g));
        Assert.Contains("names no axes", e.Message);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Emitted_op_matches_reference(string name)
    {
        var rng = new Random(StableSeed(name));
        var g = Cases[name](rng);
        using var session = new OnnxSession(OnnxExporter.ToOnnx(g));
        foreach (int batch in new[] { 2, 1 })
        {
            var x = RefTensor.Random(rng, [batch, .. g.InputShape[1..]]);
            var expected = ReferenceOps.Run(g, x);

            var shapes = new Dictionary<string, int[]> { [g.InputName] = x.Shape };
            foreach (var n in g.Nodes)
            {
                shapes[n.Output] = n.Op.InferShape(n.Inputs.Select(i => shapes[i]).ToList());
                Assert.True(expected[n.Output].Shape.SequenceEqual(shapes[n.Output]),
                    $"{n.Op.TypeName} InferShape [{string.Join(",", shapes[n.Output])}] vs reference [{string.Join(",", expected[n.Output].Shape)}] at batch {batch}");
            }

            var (values, shape) = session.RunSingle(g.InputName, x.ToFloats(), x.Shape.Select(d => (long)d).ToArray());
            Assert.Equal(shapes[g.Output].Select(d => (long)d), shape);
            AssertClose(expected[g.Output].Data, values, $"batch {batch}");
        }
    }

    internal static void AssertClose(double[] expected, float[] actual, string what, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= tolerance * Math.Max(1, Math.Abs(expected[i]))))
                Assert.Fail($"{what}: value {i} is {actual[i]}, expected {expected[i]} (error {err:g3})");
        }
    }

    /// <summary>A seed derived from the case name that is the same in every run (string.GetHashCode is not).</summary>
    internal static int StableSeed(string s) => s.Aggregate(17, (h, ch) => unchecked(h * 31 + ch));
}
