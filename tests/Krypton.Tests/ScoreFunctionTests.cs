using Krypton.Compilation;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Explain;
using Krypton.Runtime;
using Krypton.Spec;
using Krypton.Planning;

namespace Krypton.Tests;

/// <summary>
/// Probabilities as the model means them: a final sigmoid (multi-label, or binary with one output)
/// gives each output its own probability, and a single output without one is a binary logit; a
/// softmax across them would make a one-output map flat at 1. ONNX Runtime on the original is the reference.
/// </summary>
public class ScoreFunctionTests
{
    private const int H = 8, W = 8;

    private static float[] Rand(Random r, int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();

    /// <summary>x [N, 3, 8, 8] → Conv 3×3 → Relu → GlobalAveragePool → Flatten → Gemm (outputs) → the final activation, if any.</summary>
    private static byte[] Classifier(int outputs, bool sigmoid) => Classifier(outputs, sigmoid ? "Sigmoid" : null);

    private static byte[] Classifier(int outputs, string? final)
    {
        var r = new Random(21 + outputs);
        var m = new OnnxTestModel(13, [1, 3, H, W])
            .Floats("w", [6, 3, 3, 3], Rand(r, 162)).Floats("d", [outputs, 6], Rand(r, 6 * outputs).Select(v => 4 * v).ToArray()).Floats("db", [outputs], Rand(r, outputs))
            .Node("Conv", ["x", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["c"], ["a"])
            .Node("GlobalAveragePool", ["a"], ["p"])
            .Node("Flatten", ["p"], ["f"])
            .Node("Gemm", ["f", "d", "db"], [final is null ? "y" : "z"], attrs: OnnxAttr.Int("transB", 1));
        if (final is not null) m.Node(final, ["z"], ["y"], attrs: final == "LogSoftmax" ? [OnnxAttr.Int("axis", 1)] : []);
        return m.Output("y").Bytes();
    }

    private static readonly OcclusionSpec Spec = new(Size2.Square(3), Size2.Square(2), new TensorFill(0f));

    /// <summary>The original model's outputs on the image occluded at each cell of the grid, [cells, outputs].</summary>
    private static float[][] OriginalOnOccludedCopies(byte[] original, float[] image, OcclusionGrid grid)
    {
        using var session = new OnnxSession(original);
        return Enumerable.Range(0, grid.Count).Select(cell =>
        {
            var patch = grid.PatchAt(cell);   // cut off at the border, as the default grid's last row and column are
            var copy = (float[])image.Clone();
            for (int k = 0; k < 3; k++)
                for (int y = patch.Y; y < patch.Y + patch.Height; y++)
                    for (int x = patch.X; x < patch.X + patch.Width; x++) copy[(k * H + y) * W + x] = 0f;
            return session.RunSingle("x", copy, [1, 3, H, W]).Values;
        }).ToArray();
    }

    [Theory]
    [InlineData(OcclusionMode.Naive)]
    [InlineData(OcclusionMode.Exact)]
    public void A_final_sigmoid_gives_each_output_its_own_probability(OcclusionMode mode)
    {
        byte[] original = Classifier(4, sigmoid: true);
        var model = OnnxImporter.Parse(original, "multi-label");
        Assert.Equal(ScoreFunction.Sigmoid, ScoreHead.Logits(model).Scores);
        var image = ExactVsNaive.Input(model, 9);
        var grid = new OcclusionGrid(H, W, Spec.Patch, Spec.Stride);
        var expected = OriginalOnOccludedCopies(original, image, grid);

        var e = Explainer.Explain(new ExplainRequest(model, image, Spec with { Target = TargetSelection.All }, Preprocessing.None) { Method = new(mode) });
        using var session = new OnnxSession(original);
        var unoccluded = session.RunSingle("x", image, [1, 3, H, W]).Values;
        foreach (var m in e.Maps)
        {
            Assert.Equal(unoccluded[m.Target], m.UnoccludedProbability, 1e-5f);
            for (int cell = 0; cell < grid.Count; cell++)
                Assert.Equal(expected[cell][m.Target], m.HeatMap[cell], 1e-5f);
        }
        // Independent labels: the probabilities need not sum to one.
        Assert.True(Math.Abs(unoccluded.Sum() - 1) > 0.05, $"sum {unoccluded.Sum()}");
        var logit = Explainer.Explain(new ExplainRequest(model, image, Spec with { Target = 1, Value = ValueKind.Logit }, Preprocessing.None) { Method = new(mode) });
        Assert.Equal(MathF.Log(unoccluded[1] / (1 - unoccluded[1])), logit.UnoccludedValue, 1e-4f);
    }

    [Fact]
    public void A_final_log_softmax_gives_the_probabilities_it_is_the_logarithm_of()
    {
        byte[] original = Classifier(5, "LogSoftmax");
        var model = OnnxImporter.Parse(original, "log-softmax");
        var image = ExactVsNaive.Input(model, 12);
        var grid = new OcclusionGrid(H, W, Spec.Patch, Spec.Stride);
        var logProbabilities = OriginalOnOccludedCopies(original, image, grid);
        var e = Explainer.Explain(new ExplainRequest(model, image, Spec with { Target = 3 }, Preprocessing.None));
        for (int cell = 0; cell < grid.Count; cell++)
            Assert.Equal(MathF.Exp(logProbabilities[cell][3]), e.HeatMap[cell], 1e-5f);
        // Five outputs, all among the top classes: one distribution.
        Assert.Equal(1f, e.TopClasses.Sum(c => c.Probability), 1e-5f);
        ExactVsNaive.Check(model, image, Spec with { Value = ValueKind.Logit, Stride = Size2.Square(1) }, "log-softmax");
    }

    [Fact]
    public void A_softmax_before_a_final_identity_is_still_the_score_function()
    {
        // Some exporters end with Identity (or Dropout) after the softmax: its probabilities must
        // not go through a second softmax.
        byte[] plain = Classifier(4, "Softmax");
        var withIdentity = Onnx.Proto.ModelProto.Parser.ParseFrom(plain);
        var g = withIdentity.Graph;
        g.Node.Single(n => n.OpType == "Softmax").Output[0] = "s";
        g.Node.Add(new Onnx.Proto.NodeProto { OpType = "Identity", Input = { "s" }, Output = { "y" } });
        byte[] original = Google.Protobuf.MessageExtensions.ToByteArray(withIdentity);
        var model = OnnxImporter.Parse(original, "softmax-identity");
        Assert.True(model.EndsWithSoftmax);
        var image = ExactVsNaive.Input(model, 13);
        var grid = new OcclusionGrid(H, W, Spec.Patch, Spec.Stride);
        var probabilities = OriginalOnOccludedCopies(original, image, grid);
        var e = Explainer.Explain(new ExplainRequest(model, image, Spec with { Target = 2 }, Preprocessing.None));
        for (int cell = 0; cell < grid.Count; cell++)
            Assert.Equal(probabilities[cell][2], e.HeatMap[cell], 1e-5f);
    }

    [Fact]
    public void A_single_output_without_activation_is_a_binary_logit()
    {
        byte[] original = Classifier(1, sigmoid: false);
        var model = OnnxImporter.Parse(original, "binary");
        var image = ExactVsNaive.Input(model, 10);
        var grid = new OcclusionGrid(H, W, Spec.Patch, Spec.Stride);
        var logits = OriginalOnOccludedCopies(original, image, grid);

        var e = Explainer.Explain(new ExplainRequest(model, image, Spec, Preprocessing.None));
        Assert.Equal(0, e.Target);
        for (int cell = 0; cell < grid.Count; cell++)
            Assert.Equal(1 / (1 + MathF.Exp(-logits[cell][0])), e.HeatMap[cell], 1e-5f);
        Assert.True(e.HeatMap.Max() - e.HeatMap.Min() > 1e-3, "the map is flat");
    }

    [Fact]
    public void Exact_equals_naive_on_a_sigmoid_model()
    {
        var model = OnnxImporter.Parse(Classifier(3, sigmoid: true), "multi-label");
        ExactVsNaive.Check(model, ExactVsNaive.Input(model, 11), Spec with { Value = ValueKind.Logit, Stride = Size2.Square(1) }, "sigmoid");
    }
}
