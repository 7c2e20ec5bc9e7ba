using System.Text.Json;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Models outside the closed op set run as one opaque network, naively: a small vision transformer
/// exported by PyTorch (TestData/export_tiny_vit.py) with a dynamic and with a fixed batch, and
/// hand-built files with an operator Krypton does not reason about. Heat maps are checked against
/// the original file, run by ONNX Runtime on occluded copies built here.
/// </summary>
public sealed class OpaqueNetworkTests
{
    private const int C = 3, S = 32;
    private static string Vit => TestFiles.Path_("zoo_tiny_vit.onnx");
    private static string VitBatch1 => TestFiles.Path_("zoo_tiny_vit_batch1.onnx");
    private static float[] VitInput => NpyFile.ReadImageTensor(TestFiles.Path_("zoo_tiny_vit_input.npy")).Data;
    private const float Gray = 0.2f;

    private static Explanation Explain(ModelGraph model, float[] input, OcclusionMode mode = OcclusionMode.Naive, int? batch = null) =>
        Explainer.Explain(new ExplainRequest(model, input, new OcclusionSpec(Size2.Square(8), Size2.Square(4), new TensorFill(Gray)), Preprocessing.None) { Method = new(mode), Resources = new() { BatchSize = batch } });

    /// <summary>The softmax of the file's own output for one image, at <paramref name="target"/>.</summary>
    private static float FileProbability(string file, float[] image, long[] shape, int target)
    {
        using var session = new OnnxSession(File.ReadAllBytes(file));
        return TinyMixedFile.SoftmaxAt(session.RunSingle("pixels", image, shape).Values, target);
    }

    [Theory]
    [InlineData("zoo_tiny_vit.onnx")]
    [InlineData("zoo_tiny_vit_batch1.onnx")]
    public void Vision_transformer_map_equals_the_file_on_occluded_copies(string file)
    {
        var model = OnnxImporter.Load(TestFiles.Path_(file));
        Assert.NotNull(model.OpaqueReason);
        var e = Explain(model, VitInput);
        Assert.True(e.HeatMap.Max() - e.HeatMap.Min() > 1e-3, "a flat map cannot show the patch was applied");
        Assert.Equal(FileProbability(Vit, VitInput, [1, C, S, S], e.Target), e.UnoccludedProbability, 1e-5f);
        foreach (int cell in new[] { 0, 23, e.HeatMap.Length - 1 })
        {
            var patch = e.Grid.PatchAt(cell);
            var copy = VitInput;
            for (int ch = 0; ch < C; ch++)
                for (int r = patch.Y; r < patch.Y + patch.Height; r++)
                    Array.Fill(copy, Gray, (ch * S + r) * S + patch.X, patch.Width);
            Assert.Equal(FileProbability(Vit, copy, [1, C, S, S], e.Target), e.HeatMap[cell], 1e-5f);
        }
    }

    [Fact]
    public void A_file_that_fixes_its_batch_runs_one_image_per_call()
    {
        var fixedBatch = OnnxImporter.Load(VitBatch1);
        var dynamic = OnnxImporter.Load(Vit);
        Assert.Equal(1, fixedBatch.MaxBatch);
        Assert.Equal(int.MaxValue, dynamic.MaxBatch);
        var one = Explain(fixedBatch, VitInput);
        var many = Explain(dynamic, VitInput);
        Assert.Equal(1, one.BatchSize);
        Assert.True(many.BatchSize > 1);
        for (int i = 0; i < one.HeatMap.Length; i++) Assert.Equal(many.HeatMap[i], one.HeatMap[i], 1e-6f);
        var error = Assert.Throws<KryptonException>(() => Explain(fixedBatch, VitInput, batch: 4));
        Assert.Contains("fixes its batch at 1", error.Message);
    }

    [Fact]
    public void A_symbolic_batch_that_a_reshape_pins_to_one_is_found_out()
    {
        // The input says N, but a Reshape to [1, 48] only takes one image: measured, not believed.
        var rng = new Random(2);
        var bytes = new OnnxTestModel(13, [1, 3, 4, 4])
            .Node("Round", ["x"], ["r"], "round_layer").Int64s("pinned", 1, 48)
            .Node("Reshape", ["r", "pinned"], ["f"])
            .Floats("w", [48, 3], Enumerable.Range(0, 144).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray())
            .Node("MatMul", ["f", "w"], ["y"]).Output("y").Bytes();
        var model = OnnxImporter.Parse(bytes, "pinned");
        Assert.Equal(1, model.MaxBatch);
        var image = ExactVsNaive.Input(model, 1).Select(v => 3 * v).ToArray();
        var e = Explainer.Explain(new ExplainRequest(model, image, new OcclusionSpec(Size2.Square(2), Size2.Square(1), Fill.Black), Preprocessing.None));
        Assert.Equal(1, e.BatchSize);
        Assert.Equal(9, e.HeatMap.Length);
        Assert.Equal(int.MaxValue, OnnxImporter.Load(Vit).MaxBatch);

        // The failed trial run at batch 2 stays quiet: no ONNX Runtime log line reaches the user.
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("pinned.onnx"), bytes);
        NpyFile.Write(dir.File("x.npy"), image, [3, 4, 4]);
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", dir.File("pinned.onnx"), "--input", dir.File("x.npy"),
            "--patch", "2", "--stride", "1", "--fill", "tensor:0", "--out", dir.File("out"));
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("onnxruntime", stdout + stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Tuning_an_opaque_network_sweeps_tau_1_only()
    {
        // Every τ runs the same naive map here: only drill-down has something to tune.
        var model = OnnxImporter.Load(Vit);
        var images = Enumerable.Range(0, 3).Select(i => ($"img{i}", new Lazy<float[]>(() => ExactVsNaive.Input(model, 30 + i)))).ToList();
        var options = new Krypton.Tuning.TuneOptions(0.8, [1.0, 0.6], [new DrillDown(2, 0.25)], HoldOut: 1, NaivePositions: 16, BatchSize: 16);
        var profile = Krypton.Tuning.Tuner.Run(model, Planning.ProfileModel.Of(model, "tiny vit", null), images,
            new OcclusionSpec(Size2.Square(4), Size2.Square(2), new TensorFill(Gray)), Preprocessing.None, options);
        Assert.Equal([1.0], profile.Taus);
    }

    [Fact]
    public void Exact_mode_falls_back_to_naive_and_says_why()
    {
        var e = Explain(OnnxImporter.Load(Vit), VitInput, OcclusionMode.Exact);
        Assert.Equal("naive", e.Mode);
        Assert.Contains("opaque network", e.FallbackReason);
        Assert.Contains("unsupported operator", e.FallbackReason);
    }

    [Fact]
    public void Work_parameters_and_memory_are_measured()
    {
        var model = OnnxImporter.Load(Vit);
        Assert.Equal(5, model.OutputSize);
        // The architecture by hand: a 4x4 patch embedding, two blocks over 65 tokens of width 32
        // (4 heads of 8), a head of 5 classes.
        const long tokens = 65, d = 32;
        long embed = 64 * d * (3 * 4 * 4);
        long block = tokens * d * 3 * d + 2 * (4 * tokens * tokens * 8) + tokens * d * d + 2 * tokens * d * 2 * d;
        Assert.Equal(embed + 2 * block + 5 * d, model.MultiplyAdds);
        long parameters = (3 * 16 * d + d) + d + tokens * d
            + 2 * (2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * 2 * d + 2 * d) + (2 * d * d + d)) + 2 * d + (d * 5 + 5);
        Assert.Equal(parameters, model.ParameterCount);
        // Inside: at least both blocks' attention maps (4 x 65 x 65 floats each).
        Assert.True(model.ActivationBytes > 2 * 4 * 4 * tokens * tokens);
    }

    [Fact]
    public void A_final_softmax_is_read_as_the_score_function()
    {
        // Round has no meaning to the closed op set; the softmax after it is taken out, as for any model.
        // (An Identity after it, as some exporters write, goes with it.)
        var bytes = new OnnxTestModel(13, [1, 3, 8, 8])
            .Node("Mul", ["x", "k"], ["m"]).Floats("k", [], [4f])
            .Node("Round", ["m"], ["r"], "round_layer")
            .Node("GlobalAveragePool", ["r"], ["g"]).Node("Flatten", ["g"], ["f"])
            .Node("Softmax", ["f"], ["p"], "probabilities", OnnxAttr.Int("axis", 1))
            .Node("Identity", ["p"], ["y"]).Output("y").Bytes();
        var model = OnnxImporter.Parse(bytes, "round");
        Assert.Contains("unsupported operator 'Round' at node 'round_layer'", model.OpaqueReason);
        Assert.True(model.EndsWithSoftmax);
        var image = ExactVsNaive.Input(model, 4);
        var e = Explainer.Explain(new ExplainRequest(model, image, new OcclusionSpec(Size2.Square(4), Size2.Square(2), Fill.Black), Preprocessing.None));
        using var session = new OnnxSession(bytes);
        var (probabilities, _) = session.RunSingle("x", image, [1, 3, 8, 8]);
        Assert.Equal(probabilities[e.Target], e.UnoccludedProbability, 1e-6f);
        Assert.Equal(probabilities.Max(), e.UnoccludedProbability, 1e-6f);
    }

    [Fact]
    public void A_softmax_over_the_channels_of_a_1x1_map_is_read_as_the_score_function()
    {
        // [N, K, 1, 1] probabilities (a 1x1 convolution head, softmax over axis 1): not a softmax of them again.
        var r = new Random(4);
        var bytes = new OnnxTestModel(13, [1, 3, 8, 8])
            .Node("Round", ["x"], ["r"], "round_layer")
            .Node("GlobalAveragePool", ["r"], ["g"])
            .Floats("w", [5, 3, 1, 1], Enumerable.Range(0, 15).Select(_ => (float)r.NextDouble() - 0.5f).ToArray())
            .Node("Conv", ["g", "w"], ["c"], attrs: OnnxAttr.Ints("kernel_shape", 1, 1))
            .Node("Softmax", ["c"], ["y"], attrs: OnnxAttr.Int("axis", 1)).Output("y").Bytes();
        var model = OnnxImporter.Parse(bytes, "conv-head");
        Assert.True(model.EndsWithSoftmax);
        var image = ExactVsNaive.Input(model, 9).Select(v => 3 * v).ToArray();
        var e = Explainer.Explain(new ExplainRequest(model, image, new OcclusionSpec(Size2.Square(4), Size2.Square(2), Fill.Black), Preprocessing.None));
        using var session = new OnnxSession(bytes);
        var (probabilities, _) = session.RunSingle("x", image, [1, 3, 8, 8]);
        Assert.Equal(probabilities[e.Target], e.UnoccludedProbability, 1e-6f);
        OnnxImportTests.AssertSameAsOriginal(bytes);
    }

    [Fact]
    public void A_channels_last_file_takes_the_patch_on_the_image_axes()
    {
        // N×H×W×C in, a Transpose to channels-first, an operator outside the set, a linear head.
        const int h = 6, w = 10;
        var rng = new Random(3);
        var weights = Enumerable.Range(0, 4 * 3 * h * w).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var bytes = new OnnxTestModel(13, [1, h, w, 3])
            .Node("Transpose", ["x"], ["t"], attrs: OnnxAttr.Ints("perm", 0, 3, 1, 2))
            .Node("Round", ["t"], ["r"], "round_layer")
            .Node("Flatten", ["r"], ["f"]).Floats("wt", [3 * h * w, 4], weights)
            .Node("MatMul", ["f", "wt"], ["y"]).Output("y").Bytes();
        var model = OnnxImporter.Parse(bytes, "channels-last");
        Assert.Equal([1, 3, h, w], model.InputShape);
        var image = ExactVsNaive.Input(model, 8).Select(v => 3 * v).ToArray();
        var e = Explainer.Explain(new ExplainRequest(model, image, new OcclusionSpec(new Size2(2, 3), Size2.Square(2), new TensorFill(0f)), Preprocessing.None));
        using var session = new OnnxSession(bytes);
        foreach (int cell in new[] { 1, e.HeatMap.Length - 2 })
        {
            var (y, x) = e.Grid.Origin(cell / e.Grid.Columns, cell % e.Grid.Columns);
            var hwc = new float[h * w * 3];
            for (int c = 0; c < 3; c++)
                for (int r = 0; r < h; r++)
                    for (int q = 0; q < w; q++)
                        hwc[(r * w + q) * 3 + c] = r >= y && r < y + 2 && q >= x && q < x + 3 ? 0f : image[(c * h + r) * w + q];
            Assert.Equal(TinyMixedFile.SoftmaxAt(session.RunSingle("x", hwc, [1, h, w, 3]).Values, e.Target), e.HeatMap[cell], 1e-5f);
        }
    }

    [Fact]
    public void The_file_runs_as_written_after_the_reader_turned_a_view()
    {
        // A channels-last view whose constant the reader turns (Swin's first layer norm, in small),
        // then an operator outside the set: the opaque network is the file, not the reader's rewrite.
        var bytes = new OnnxTestModel(13, [1, 3, 4, 4])
            .Node("Transpose", ["x"], ["t"], attrs: OnnxAttr.Ints("perm", 0, 2, 3, 1))
            .Floats("c", [3], [0.5f, -1f, 2f]).Node("Mul", ["t", "c"], ["m"])
            .Node("Transpose", ["m"], ["b"], attrs: OnnxAttr.Ints("perm", 0, 3, 1, 2))
            .Node("Round", ["b"], ["r"], "round_layer")
            .Node("GlobalAveragePool", ["r"], ["g"]).Node("Flatten", ["g"], ["y"]).Output("y").Bytes();
        var model = OnnxImporter.Parse(bytes, "view-then-round");
        Assert.NotNull(model.OpaqueReason);
        var image = ExactVsNaive.Input(model, 6).Select(v => 4 * v).ToArray();
        var e = Explainer.Explain(new ExplainRequest(model, image, new OcclusionSpec(Size2.Square(2), Size2.Square(2), Fill.Black), Preprocessing.None));
        using var session = new OnnxSession(bytes);
        Assert.Equal(TinyMixedFile.SoftmaxAt(session.RunSingle("x", image, [1, 3, 4, 4]).Values, e.Target), e.UnoccludedProbability, 1e-6f);
    }

    [Fact]
    public void Cli_explains_a_vision_transformer_and_says_how()
    {
        using var dir = new TempFolder();
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", Vit, "--input", TestFiles.Path_("zoo_tiny_vit_input.npy"),
            "--patch", "8", "--stride", "8", "--fill", "tensor:0.5", "--out", dir.File("out"));
        Assert.True(code == 0, stderr);
        Assert.Contains("ran in naive mode because the model is run as one opaque network", stdout + stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("out/explanation.json")));
        Assert.Equal("naive", doc.RootElement.GetProperty("plan").GetProperty("mode").GetString());
        var (analyzeCode, analysis, analyzeErr) = CliTests.Krypton("analyze", "--model", Vit, "--patch", "8");
        Assert.True(analyzeCode == 0, analyzeErr);
        Assert.Contains("run as one opaque network", analysis);
        Assert.Contains("R = 1.00", analysis);
    }
}
