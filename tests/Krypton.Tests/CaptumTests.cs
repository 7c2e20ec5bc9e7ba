using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// The same numbers as Captum's <c>Occlusion</c>. First Captum's own test cases
/// (<c>tests/attr/test_occlusion.py</c> in pytorch/captum): their models re-cast as ONNX files with
/// one image input (a second input held fixed becomes a constant), their literal expected
/// attributions the oracle. Then image-sized cases against Captum's algorithm written out here:
/// windows at k·s per axis for k = 0 … ⌈(S − w) / s⌉, the last one cut off at the border, the input
/// x·(1 − mask) + baseline·mask, and the attribution f(x) − f(x occluded) on the model's own output,
/// averaged over the windows that cover each pixel. Krypton gives that as <c>--value delta</c> with
/// the per-pixel map, in naive and exact mode.
/// </summary>
public class CaptumTests
{
    public static TheoryData<OcclusionMode> Modes => [OcclusionMode.Naive, OcclusionMode.Exact];

    /// <summary>
    /// Captum's <c>BasicModel_ConvNet_One_Conv</c>: a 3×3 convolution 1 → 2 (weights 1, biases −50
    /// and −75), ReLU, <c>view(-1, 8)</c>, a linear layer 8 → 4 (weights 1 for the first five inputs, −1
    /// for the last three; bias 0), ReLU. Its test adds a second input of ones: here a constant 1.
    /// </summary>
    private static ModelGraph OneConv()
    {
        var fc = Enumerable.Range(0, 4).SelectMany(_ => Enumerable.Range(0, 8).Select(i => i < 5 ? 1f : -1f)).ToArray();
        var bytes = new OnnxTestModel(13, [1, 1, 4, 4])
            .Floats("one", [1, 1, 1, 1], [1f]).Floats("w", [2, 1, 3, 3], Enumerable.Repeat(1f, 18).ToArray()).Floats("b", [2], [-50f, -75f])
            .Floats("fc", [4, 8], fc).Floats("fb", [4], new float[4]).Int64s("shape", -1, 8)
            .Node("Add", ["x", "one"], ["s"])
            .Node("Conv", ["s", "w", "b"], ["c"], attrs: OnnxAttr.Ints("kernel_shape", 3, 3))
            .Node("Relu", ["c"], ["r"])
            .Node("Reshape", ["r", "shape"], ["v"])
            .Node("Gemm", ["v", "fc", "fb"], ["g"], attrs: OnnxAttr.Int("transB", 1))
            .Node("Relu", ["g"], ["y"])
            .Output("y").Bytes();
        return OnnxImporter.Parse(bytes, "basic-convnet-one-conv");
    }

    /// <summary>
    /// Captum's <c>BasicModel_MultiLayer</c> on a 1×3 "image": a linear layer that is the identity,
    /// a linear layer 3 → 4 (weights 1, biases −10, 1, 1, 1), ReLU, a linear layer 4 → 2 (weights 1,
    /// biases −1, 1).
    /// </summary>
    private static ModelGraph MultiLayer()
    {
        var bytes = new OnnxTestModel(13, [1, 1, 1, 3])
            .Floats("eye", [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]).Floats("zero", [3], new float[3])
            .Floats("w1", [4, 3], Enumerable.Repeat(1f, 12).ToArray()).Floats("b1", [4], [-10f, 1f, 1f, 1f])
            .Floats("w2", [2, 4], Enumerable.Repeat(1f, 8).ToArray()).Floats("b2", [2], [-1f, 1f])
            .Node("Flatten", ["x"], ["f"])
            .Node("Gemm", ["f", "eye", "zero"], ["l0"], attrs: OnnxAttr.Int("transB", 1))
            .Node("Gemm", ["l0", "w1", "b1"], ["l1"], attrs: OnnxAttr.Int("transB", 1))
            .Node("Relu", ["l1"], ["r"])
            .Node("Gemm", ["r", "w2", "b2"], ["y"], attrs: OnnxAttr.Int("transB", 1))
            .Output("y").Bytes();
        return OnnxImporter.Parse(bytes, "basic-multilayer");
    }

    /// <summary>The per-pixel delta map, target 0, as <c>krypton explain --value delta --per-pixel</c> computes it.</summary>
    private static float[] Attribution(ModelGraph model, float[] input, Size2 window, Size2 stride, Fill baseline, OcclusionMode mode)
    {
        var spec = new OcclusionSpec(window, stride, baseline, Target: 0, Value: ValueKind.Delta);
        var e = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(mode), Resources = new() { BatchSize = 3 } });
        return e.Grid.PerPixel(e.HeatMap);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double tolerance = 1e-4 * Math.Max(expected.Max() - expected.Min(), 1);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}: element {i} is {actual[i]}, Captum's {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Captum_simple_multi_input_conv(OcclusionMode mode)
    {
        var input = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();   // torch.arange(16).view(1, 1, 4, 4)
        // sliding_window_shapes (1, 4, 4): one window, the whole input; Captum expects 67 everywhere.
        AssertClose(Enumerable.Repeat(67f, 16).ToArray(), Attribution(OneConv(), input, Size2.Square(4), Size2.Square(1), new TensorFill(0f), mode), "window 4x4");
        // sliding_window_shapes (1, 2, 3), strides (1, 2, 1).
        float[] expected =
        [
            17, 17, 17, 17,
            17, 17, 17, 17,
            64, 65.5f, 65.5f, 67,
            64, 65.5f, 65.5f, 67,
        ];
        AssertClose(expected, Attribution(OneConv(), input, new Size2(2, 3), new Size2(2, 1), new TensorFill(0f), mode), "window 2x3, strides 2x1");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Captum_simple_multi_input_conv_diff_shapes(OcclusionMode mode)
    {
        var input = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        // sliding_window_shapes (1, 2, 4), strides (1, 2, 1); the second input, ones of 4x1, adds 1 to every pixel.
        float[] expected = [.. Enumerable.Repeat(17f, 8), .. Enumerable.Repeat(67f, 8)];
        AssertClose(expected, Attribution(OneConv(), input, new Size2(2, 4), new Size2(2, 1), new TensorFill(0f), mode), "window 2x4, strides 2x1");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Captum_simple_inputs_windows_strides_and_baselines(OcclusionMode mode)
    {
        float[] input = [20, 50, 30];
        // test_simple_input: window 1.
        AssertClose([80, 200, 120], Attribution(MultiLayer(), input, new Size2(1, 1), Size2.Square(1), new TensorFill(0f), mode), "window 1");
        // test_simple_input_larger_shape: window 2, baseline tensor [10, 10, 10].
        AssertClose([200, 220, 240], Attribution(MultiLayer(), input, new Size2(1, 2), Size2.Square(1), new BaselineTensorFill([10f, 10f, 10f]), mode), "window 2, baseline 10");
        // test_simple_input_shape_with_stride: window 2, stride 2: the second window starts at 2 and is cut off at the border.
        AssertClose([280, 280, 120], Attribution(MultiLayer(), input, new Size2(1, 2), new Size2(1, 2), new TensorFill(0f), mode), "window 2, stride 2");
        // test_multi_sample_ablation, the first sample (the second is the first case above).
        AssertClose([8, 35, 12], Attribution(MultiLayer(), [2, 10, 3], new Size2(1, 1), Size2.Square(1), new TensorFill(0f), mode), "second sample");
    }

    /// <summary>
    /// Captum's <c>BasicModel3</c>, f(x1, x2) = ReLU(ReLU(x1 − 1) − ReLU(x2)), with x2 held fixed: a
    /// ReLU whose only input is a constant, which PyTorch exports as such (folded at import).
    /// </summary>
    private static ModelGraph BasicModel3(float x2)
    {
        var bytes = new OnnxTestModel(13, [1, 1, 1, 1])
            .Floats("one", [1, 1, 1, 1], [1f]).Floats("x2", [1, 1, 1, 1], [x2])
            .Node("Sub", ["x", "one"], ["s"])
            .Node("Relu", ["s"], ["r1"])
            .Node("Relu", ["x2"], ["r2"])
            .Node("Sub", ["r1", "r2"], ["d"])
            .Node("Relu", ["d"], ["y"])
            .Output("y").Bytes();
        return OnnxImporter.Parse(bytes, "basic-model-3");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Captum_simple_multi_input(OcclusionMode mode)
    {
        // test_simple_multi_input: inputs (-10, -5) and (3, 1), window 1; Captum expects 0 and 1 for the first input.
        AssertClose([0f], Attribution(BasicModel3(-5f), [-10f], Size2.Square(1), Size2.Square(1), new TensorFill(0f), mode), "first sample");
        AssertClose([1f], Attribution(BasicModel3(1f), [3f], Size2.Square(1), Size2.Square(1), new TensorFill(0f), mode), "second sample");
    }

    public static TheoryData<OcclusionMode, int, int, bool> ImageCases => new()
    {
        { OcclusionMode.Naive, 8, 5, false },
        { OcclusionMode.Exact, 8, 5, false },
        { OcclusionMode.Exact, 8, 5, true },
        { OcclusionMode.Exact, 12, 7, true },
        { OcclusionMode.Naive, 16, 16, true },
    };

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void Image_sized_maps_equal_captums_algorithm(OcclusionMode mode, int window, int stride, bool tensorBaseline)
    {
        var model = TinyMixedFile.Model;
        var image = TinyMixedFile.Image;
        var random = new Random(window * 31 + stride);
        var baseline = tensorBaseline
            ? Enumerable.Range(0, image.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()
            : Enumerable.Repeat(0.3f, image.Length).ToArray();
        Fill fill = tensorBaseline ? new BaselineTensorFill(baseline) : new TensorFill(0.3f);
        int target = TargetOf(image);
        var spec = new OcclusionSpec(Size2.Square(window), Size2.Square(stride), fill, Target: target, Value: ValueKind.Delta);
        var e = Explainer.Explain(new ExplainRequest(model, image, spec, Preprocessing.None) { Method = new(mode), Resources = new() { BatchSize = 16 } });
        var expected = CaptumOcclusion(image, baseline, window, stride, target);
        Assert.True(expected.Max() - expected.Min() > 1e-3, "a flat attribution could not tell the windows apart");
        AssertClose(expected, e.Grid.PerPixel(e.HeatMap), $"{mode}, window {window}, stride {stride}");
    }

    private static int TargetOf(float[] image)
    {
        using var session = new OnnxSession(File.ReadAllBytes(TestFiles.TinyMixed));
        var output = session.RunSingle(TinyMixedFile.Model.InputName, image, [1, TinyMixedFile.C, TinyMixedFile.H, TinyMixedFile.W]).Values;
        return Array.IndexOf(output, output.Max());
    }

    /// <summary>
    /// Captum's Occlusion.attribute on the original file, written out: shift counts ⌈(S − w) / s⌉ + 1
    /// per spatial axis (the window spans every channel), each window cut off at the border, the
    /// occluded input x·(1 − mask) + baseline·mask, and the total of (f(x) − f(occluded))·mask divided by
    /// the number of windows covering each element. f is the file's output for <paramref name="target"/>.
    /// </summary>
    private static float[] CaptumOcclusion(float[] x, float[] baseline, int window, int stride, int target)
    {
        const int c = TinyMixedFile.C, h = TinyMixedFile.H, w = TinyMixedFile.W;
        using var session = new OnnxSession(File.ReadAllBytes(TestFiles.TinyMixed));
        float F(float[] input) => session.RunSingle(TinyMixedFile.Model.InputName, input, [1, c, h, w]).Values[target];
        int shifts = (int)Math.Ceiling((h - window) / (double)stride) + 1;
        float initial = F(x);
        var total = new double[h * w];
        var weights = new double[h * w];
        for (int i = 0; i < shifts; i++)
            for (int j = 0; j < shifts; j++)
            {
                var mask = new bool[h * w];
                for (int y = i * stride; y < Math.Min(i * stride + window, h); y++)
                    for (int q = j * stride; q < Math.Min(j * stride + window, w); q++) mask[y * w + q] = true;
                var occluded = (float[])x.Clone();
                for (int k = 0; k < c; k++)
                    for (int p = 0; p < h * w; p++)
                        if (mask[p]) occluded[k * h * w + p] = baseline[k * h * w + p];
                double diff = initial - F(occluded);
                for (int p = 0; p < h * w; p++)
                    if (mask[p]) { total[p] += diff; weights[p] += 1; }
            }
        return total.Select((t, p) => (float)(t / weights[p])).ToArray();
    }
}
