using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Subgraphs computed from constants alone fold at import, whatever their operators: ONNX Runtime
/// evaluates them once, and the model graph holds their results. The image's shape is not a
/// constant: arithmetic on it folds with the batch size kept symbolic, or is refused.
/// </summary>
public class ConstantFoldingTests
{
    private static float[] Rand(Random r, int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();

    private static OcclusionSpec Spec => new(Size2.Square(2), Size2.Square(1), new TensorFill(0.1f), Value: ValueKind.Logit);

    private static AttributeProto Kernel(int k) => OnnxAttr.Ints("kernel_shape", k, k);

    /// <summary>
    /// Captum's BasicModel3, relu(a − 1) − relu(b), with a a constant of the export (as when one
    /// input is fixed), b a convolution of the image, then a classifier: the Relu's only input is
    /// computed from constants, by a Sub or already by the exporter's own folding.
    /// </summary>
    internal static byte[] BasicModel3(bool exporterFolded = true)
    {
        var r = new Random(3);
        var m = new OnnxTestModel(13, [1, 2, 6, 6]).Floats("w", [3, 2, 3, 3], Rand(r, 54)).Floats("d", [4, 3], Rand(r, 12));
        if (exporterFolded)
            m.Floats("a1", [3, 1, 1], [-0.5f, 0.5f, 1.5f]);
        else
            m.Floats("a", [3, 1, 1], [0.5f, 1.5f, 2.5f]).Floats("one", [], [1f]).Node("Sub", ["a", "one"], ["a1"], "sub_const");
        return m.Node("Relu", ["a1"], ["relu_out1"], "relu_const")
            .Node("Conv", ["x", "w"], ["b"], attrs: [Kernel(3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["b"], ["relu_out2"])
            .Node("Sub", ["relu_out1", "relu_out2"], ["diff"], "diff")
            .Node("Relu", ["diff"], ["out"])
            .Node("GlobalAveragePool", ["out"], ["g"]).Node("Flatten", ["g"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y").Bytes();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Captums_BasicModel3_folds_its_constant_branch_and_stays_exact(bool exporterFolded)
    {
        var g = OnnxImportTests.AssertSameAsOriginal(BasicModel3(exporterFolded), batch: 3);
        var diff = Assert.IsType<Binary>(Assert.Single(g.Nodes, n => n.Name == "diff").Op);
        Assert.Equal(new Binary(BinaryKind.Sub, diff.Constant, ConstantFirst: true), diff);
        Assert.Equal([0f, 0.5f, 1.5f], diff.Constant!.Data);
        Assert.DoesNotContain(g.Nodes, n => n.Name is "sub_const" or "relu_const");
        ExactVsNaive.Check(g, ExactVsNaive.Input(g, 3), Spec, "basic-model-3");
    }

    /// <summary>
    /// Weights an export computes instead of storing: a transposed and scaled convolution weight,
    /// a bias from a Concat, a dense layer's weight reshaped, and a per-channel shift that a
    /// convolution computes from a constant, added to the image's path.
    /// </summary>
    private static byte[] ComputedWeights()
    {
        var r = new Random(4);
        return new OnnxTestModel(13, [1, 2, 6, 6])
            .Floats("wt", [2, 3, 3, 3], Rand(r, 54)).Floats("two", [], [2f])
            .Floats("b1", [1], [0.25f]).Floats("b2", [2], [-0.5f, 0.75f])
            .Floats("bias_map", [1, 1, 1, 1], [0.5f]).Floats("wm", [3, 1, 1, 1], Rand(r, 3))
            .Floats("dflat", [12], Rand(r, 12)).Int64s("dshape", 3, 4)
            .Node("Transpose", ["wt"], ["w_t"], attrs: OnnxAttr.Ints("perm", 1, 0, 2, 3))
            .Node("Mul", ["w_t", "two"], ["w"])
            .Node("Concat", ["b1", "b2"], ["b"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Conv", ["x", "w", "b"], ["c"], attrs: [Kernel(3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Conv", ["bias_map", "wm"], ["positional"], attrs: Kernel(1))
            .Node("Add", ["c", "positional"], ["p"])
            .Node("Relu", ["p"], ["a"])
            .Node("GlobalMaxPool", ["a"], ["gp"]).Node("Flatten", ["gp"], ["f"])
            .Node("Reshape", ["dflat", "dshape"], ["d"])
            .Node("MatMul", ["f", "d"], ["y"]).Output("y").Bytes();
    }

    [Fact]
    public void Weights_computed_from_constants_fold_into_the_layers_that_use_them()
    {
        var g = OnnxImportTests.AssertSameAsOriginal(ComputedWeights(), batch: 3);
        Assert.Equal(["Conv", "Add", "Relu", "GlobalMaxPool", "Flatten", "MatMul"], g.Nodes.Select(n => n.Op.TypeName));
        Assert.Equal([3, 2, 3, 3], Assert.IsType<Conv>(g.Nodes[0].Op).Weight.Shape);
        Assert.Equal([1, 3, 1, 1], Assert.IsType<Binary>(g.Nodes[1].Op).Constant!.Shape);
        ExactVsNaive.Check(g, ExactVsNaive.Input(g, 4), Spec, "computed-weights");
    }

    /// <summary>
    /// Constants through operators and types the op set has no word for: float16 weights cast to
    /// float, int8 weights dequantized, a mask from a comparison selecting with Where, and a fill
    /// made by ConstantOfShape from the Shape of a constant.
    /// </summary>
    private static byte[] ConstantsOfOtherTypes()
    {
        var r = new Random(5);
        var half = new TensorProto { Name = "w16", DataType = (int)TensorProto.Types.DataType.Float16 };
        half.Dims.AddRange([3, 2, 1, 1]);
        half.RawData = ByteString.CopyFrom(Rand(r, 6).SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray());
        var quantized = new TensorProto { Name = "q", DataType = (int)TensorProto.Types.DataType.Int8 };
        quantized.Dims.AddRange([3, 1, 1]);
        quantized.RawData = ByteString.CopyFrom(10, 246, 37);
        return new OnnxTestModel(13, [1, 2, 5, 5])
            .Tensor(half).Tensor(quantized).Floats("scale", [], [0.02f])
            .Floats("gate", [3, 1, 1], [0.3f, -0.2f, 0.9f]).Floats("zero", [], [0f]).Floats("big", [], [4f]).Floats("small", [], [-4f])
            .Node("Cast", ["w16"], ["w"], attrs: OnnxAttr.Int("to", 1))
            .Node("Conv", ["x", "w"], ["c"], attrs: Kernel(1))
            .Node("DequantizeLinear", ["q", "scale"], ["shift"])
            .Node("Add", ["c", "shift"], ["s"])
            .Node("Greater", ["gate", "zero"], ["open"])
            .Node("Where", ["open", "big", "small"], ["limit"])
            .Node("Mul", ["s", "limit"], ["m"])
            .Node("Shape", ["gate"], ["gate_shape"])
            .Node("ConstantOfShape", ["gate_shape"], ["ones"], attrs: OnnxAttr.Tensor("value", OnnxTestTensors.FloatTensor("", [1], [1f])))
            .Node("Sub", ["m", "ones"], ["y"]).Output("y").Bytes();
    }

    [Fact]
    public void Constants_of_any_operator_and_type_fold_through_ONNX_Runtime()
    {
        var g = OnnxImportTests.AssertSameAsOriginal(ConstantsOfOtherTypes(), batch: 2);
        Assert.Equal(["Conv", "Add", "Mul", "Sub"], g.Nodes.Select(n => n.Op.TypeName));
        Assert.Equal([4f, -4f, 4f], Assert.IsType<Binary>(g.Nodes[2].Op).Constant!.Data);
        ExactVsNaive.Check(g, ExactVsNaive.Input(g, 5), Spec, "other-types");
    }

    [Fact]
    public void The_images_shape_in_float_arithmetic_is_read_opaquely_not_folded()
    {
        // x / (number of rows): computed from Shape(x), which is no constant; the op set cannot
        // express it, so the model runs as ONNX Runtime runs it.
        var bytes = new OnnxTestModel(13, [1, 2, 4, 5])
            .Tensor(new TensorProto { Name = "two", DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { 2 } })
            .Node("Shape", ["x"], ["s"]).Node("Gather", ["s", "two"], ["rows"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Cast", ["rows"], ["rows_f"], attrs: OnnxAttr.Int("to", 1))
            .Node("Div", ["x", "rows_f"], ["y"]).Output("y").Bytes();
        Assert.Contains("Cast", Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(bytes, "rows", opaque: false)).Message);
        var g = OnnxImportTests.AssertSameAsOriginal(bytes);
        Assert.NotNull(g.OpaqueReason);
    }

    [Fact]
    public void Constants_that_ONNX_Runtime_cannot_compute_are_refused_in_one_line_naming_the_node()
    {
        var bytes = new OnnxTestModel(13, [1, 2, 4, 4])
            .Floats("a", [2], [1f, 2f]).Floats("b", [3], [1f, 2f, 3f])
            .Node("Add", ["a", "b"], ["ab"], "mismatched").Node("Relu", ["ab"], ["r"])
            .Node("Mul", ["x", "r"], ["y"]).Output("y").Bytes();
        var e = Assert.Throws<KryptonException>(() => OnnxImporter.Parse(bytes, "broken"));
        Assert.Equal("'broken' computes constants that ONNX Runtime cannot evaluate: Node (mismatched) Op (Add) [ShapeInferenceError] Incompatible dimensions", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
