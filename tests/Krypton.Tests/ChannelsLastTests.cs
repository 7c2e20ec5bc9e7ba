using Krypton.Model;
using Krypton.Onnx;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Models as TensorFlow and Keras export them: a channels-last input (N×H×W×C) turned
/// channels-first by a Transpose after constant arithmetic (rescaling, normalization), and global
/// pooling as ReduceMean over the spatial axes. ONNX Runtime on the original graph is the reference.
/// </summary>
public class ChannelsLastTests
{
    private static float[] Rand(Random r, int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();

    /// <summary>A batch N×C×H×W laid out N×H×W×C.</summary>
    private static float[] ChannelsLast(float[] nchw, int batch, int c, int h, int w)
    {
        var nhwc = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < c; k++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        nhwc[((n * h + y) * w + x) * c + k] = nchw[((n * c + k) * h + y) * w + x];
        return nhwc;
    }

    /// <summary>x [N, 8, 10, 3] → ×2 → − per-channel mean → Transpose → Conv 3×3 → Relu → reduce → MatMul → Add.</summary>
    private static byte[] KerasLike(int opset, string reduce, bool keepDims)
    {
        var r = new Random(11);
        var m = new OnnxTestModel(opset, [1, 8, 10, 3])
            .Floats("scale", [], [2f]).Floats("mean", [3], [0.1f, -0.2f, 0.3f])
            .Floats("w", [4, 3, 3, 3], Rand(r, 108)).Floats("cb", [4], Rand(r, 4))
            .Floats("dense", [4, 5], Rand(r, 20)).Floats("db", [5], Rand(r, 5))
            .Node("Mul", ["x", "scale"], ["scaled"])
            .Node("Sub", ["scaled", "mean"], ["centred"])
            .Node("Transpose", ["centred"], ["nchw"], attrs: OnnxAttr.Ints("perm", 0, 3, 1, 2))
            .Node("Conv", ["nchw", "w", "cb"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["c"], ["a"]);
        var keep = OnnxAttr.Int("keepdims", keepDims ? 1 : 0);
        if (opset >= 18)
            m.Int64s("axes", 2, 3).Node(reduce, ["a", "axes"], ["p"], attrs: keep);
        else
            m.Node(reduce, ["a"], ["p"], attrs: [OnnxAttr.Ints("axes", 2, 3), keep]);
        if (keepDims)
            m.Int64s("flat", 0, -1).Node("Reshape", ["p", "flat"], ["f"]);
        return m.Node("MatMul", [keepDims ? "f" : "p", "dense"], ["mm"]).Node("Add", ["mm", "db"], ["y"]).Output("y").Bytes();
    }

    [Theory]
    [InlineData(13, "ReduceMean", false)]
    [InlineData(13, "ReduceMax", true)]
    [InlineData(18, "ReduceMean", true)]
    [InlineData(18, "ReduceMax", false)]
    public void A_channels_last_model_reads_channels_first_and_computes_what_the_original_does(int opset, string reduce, bool keepDims)
    {
        byte[] original = KerasLike(opset, reduce, keepDims);
        var g = OnnxImporter.Parse(original, "keras-like");
        Assert.Equal([1, 3, 8, 10], g.InputShape);
        Assert.Single(g.Nodes, n => n.Op is GlobalPool);

        AssertSameAsOriginal(original, g, 5, "channels-first import vs original");
    }

    /// <summary>The imported graph on a channels-first batch gives what the original gives on the same batch channels-last.</summary>
    private static void AssertSameAsOriginal(byte[] original, ModelGraph g, int seed, string what)
    {
        const int batch = 2;
        int c = g.Channels, h = g.Height, w = g.Width;
        var nchw = Rand(new Random(seed), batch * c * h * w);
        using var reference = new OnnxSession(original);
        var expected = reference.RunSingle("x", ChannelsLast(nchw, batch, c, h, w), [batch, h, w, c]).Values;
        using var emitted = new OnnxSession(OnnxExporter.ToOnnx(g));
        OpTests.AssertClose(expected.Select(v => (double)v).ToArray(), emitted.RunSingle("x", nchw, [batch, c, h, w]).Values, what);
    }

    /// <summary>x [N, 8, 10, 3] → Transpose → Conv 3×3 (stride 2) → Relu → back to channels-last → Reshape (Keras's Flatten) → Dropout → dense.</summary>
    private static byte[] KerasFlatten(bool gemm)
    {
        var r = new Random(12);
        var m = new OnnxTestModel(13, [1, 8, 10, 3])
            .Floats("w", [4, 3, 3, 3], Rand(r, 108))
            .Node("Transpose", ["x"], ["nchw"], attrs: OnnxAttr.Ints("perm", 0, 3, 1, 2))
            .Node("Conv", ["nchw", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["c"], ["a"])
            .Node("Transpose", ["a"], ["nhwc"], attrs: OnnxAttr.Ints("perm", 0, 2, 3, 1))
            .Int64s("flat", -1, 4 * 5 * 4)
            .Node("Reshape", ["nhwc", "flat"], ["f"])
            .Node("Dropout", ["f"], ["d"]);
        m = gemm
            ? m.Floats("dense", [6, 80], Rand(r, 480)).Floats("db", [6], Rand(r, 6)).Node("Gemm", ["d", "dense", "db"], ["y"], attrs: OnnxAttr.Int("transB", 1))
            : m.Floats("dense", [80, 6], Rand(r, 480)).Node("MatMul", ["d", "dense"], ["y"]);
        return m.Output("y").Bytes();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_keras_flatten_reads_as_a_channels_first_flatten_with_the_dense_weights_reordered(bool gemm)
    {
        byte[] original = KerasFlatten(gemm);
        var g = OnnxImporter.Parse(original, "keras-flatten");
        AssertSameAsOriginal(original, g, 7, "Keras flatten vs original");
        var input = ExactVsNaive.Input(g, 4);
        ExactVsNaive.Check(g, input, new OcclusionSpec(Size2.Square(3), Size2.Square(2), new TensorFill(0.2f), Value: ValueKind.Logit), "keras-flatten");
    }

    [Fact]
    public void Ops_without_a_channels_first_reading_on_a_channels_last_view_are_refused_in_one_line()
    {
        var bytes = new OnnxTestModel(13, [1, 3, 4, 4])
            .Node("Transpose", ["x"], ["t"], attrs: OnnxAttr.Ints("perm", 0, 2, 3, 1)).Node("Softmax", ["t"], ["y"]).Output("y").Bytes();
        Assert.Contains("unsupported operator 'Softmax on a channels-last view of a feature map'",
            Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(bytes, "t", opaque: false)).Message);
        var mixed = new OnnxTestModel(13, [1, 3, 4, 4])
            .Node("Transpose", ["x"], ["t"], attrs: OnnxAttr.Ints("perm", 0, 2, 3, 1)).Node("Add", ["t", "x"], ["y"]).Output("y").Bytes();
        Assert.Contains("Add mixing a channels-last view with other values", Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(mixed, "m", opaque: false)).Message);
    }

    [Fact]
    public void Exact_inference_on_a_channels_last_model_equals_naive()
    {
        var g = OnnxImporter.Parse(KerasLike(13, "ReduceMean", false), "keras-like");
        var input = ExactVsNaive.Input(g, 3);
        ExactVsNaive.Check(g, input, new OcclusionSpec(Size2.Square(3), Size2.Square(1), new TensorFill(0.2f), Value: ValueKind.Logit), "keras-like");
    }

    [Fact]
    public void A_channels_last_input_without_its_transpose_is_refused_in_one_line()
    {
        var bytes = new OnnxTestModel(13, [1, 8, 10, 3]).Node("Relu", ["x"], ["y"]).Output("y").Bytes();
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Parse(bytes, "nhwc"));
        Assert.Contains("looks channels-last (8x10x3) but no Transpose to channels-first follows it", e.Message);
    }

    [Fact]
    public void A_reduction_over_channels_without_keepdims_is_outside_the_op_set()
    {
        // With keepdims it is channel pooling (CBAM's spatial attention); without, a 3-D map.
        var bytes = new OnnxTestModel(13, [1, 3, 8, 8])
            .Node("ReduceMean", ["x"], ["y"], attrs: [OnnxAttr.Ints("axes", 1), OnnxAttr.Int("keepdims", 0)]).Output("y").Bytes();
        var e = Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(bytes, "reduce", opaque: false));
        Assert.Contains("ReduceMean over axes other than the spatial ones or the channels (1, without keepdims)", e.Message);
        var kept = new OnnxTestModel(13, [1, 3, 8, 8])
            .Node("ReduceMax", ["x"], ["y"], attrs: OnnxAttr.Ints("axes", 1)).Output("y").Bytes();
        Assert.Equal(new ChannelPool(PoolKind.Max), Assert.Single(OnnxImporter.Parse(kept, "max", opaque: false).Nodes).Op);
    }
}
