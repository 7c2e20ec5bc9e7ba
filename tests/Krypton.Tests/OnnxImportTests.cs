using Google.Protobuf;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Explain;
using Krypton.Runtime;
using Krypton.Spec;
using Krypton.Planning;

namespace Krypton.Tests;

/// <summary>
/// The importer on small ONNX graphs built here with the generated proto classes, across opset
/// differences; ONNX Runtime running the original graph is the reference for what it means.
/// </summary>
public class OnnxImportTests
{
    private static float[] Rand(Random r, int n, double lo = -1, double hi = 1) =>
        Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray();

    private static AttributeProto Str(string name, string v) => OnnxAttr.String(name, v);

    /// <summary>
    /// Imports the model, re-emits it and checks that ONNX Runtime gives the same output for the
    /// re-emitted graph as for the original bytes. Returns the imported graph for further checks.
    /// </summary>
    internal static ModelGraph AssertSameAsOriginal(byte[] original, int batch = 2, double tolerance = 1e-5)
    {
        var g = OnnxImporter.Parse(original, "test");
        var x = Rand(new Random(OpTests.StableSeed(g.Nodes.Count + g.Output)), batch * g.Channels * g.Height * g.Width);
        long[] shape = [batch, g.Channels, g.Height, g.Width];
        using var reference = new OnnxSession(original);
        var (expected, expectedShape) = reference.RunSingle(g.InputName, x, shape);
        using var emitted = new OnnxSession(OnnxExporter.ToOnnx(g));
        var (actual, actualShape) = emitted.RunSingle(g.InputName, x, shape);
        Assert.Equal(expectedShape, actualShape);
        Assert.Equal([batch, .. g.OutputShape[1..]], actualShape.Select(d => (int)d).ToArray());
        OpTests.AssertClose(expected.Select(v => (double)v).ToArray(), actual, "re-emitted vs original", tolerance);
        return g;
    }

    private static T Single<T>(ModelGraph g) where T : Op => Assert.IsType<T>(Assert.Single(g.Nodes, n => n.Op is T).Op);

    // ---- Clip ----

    [Theory]
    [InlineData(6)]
    [InlineData(10)]
    public void Clip_before_opset_11_reads_min_and_max_attributes(int opset)
    {
        var m = new OnnxTestModel(opset, [1, 2, 3, 4])
            .Node("Clip", ["x"], ["y"], attrs: [OnnxAttr.Float("min", -0.2f), OnnxAttr.Float("max", 0.3f)]).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal(new Activation(ActivationKind.Clip, -0.2f, 0.3f), Single<Activation>(g));
    }

    [Fact]
    public void Clip_opset_11_reads_min_and_max_inputs()
    {
        var m = new OnnxTestModel(11, [1, 2, 3, 4])
            .Floats("lo", [], [-0.2f]).Floats("hi", [], [0.3f])
            .Node("Clip", ["x", "lo", "hi"], ["y"]).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal(new Activation(ActivationKind.Clip, -0.2f, 0.3f), Single<Activation>(g));
    }

    [Fact]
    public void Clip_opset_13_with_only_max_is_unbounded_below()
    {
        var m = new OnnxTestModel(13, [1, 2, 3, 4])
            .Floats("hi", [], [0.3f])
            .Node("Clip", ["x", "", "hi"], ["y"]).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        var clip = Single<Activation>(g);
        Assert.Equal(0.3f, clip.Beta);
        Assert.True(clip.Alpha <= -1e30f);
    }

    // ---- Squeeze / Unsqueeze ----

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Squeeze_and_Unsqueeze_read_axes_from_attribute_before_13_and_input_from_13(int opset)
    {
        var m = new OnnxTestModel(opset, [1, 3, 4, 5]).Node("GlobalAveragePool", ["x"], ["p"]);
        if (opset < 13)
            m.Node("Squeeze", ["p"], ["s"], attrs: OnnxAttr.Ints("axes", 2, 3))
             .Node("Unsqueeze", ["s"], ["y"], attrs: OnnxAttr.Ints("axes", 1));
        else
            m.Int64s("sq_axes", 2, 3).Int64s("un_axes", 1)
             .Node("Squeeze", ["p", "sq_axes"], ["s"])
             .Node("Unsqueeze", ["s", "un_axes"], ["y"]);
        var g = AssertSameAsOriginal(m.Output("y").Bytes());
        Assert.Equal([2, 3], Single<Squeeze>(g).Axes);
        Assert.Equal([1], Single<Unsqueeze>(g).Axes);
        Assert.Equal([1, 1, 3], g.OutputShape);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Squeeze_without_axes_keeps_a_batch_of_one(int opset)
    {
        var m = new OnnxTestModel(opset, [1, 3, 4, 5]).Node("GlobalMaxPool", ["x"], ["p"]).Node("Squeeze", ["p"], ["y"]).Output("y");
        var g = AssertSameAsOriginal(m.Bytes(), batch: 2);
        Assert.Equal([2, 3], Single<Squeeze>(g).Axes);
        using var emitted = new OnnxSession(OnnxExporter.ToOnnx(g));
        var (_, shape) = emitted.RunSingle(g.InputName, new float[60], [1, 3, 4, 5]);
        Assert.Equal([1L, 3L], shape);
    }

    // ---- Pad ----

    [Theory]
    [InlineData(2, "constant")]
    [InlineData(2, "reflect")]
    [InlineData(10, "constant")]
    [InlineData(10, "reflect")]
    [InlineData(10, "edge")]
    public void Pad_before_opset_11_reads_pads_and_value_attributes(int opset, string mode)
    {
        var m = new OnnxTestModel(opset, [1, 2, 4, 5])
            .Node("Pad", ["x"], ["y"], attrs: [Str("mode", mode), OnnxAttr.Ints("pads", 0, 0, 1, 2, 0, 0, 2, 1), OnnxAttr.Float("value", 0.5f)])
            .Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        var pad = Single<Model.Pad>(g);
        Assert.Equal([0, 0, 1, 2, 0, 0, 2, 1], pad.Pads);
        if (mode == "constant") Assert.Equal(0.5f, pad.Value);
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    public void Pad_opset_11_reads_pads_and_value_inputs(string mode)
    {
        var m = new OnnxTestModel(11, [1, 2, 4, 5])
            .Int64s("pads", 0, 0, 1, 2, 0, 0, 2, 1).Floats("value", [], [-0.75f])
            .Node("Pad", ["x", "pads", "value"], ["y"], attrs: Str("mode", mode))
            .Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal([0, 0, 1, 2, 0, 0, 2, 1], Single<Model.Pad>(g).Pads);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(-2, -1)]
    [InlineData(3, 2)]
    public void Pad_opset_18_reads_axes_input(int axis0, int axis1)
    {
        var m = new OnnxTestModel(18, [1, 2, 4, 5])
            .Int64s("pads", 1, 2, 3, 0).Int64s("axes", axis0, axis1)
            .Node("Pad", ["x", "pads", "", "axes"], ["y"], attrs: Str("mode", "reflect"))
            .Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        // pads are [begin(axis0), begin(axis1), end(axis0), end(axis1)].
        int h = axis0 is 2 or -2 ? 0 : 1, w = 1 - h;
        int[] begins = [1, 2], ends = [3, 0];
        Assert.Equal([0, 0, begins[h], begins[w], 0, 0, ends[h], ends[w]], Single<Model.Pad>(g).Pads);
    }

    // ---- Softmax ----

    [Fact]
    public void Softmax_opset_11_axis_1_on_rank_4_is_over_the_flattened_tail()
    {
        var m = new OnnxTestModel(11, [1, 3, 2, 4]).Node("Softmax", ["x"], ["y"], attrs: OnnxAttr.Int("axis", 1)).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal(new Model.Softmax(1, Coerce2D: true), Single<Model.Softmax>(g));
    }

    [Fact]
    public void Softmax_opset_13_axis_1_on_rank_4_is_over_the_channels()
    {
        var m = new OnnxTestModel(13, [1, 3, 2, 4]).Node("Softmax", ["x"], ["y"], attrs: OnnxAttr.Int("axis", 1)).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal(new Model.Softmax(1), Single<Model.Softmax>(g));
    }

    [Fact]
    public void Softmax_opset_11_default_axis_on_rank_4()
    {
        var m = new OnnxTestModel(11, [1, 3, 2, 4]).Node("Softmax", ["x"], ["y"]).Output("y");
        AssertSameAsOriginal(m.Bytes());
    }

    // ---- Dropout ----

    [Theory]
    [InlineData(10, false)]
    [InlineData(10, true)]
    [InlineData(13, false)]
    [InlineData(13, true)]
    public void Dropout_with_or_without_unused_mask_is_identity(int opset, bool mask)
    {
        var m = new OnnxTestModel(opset, [1, 2, 3, 3]);
        m.Node("Dropout", ["x"], mask ? ["d", "mask"] : ["d"], "drop", opset < 12 ? [OnnxAttr.Float("ratio", 0.3f)] : [])
         .Node("Relu", ["d"], ["y"]).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal(["drop", "Relu_1"], g.Nodes.Select(n => n.Name));
        Assert.IsType<Model.Identity>(g.Nodes[0].Op);
    }

    [Fact]
    public void Dropout_whose_mask_is_used_is_rejected()
    {
        var m = new OnnxTestModel(13, [1, 2, 3, 3])
            .Node("Dropout", ["x"], ["d", "mask"], "drop")
            .Node("Cast", ["mask"], ["mf"], attrs: OnnxAttr.Int("to", 1))
            .Node("Add", ["d", "mf"], ["y"]).Output("y");
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Parse(m.Bytes(), "test"));
        Assert.Equal("Dropout node 'drop' has its mask output in use, which an inference model should not need", e.Message);
    }

    // ---- Constant nodes and Reshape ----

    [Fact]
    public void Constant_nodes_feed_Reshape_and_Add()
    {
        var r = new Random(5);
        var m = new OnnxTestModel(13, [1, 3, 2, 4])
            .Node("Constant", [], ["bias"], attrs: OnnxAttr.Tensor("value", OnnxTestTensors.FloatTensor("", [3, 1, 1], Rand(r, 3))))
            .Node("Constant", [], ["shape"], attrs: OnnxAttr.Tensor("value", OnnxTestTensors.Int64Tensor("", [0, -1])))
            .Node("Add", ["bias", "x"], ["a"])
            .Node("Reshape", ["a", "shape"], ["y"]).Output("y");
        var g = AssertSameAsOriginal(m.Bytes());
        Assert.Equal(2, g.Nodes.Count);
        Assert.True(Single<Binary>(g).ConstantFirst);
        Assert.Equal([0L, -1L], Single<Model.Reshape>(g).Shape);
    }

    /// <summary>An AlexNet/GoogLeNet-style stem with other activations: Conv → LRN → Elu → PRelu (per channel) → MaxPool, then a classifier.</summary>
    private static byte[] LrnNet(long lrnSize)
    {
        var r = new Random(31);
        return new OnnxTestModel(13, [1, 3, 12, 12])
            .Floats("w", [6, 3, 3, 3], Rand(r, 162)).Floats("d", [4, 6], Rand(r, 24))
            .Node("Conv", ["x", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("LRN", ["c"], ["n"], attrs: [OnnxAttr.Int("size", lrnSize), OnnxAttr.Float("alpha", 0.01f), OnnxAttr.Float("beta", 0.75f), OnnxAttr.Float("bias", 1.5f)])
            .Node("Elu", ["n"], ["e"], attrs: OnnxAttr.Float("alpha", 0.8f))
            .Floats("slope", [6, 1, 1], [0.1f, 0.2f, -0.3f, 0.5f, 1.5f, 0f])
            .Node("PRelu", ["e", "slope"], ["pr"])
            .Node("MaxPool", ["pr"], ["p"], attrs: [OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2)])
            .Node("GlobalAveragePool", ["p"], ["g"]).Node("Flatten", ["g"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y").Bytes();
    }

    [Fact]
    public void Lrn_elu_and_prelu_import_run_as_the_original_and_stay_incremental()
    {
        var g = AssertSameAsOriginal(LrnNet(5));
        var input = ExactVsNaive.Input(g, 2);
        ExactVsNaive.Check(g, input, new Krypton.Spec.OcclusionSpec(Krypton.Spec.Size2.Square(3), Krypton.Spec.Size2.Square(1),
            new Krypton.Spec.TensorFill(0.1f), Value: Krypton.Spec.ValueKind.Logit), "lrn");
        Assert.Contains("LRN of even size 4", Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(LrnNet(4), "lrn4", opaque: false)).Message);
    }

    private static TensorProto ScalarInt64(string name, long value) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { value } };

    /// <summary>PyTorch's <c>x.view(x.size(0), -1)</c> exported with a dynamic batch: the target shape is computed from Shape.</summary>
    private static OnnxTestModel ViewNet(int opset, Random r)
    {
        var m = new OnnxTestModel(opset, [1, 2, 4, 4])
            .Floats("w", [3, 2, 3, 3], Rand(r, 54)).Floats("d", [5, 3 * 4 * 4], Rand(r, 240))
            .Tensor(ScalarInt64("zero", 0)).Int64s("minus1", -1)
            .Node("Conv", ["x", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["c"], ["a"])
            .Node("Shape", ["a"], ["s"])
            .Node("Gather", ["s", "zero"], ["n"], attrs: OnnxAttr.Int("axis", 0));
        m = opset >= 13
            ? m.Int64s("axes0", 0).Node("Unsqueeze", ["n", "axes0"], ["n1"])
            : m.Node("Unsqueeze", ["n"], ["n1"], attrs: OnnxAttr.Ints("axes", 0));
        return m.Node("Concat", ["n1", "minus1"], ["target"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Reshape", ["a", "target"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void A_reshape_computed_from_the_shape_folds_and_keeps_the_batch(int opset)
    {
        var g = AssertSameAsOriginal(ViewNet(opset, new Random(41)).Bytes(), batch: 3);
        Assert.Equal([0L, -1L], Single<Model.Reshape>(g).Shape);
    }

    [Fact]
    public void Arithmetic_on_the_batch_size_is_refused_rather_than_folded_as_one()
    {
        var bytes = new OnnxTestModel(13, [1, 2, 4, 4]).Tensor(ScalarInt64("zero", 0)).Int64s("two", 2)
            .Node("Shape", ["x"], ["s"]).Node("Gather", ["s", "zero"], ["n"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Mul", ["n", "two"], ["n2"]).Int64s("axes0", 0).Node("Unsqueeze", ["n2", "axes0"], ["t0"]).Int64s("minus1", -1)
            .Node("Concat", ["t0", "minus1"], ["target"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Reshape", ["x", "target"], ["y"]).Output("y").Bytes();
        Assert.Contains("Mul with the batch size in shape arithmetic", Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(bytes, "t", opaque: false)).Message);
    }

    [Fact]
    public void Sum_of_three_branches_imports_as_a_chain_of_additions_and_stays_incremental()
    {
        var r = new Random(52);
        var bytes = new OnnxTestModel(13, [1, 2, 7, 7])
            .Floats("w1", [3, 2, 3, 3], Rand(r, 54)).Floats("w2", [3, 2, 1, 1], Rand(r, 6)).Floats("w3", [3, 2, 3, 3], Rand(r, 54)).Floats("d", [4, 3], Rand(r, 12))
            .Node("Conv", ["x", "w1"], ["a"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Conv", ["x", "w2"], ["b"], attrs: OnnxAttr.Ints("kernel_shape", 1, 1))
            .Node("Conv", ["x", "w3"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("dilations", 1, 1)])
            .Node("Sum", ["a", "b", "c"], ["s"]).Node("Relu", ["s"], ["t"])
            .Node("GlobalAveragePool", ["t"], ["g"]).Node("Flatten", ["g"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y").Bytes();
        var g = AssertSameAsOriginal(bytes);
        Assert.Equal(2, g.Nodes.Count(n => n.Op is Model.Binary { Kind: Model.BinaryKind.Add }));
        ExactVsNaive.Check(g, ExactVsNaive.Input(g, 5), new Krypton.Spec.OcclusionSpec(Krypton.Spec.Size2.Square(2), Krypton.Spec.Size2.Square(1),
            new Krypton.Spec.TensorFill(0.1f), Value: Krypton.Spec.ValueKind.Logit), "sum");
    }

    /// <summary>A ShuffleNet V2 unit as torchvision exports it: chunk (Split), a branch, Concat, channel shuffle (Reshape, Transpose, Reshape), then a classifier.</summary>
    private static byte[] ShuffleUnit(int opset, bool sliceInsteadOfSplit)
    {
        var r = new Random(53);
        var m = new OnnxTestModel(opset, [1, 4, 6, 6])
            .Floats("w", [2, 2, 3, 3], Rand(r, 36)).Floats("d", [3, 4], Rand(r, 12))
            .Int64s("to5", 0, 2, 2, 6, 6).Int64s("to4", 0, -1, 6, 6);
        if (sliceInsteadOfSplit)
            m.Int64s("s0", 0).Int64s("s2", 2).Int64s("s4", 4).Int64s("ax", 1)
                .Node("Slice", ["x", "s0", "s2", "ax"], ["left"]).Node("Slice", ["x", "s2", "s4", "ax"], ["right"]);
        else if (opset >= 13)
            m.Int64s("sizes", 2, 2).Node("Split", ["x", "sizes"], ["left", "right"], attrs: OnnxAttr.Int("axis", 1));
        else
            m.Node("Split", ["x"], ["left", "right"], attrs: OnnxAttr.Int("axis", 1));
        return m.Node("Conv", ["right", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["c"], ["a"])
            .Node("Concat", ["left", "a"], ["cat"], attrs: OnnxAttr.Int("axis", 1))
            .Node("Reshape", ["cat", "to5"], ["r5"]).Node("Transpose", ["r5"], ["t5"], attrs: OnnxAttr.Ints("perm", 0, 2, 1, 3, 4)).Node("Reshape", ["t5", "to4"], ["shuffled"])
            .Node("GlobalAveragePool", ["shuffled"], ["g"]).Node("Flatten", ["g"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y").Bytes();
    }

    [Theory]
    [InlineData(11, false)]
    [InlineData(13, false)]
    [InlineData(13, true)]
    public void A_shufflenet_unit_imports_with_channel_slices_and_a_permutation_and_stays_incremental(int opset, bool slice)
    {
        var g = AssertSameAsOriginal(ShuffleUnit(opset, slice), batch: 3);
        Assert.Equal(2, g.Nodes.Count(n => n.Op is Model.ChannelSlice));
        Assert.Equal(Model.ChannelPermutation.Shuffle(4, 2), Single<Model.ChannelPermutation>(g));
        ExactVsNaive.Check(g, ExactVsNaive.Input(g, 6), new Krypton.Spec.OcclusionSpec(Krypton.Spec.Size2.Square(2), Krypton.Spec.Size2.Square(1),
            new Krypton.Spec.TensorFill(0.1f), Value: Krypton.Spec.ValueKind.Logit), "shuffle");
    }

    [Fact]
    public void Selu_softplus_and_softsign_import_with_their_attributes()
    {
        var r = new Random(51);
        var bytes = new OnnxTestModel(13, [1, 2, 5, 5]).Floats("w", [3, 2, 3, 3], Rand(r, 54))
            .Node("Conv", ["x", "w"], ["c"], attrs: OnnxAttr.Ints("kernel_shape", 3, 3))
            .Node("Selu", ["c"], ["s"], attrs: [OnnxAttr.Float("alpha", 1.5f), OnnxAttr.Float("gamma", 1.2f)])
            .Node("Softplus", ["s"], ["p"]).Node("Softsign", ["p"], ["y"]).Output("y").Bytes();
        var g = AssertSameAsOriginal(bytes);
        Assert.Equal(new Model.Activation(Model.ActivationKind.Selu, 1.5f, 1.2f), g.Nodes[1].Op);
    }

    [Fact]
    public void Reshape_with_hard_coded_batch_1_becomes_batch_agnostic()
    {
        var r = new Random(6);
        var m = new OnnxTestModel(9, [1, 2, 3, 4], symbolicBatch: false)
            .Int64s("shape", 1, -1).Floats("w", [5, 24], Rand(r, 120)).Floats("b", [5], Rand(r, 5))
            .Node("Reshape", ["x", "shape"], ["f"])
            .Node("Gemm", ["f", "w", "b"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y");
        var bytes = m.Bytes();
        var g = OnnxImporter.Parse(bytes, "test");
        Assert.Equal([0L, -1L], Single<Model.Reshape>(g).Shape);

        // The original only takes a batch of one: run it per sample as the reference.
        var x = Rand(r, 3 * 24);
        using var original = new OnnxSession(bytes);
        var expected = Enumerable.Range(0, 3).SelectMany(i => original.RunSingle("x", x[(i * 24)..((i + 1) * 24)], [1, 2, 3, 4]).Values).ToArray();
        using var emitted = new OnnxSession(OnnxExporter.ToOnnx(g));
        var (actual, shape) = emitted.RunSingle("x", x, [3, 2, 3, 4]);
        Assert.Equal([3L, 5L], shape);
        OpTests.AssertClose(expected.Select(v => (double)v).ToArray(), actual, "batch of 3");
    }

    // ---- auto_pad ----

    public static TheoryData<string, string, Window2D> AutoPadCases()
    {
        // Input 7×8, kernel 4×3, strides 1×2. SAME: out = ceil(in / stride): 7 and 4, so total padding
        // (7−1)·1 + 4 − 7 = 3 rows and (4−1)·2 + 3 − 8 = 1 column; SAME_UPPER puts the odd one at the end.
        var d = new TheoryData<string, string, Window2D>();
        foreach (var op in new[] { "Conv", "MaxPool" })
        {
            d.Add(op, "SAME_UPPER", new Window2D(4, 3, 1, 2, PadTop: 1, PadLeft: 0, PadBottom: 2, PadRight: 1));
            d.Add(op, "SAME_LOWER", new Window2D(4, 3, 1, 2, PadTop: 2, PadLeft: 1, PadBottom: 1, PadRight: 0));
            d.Add(op, "VALID", new Window2D(4, 3, 1, 2));
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(AutoPadCases))]
    public void Auto_pad_becomes_the_explicit_pads(string op, string autoPad, Window2D expected)
    {
        var r = new Random(OpTests.StableSeed(op + autoPad));
        var w = Rand(r, 2 * 2 * 4 * 3);
        byte[] Model(params AttributeProto[] padding)
        {
            var m = new OnnxTestModel(11, [1, 2, 7, 8]);
            var attrs = new List<AttributeProto> { OnnxAttr.Ints("kernel_shape", 4, 3), OnnxAttr.Ints("strides", 1, 2) };
            attrs.AddRange(padding);
            if (op == "Conv") m.Floats("w", [2, 2, 4, 3], w).Node("Conv", ["x", "w"], ["y"], "layer", [.. attrs]);
            else m.Node("MaxPool", ["x"], ["y"], "layer", [.. attrs]);
            return m.Output("y").Bytes();
        }
        var auto = Model(Str("auto_pad", autoPad));
        var explicitPads = Model(OnnxAttr.Ints("pads", expected.PadTop, expected.PadLeft, expected.PadBottom, expected.PadRight));

        var g = AssertSameAsOriginal(auto);
        var window = g.Nodes[0].Op switch { Conv c => c.Window, Pool p => p.Window, var o => throw new InvalidOperationException(o.ToString()) };
        Assert.Equal(expected, window);

        // ONNX Runtime agrees that the hand-computed pads mean the same as auto_pad.
        var x = Rand(r, 2 * 2 * 7 * 8);
        using var a = new OnnxSession(auto);
        using var e = new OnnxSession(explicitPads);
        var ya = a.RunSingle("x", x, [2, 2, 7, 8]);
        var ye = e.RunSingle("x", x, [2, 2, 7, 8]);
        Assert.Equal(ye.Shape, ya.Shape);
        Assert.Equal(ye.Values, ya.Values);
    }

    [Theory]
    [InlineData("Conv")]
    [InlineData("MaxPool")]
    public void Auto_pad_SAME_with_dilation_pads_the_dilated_extent(string op)
    {
        // ONNX: SAME keeps out = ceil(in / stride) and pads (out − 1)·stride + extent − in in total.
        // Input 7×8, kernel 4×3 dilated 2×2 (extents 7 and 5), strides 1×2: 6 rows (3 + 3) and
        // 3 columns (1 + 2, the odd one at the end for SAME_UPPER). ONNX Runtime is no reference
        // here: its Conv refuses dilation with SAME and its MaxPool pads the undilated kernel.
        var m = new OnnxTestModel(11, [1, 2, 7, 8]);
        var attrs = new[] { OnnxAttr.Ints("kernel_shape", 4, 3), OnnxAttr.Ints("strides", 1, 2), OnnxAttr.Ints("dilations", 2, 2), Str("auto_pad", "SAME_UPPER") };
        if (op == "Conv") m.Floats("w", [2, 2, 4, 3], new float[48]).Node("Conv", ["x", "w"], ["y"], "layer", attrs);
        else m.Node("MaxPool", ["x"], ["y"], "layer", attrs);
        var g = OnnxImporter.Parse(m.Output("y").Bytes(), "test");
        var window = g.Nodes[0].Op switch { Conv c => c.Window, Pool p => p.Window, var o => throw new InvalidOperationException(o.ToString()) };
        Assert.Equal(new Window2D(4, 3, 1, 2, PadTop: 3, PadLeft: 1, PadBottom: 3, PadRight: 2, DilationH: 2, DilationW: 2), window);
        Assert.Equal([1, 2, 7, 4], g.OutputShape);
    }

    // ---- errors ----

    [Fact]
    public void Unsupported_operator_names_op_and_node()
    {
        var m = new OnnxTestModel(13, [1, 2, 3, 3])
            .Node("Relu", ["x"], ["r"], "relu0")
            .Node("LSTM", ["r"], ["y"], "lstm0").Output("y");
        var e = Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(m.Bytes(), "test", opaque: false));
        Assert.Equal("unsupported operator 'LSTM' at node 'lstm0'", e.Message);
        Assert.Equal("LSTM", e.OpType);
        Assert.Equal("lstm0", e.NodeName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_garbage_is_not_a_valid_ONNX_file(int seed)
    {
        var bytes = new byte[1000];
        new Random(seed).NextBytes(bytes);
        AssertNotValid(() => OnnxImporter.Parse(bytes, "garbage"), "garbage");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.0)]
    public void Truncated_file_is_not_a_valid_ONNX_file(double fraction)
    {
        var bytes = File.ReadAllBytes(TestFiles.TinyMixed);
        var path = Path.Combine(Path.GetTempPath(), $"krypton-truncated-{Environment.ProcessId}-{fraction}.onnx");
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * fraction)]);
        try { AssertNotValid(() => OnnxImporter.Load(path), Path.GetFileNameWithoutExtension(path)); }
        finally { File.Delete(path); }
    }

    private static void AssertNotValid(Action load, string name)
    {
        var e = Assert.Throws<KryptonException>(load);
        Assert.StartsWith($"'{name}' is not a valid ONNX file (", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        var path = Path.Combine(Path.GetTempPath(), "krypton-no-such-model.onnx");
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Load(path));
        Assert.Equal($"model file not found: {path}", e.Message);
    }

    [Fact]
    public void Two_inputs_are_rejected()
    {
        var m = new OnnxTestModel(13, [1, 2, 3, 3]).Input(OnnxTestModel.ValueInfo("x2", [1, 2, 3, 3]))
            .Node("Add", ["x", "x2"], ["y"]).Output("y");
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Parse(m.Bytes(), "two"));
        Assert.Equal("model 'two' has 2 inputs; Krypton explains models with exactly one image input", e.Message);
    }

    [Fact]
    public void Rank_2_input_is_rejected()
    {
        var m = new OnnxTestModel(13, [1, 10]).Node("Relu", ["x"], ["y"]).Output("y");
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Parse(m.Bytes(), "flat"));
        Assert.Equal("model input 'x' has rank 2: an image model needs a spatial input N×C×H×W", e.Message);
    }

    [Fact]
    public void Int8_weights_are_rejected()
    {
        var w = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Int8 };
        w.Dims.AddRange([2, 2, 1, 1]);
        w.RawData = ByteString.CopyFrom(1, 2, 3, 4);
        var m = new OnnxTestModel(13, [1, 2, 3, 3]).Tensor(w).Node("Conv", ["x", "w"], ["y"], "conv").Output("y");
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Parse(m.Bytes(), "quantized"));
        Assert.Equal("tensor 'w' has ONNX data type Int8; Krypton reads float32, float64, int32 and int64", e.Message);
    }

    // ---- a third-party model ----

    [Fact]
    public void Cntk_ResNet18_opset_8_matches_ONNX_Runtime_on_the_original_file()
    {
        // CNTK's export: opset 8 with asymmetric pads [3,3,2,2] on the stem convolution.
        string path = TestFiles.Path_("ResNet18.onnx");
        var bytes = File.ReadAllBytes(path);
        var g = OnnxImporter.Load(path);
        Assert.Equal([1, 512, 1, 1], g.OutputShape);
        Assert.Contains(g.Nodes, n => n.Op is Conv { Window: { PadTop: 3, PadLeft: 3, PadBottom: 2, PadRight: 2 } });

        var x = Rand(new Random(18), g.Channels * g.Height * g.Width, 0, 255);
        using var original = new OnnxSession(bytes);
        var (expected, expectedShape) = original.RunSingle(g.InputName, x, [1, g.Channels, g.Height, g.Width]);
        using var emitted = new OnnxSession(OnnxExporter.ToOnnx(g));
        var (actual, actualShape) = emitted.RunSingle(g.InputName, x, [1, g.Channels, g.Height, g.Width]);
        Assert.Equal(expectedShape.Select(d => (int)d), g.OutputShape);
        Assert.Equal(expectedShape, actualShape);
        OpTests.AssertClose(expected.Select(v => (double)v).ToArray(), actual, "ResNet18 features", 1e-4);
    }

    [Fact]
    public void Batch_norm_exported_in_training_mode_runs_with_its_running_statistics()
    {
        // A model exported in training mode normalizes each batch by its own statistics, so its
        // occlusion map would depend on which positions share a batch (MONAI and Captum users
        // meet this). Krypton reads the running statistics, as inference does: the same map at
        // any batch size, equal to the file with training_mode 0.
        var r = new Random(8);
        OnnxTestModel Net(int trainingMode) => new OnnxTestModel(15, [1, 3, 6, 6])
            .Floats("w", [4, 3, 3, 3], Enumerable.Range(0, 108).Select(_ => (float)r.NextDouble() - 0.5f).ToArray())
            .Floats("scale", [4], [1f, 0.5f, 2f, 1.5f]).Floats("bias", [4], [0.1f, -0.2f, 0f, 0.3f])
            .Floats("mean", [4], [0.2f, -0.1f, 0.05f, 0f]).Floats("var", [4], [1.5f, 0.7f, 2f, 1f])
            .Node("Conv", ["x", "w"], ["c"], attrs: OnnxAttr.Ints("kernel_shape", 3, 3))
            .Node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], trainingMode == 1 ? ["b", "rm", "rv"] : ["b"],
                attrs: OnnxAttr.Int("training_mode", trainingMode))
            .Node("Relu", ["b"], ["a"]).Node("GlobalAveragePool", ["a"], ["p"]).Node("Flatten", ["p"], ["y"]).Output("y");
        var training = OnnxImporter.Parse(Net(1).Bytes(), "bn-train", opaque: false);
        r = new Random(8);
        AssertSameAsOriginal(Net(0).Bytes(), batch: 3);
        r = new Random(8);
        var inference = OnnxImporter.Parse(Net(0).Bytes(), "bn-eval", opaque: false);
        var image = ExactVsNaive.Input(training, 2);
        var spec = new OcclusionSpec(Size2.Square(2), Size2.Square(1), new TensorFill(0f), Target: 1);
        float[] Map(ModelGraph g, int batch) => Explainer.Explain(new ExplainRequest(g, image, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive), Resources = new() { BatchSize = batch } }).HeatMap;
        var reference = Map(inference, 5);
        foreach (int batch in new[] { 1, 7 })
            Assert.Equal(reference, Map(training, batch));
    }
}
