using System.Text.Json;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Fills that vary over the image. Blur: the image under the patch, blurred with a Gaussian,
/// checked against torchvision's gaussian_blur (TestData/make_blur_reference.py). Baseline: another
/// image's pixels. Naive maps are checked against occluded copies built here and scored by ONNX
/// Runtime on the original file; exact and approximate incremental inference against naive.
/// </summary>
public sealed class ImageFillTests : IDisposable
{
    private const int C = TinyMixedFile.C, H = TinyMixedFile.H, W = TinyMixedFile.W;
    private static ModelGraph Model => TinyMixedFile.Model;
    private static float[] Image => TinyMixedFile.Image;
    private readonly TinyMixedFile _reference = new();

    public void Dispose() => _reference.Dispose();

    private float Probability(float[] image, int target) => _reference.Probability(image, target);

    private static float[] Reference(string name) => NpyFile.Read(TestFiles.Path_(name)).Data;

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = Enumerable.Range(0, expected.Length).MaxBy(i => Math.Abs(expected[i] - actual[i]));
        Assert.True(Math.Abs(expected[worst] - actual[worst]) <= tolerance,
            $"{what}: value {worst} is {actual[worst]}, expected {expected[worst]}");
    }

    [Theory]
    [InlineData(null, 8, "blur_golden_sigma4.npy")]     // the default: half the patch
    [InlineData(1.5f, 8, "blur_golden_sigma1.5.npy")]
    public void Blur_equals_torchvision(float? sigma, int patch, string reference)
    {
        var blurred = FillValues.Image(new BlurFill(sigma), Image, C, H, W, Preprocessing.None, Size2.Square(patch));
        AssertClose(Reference(reference), blurred, 1e-5f, reference);
    }

    [Fact]
    public void Blur_kernel_is_clamped_to_the_shorter_side()
    {
        // σ 8 asks for radius 24; a 20-pixel side allows 19 (reflect padding reaches no further).
        Assert.Equal(19, Compilation.BlurGraph.Radius(8, 20, 24));
        var blurred = FillValues.Image(new BlurFill(8), Reference("blur_small_1x3x20x24.npy"), 3, 20, 24, Preprocessing.None, Size2.Square(4));
        AssertClose(Reference("blur_small_sigma8.npy"), blurred, 1e-5f, "sigma 8 on 20x24");
    }

    [Fact]
    public void Naive_map_equals_copies_occluded_with_torchvision_blur() =>
        AssertNaiveMapIsCopiesOccludedWith(Fill.Blur, Reference("blur_golden_sigma4.npy"));

    /// <summary>
    /// The naive map (patch 8, stride 8) at three cells equals the original ONNX file's probability
    /// on the image with that patch's pixels taken from <paramref name="fillImage"/>.
    /// </summary>
    private Explanation AssertNaiveMapIsCopiesOccludedWith(Fill fill, float[] fillImage)
    {
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(8), fill);
        var e = Explainer.Explain(new ExplainRequest(Model, Image, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive) });
        Assert.True(e.HeatMap.Max() - e.HeatMap.Min() > 1e-3, "a flat map cannot tell fills apart");
        foreach (int cell in new[] { 0, 27, e.HeatMap.Length - 1 })
        {
            var patch = e.Grid.PatchAt(cell);
            var copy = (float[])Image.Clone();
            for (int ch = 0; ch < C; ch++)
                for (int r = patch.Y; r < patch.Y + patch.Height; r++)
                    Array.Copy(fillImage, (ch * H + r) * W + patch.X, copy, (ch * H + r) * W + patch.X, patch.Width);
            Assert.Equal(Probability(copy, e.Target), e.HeatMap[cell], 1e-5f);
        }
        return e;
    }

    [Fact]
    public void Blur_map_is_not_the_gray_map()
    {
        var blur = Explainer.Explain(new ExplainRequest(Model, Image, new OcclusionSpec(Size2.Square(8), Size2.Square(8), Fill.Blur), Preprocessing.ImageNet));
        var gray = Explainer.Explain(new ExplainRequest(Model, Image, new OcclusionSpec(Size2.Square(8), Size2.Square(8), Fill.Gray), Preprocessing.ImageNet));
        Assert.Empty(blur.FillValues);
        Assert.Equal(3, gray.FillValues.Length);
        Assert.True(blur.HeatMap.Zip(gray.HeatMap).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Theory]
    [InlineData(8, 4, null)]
    [InlineData(8, 4, 2.5f)]
    [InlineData(12, 8, null)]
    public void Exact_equals_naive(int patch, int stride, float? sigma)
    {
        var fill = new BlurFill(sigma);
        ExactVsNaive.Check(Model, Image, new OcclusionSpec(Size2.Square(patch), Size2.Square(stride), fill, Value: ValueKind.Logit), $"blur patch {patch}");
        // The patch flush with the bottom-right corner reads the blurred image's last rows and columns.
        ExactVsNaive.Check(Model, Image, ExactVsNaive.Corner(Model, Size2.Square(patch), fill), $"blur patch {patch} corner", expectRange: false);
    }

    [Fact]
    public void Builtin_resnet18_exact_equals_naive()
    {
        var model = Architectures.BuiltinModels.Create("resnet18", Architectures.WeightSource.Random(0), 224);
        var input = ExactVsNaive.Input(model, 5);
        ExactVsNaive.Check(model, input, new OcclusionSpec(Size2.Square(16), Size2.Square(52), Fill.Blur, Value: ValueKind.Logit), "resnet18 blur");
    }

    [Fact]
    public void Drill_down_computes_its_cells_as_exact_does()
    {
        // Adaptive drill-down runs the incremental graph on the coarse cells, then on the refined
        // ones: those cells carry the exact map's values; the rest are interpolated.
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(2), Fill.Blur);
        var drill = new DrillDown(3, 0.25);
        var exact = Explainer.Explain(new ExplainRequest(Model, Image, spec, Preprocessing.None));
        var approximate = Explainer.Explain(new ExplainRequest(Model, Image, spec, Preprocessing.None) { Method = new(DrillDown: drill) });
        var (coarse, refined) = drill.Counts(exact.Grid);
        int same = exact.HeatMap.Zip(approximate.HeatMap).Count(p => Math.Abs(p.First - p.Second) <= 1e-5f);
        Assert.True(same >= coarse + refined, $"{same} cells equal the exact map, drill-down computed {coarse} + {refined}");
        Assert.True(same < exact.HeatMap.Length, "every cell equal: drill-down did not run");
    }

    [Fact]
    public void Faithfulness_deletes_with_the_blur()
    {
        // The full grid covers the whole image, so deletion ends (and insertion starts) at the fully blurred image.
        var request = new ExplainRequest(Model, Image, new OcclusionSpec(Size2.Square(16), Size2.Square(4), Fill.Blur), Preprocessing.None);
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 10));
        Assert.Equal(e.UnoccludedProbability, f.Deletion.HeatMap[0], 1e-5f);
        var fullyBlurred = FillValues.Image(Fill.Blur, Image, C, H, W, Preprocessing.None, Size2.Square(16));
        Assert.Equal(Probability(fullyBlurred, e.Target), f.Deletion.HeatMap[^1], 1e-5f);
        Assert.Equal(Probability(fullyBlurred, e.Target), f.Insertion.HeatMap[0], 1e-5f);
    }

    [Theory]
    [InlineData("blur", null)]
    [InlineData("BLUR:2.5", 2.5f)]
    [InlineData(" blur:1e1 ", 10f)]
    public void Parse_reads_blur(string text, float? sigma)
    {
        var fill = Assert.IsType<BlurFill>(Fill.Parse(text));
        Assert.Equal(sigma, fill.Sigma);
        Assert.False(fill.IsUniform);
        Assert.Equal(fill, Fill.Parse(fill.ToString()));
    }

    [Fact]
    public void Parse_reads_a_baseline_path_as_written()
    {
        Assert.Equal(new BaselineFill("Scans/Normal Chest.PNG"), Fill.Parse(" BASELINE:Scans/Normal Chest.PNG "));
        Assert.Equal("baseline:a.npy", Fill.Parse("baseline:a.npy").ToString());
        Assert.Contains("needs a file", Assert.Throws<KryptonException>(() => Fill.Parse("baseline:")).Message);
    }

    [Theory]
    [InlineData("blur:0")]
    [InlineData("blur:-2")]
    [InlineData("blur:wide")]
    [InlineData("blur:")]
    public void Parse_refuses_a_bad_sigma(string text)
    {
        var e = Assert.Throws<KryptonException>(() => Fill.Parse(text));
        Assert.Contains("sigma", e.Message);
    }

    [Fact]
    public void Cli_explains_with_a_blur_and_records_its_sigma()
    {
        using var dir = new TempFolder();
        string output = dir.File("out");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", CliTests.GoldenImageNpy(dir.Path),
            "--patch", "8", "--stride", "8", "--fill", "blur:3", "--out", output, "--report", dir.File("report.html"), "--quiet");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "explanation.json")));
        var spec = doc.RootElement.GetProperty("spec");
        Assert.Equal("blur:3", spec.GetProperty("fill").GetString());
        Assert.Equal(3, spec.GetProperty("fill_blur_sigma").GetSingle());
        Assert.Equal(0, spec.GetProperty("fill_model_space").GetArrayLength());
        Assert.Contains("blurred with a Gaussian of σ 3 pixels", File.ReadAllText(dir.File("report.html")));

        var (bad, _, badErr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", CliTests.GoldenImageNpy(dir.Path),
            "--fill", "blur:0", "--out", dir.File("bad"));
        Assert.Equal(2, bad);
        Assert.Single(badErr.Trim().Split('\n'));
        Assert.Contains("sigma", badErr);
        Assert.False(Directory.Exists(dir.File("bad")) && Directory.EnumerateFileSystemEntries(dir.File("bad")).Any());
    }

    /// <summary>A seeded baseline in the model's input space, unlike the image everywhere.</summary>
    private static float[] Baseline()
    {
        var r = new Random(21);
        return Enumerable.Range(0, C * H * W).Select(_ => (float)(4 * r.NextDouble() - 2)).ToArray();
    }

    [Fact]
    public void Naive_map_equals_copies_occluded_with_the_baseline()
    {
        var fill = new BaselineTensorFill(Baseline());
        var e = AssertNaiveMapIsCopiesOccludedWith(fill, fill.Tensor);
        var spec = e.Spec;
        ExactVsNaive.Check(Model, Image, spec with { Value = ValueKind.Logit, Stride = Size2.Square(4) }, "baseline tensor");
    }

    [Theory]
    [InlineData(OcclusionMode.Naive)]
    [InlineData(OcclusionMode.Exact)]
    public void The_image_as_its_own_baseline_changes_nothing(OcclusionMode mode)
    {
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(4), new BaselineTensorFill((float[])Image.Clone()));
        var e = Explainer.Explain(new ExplainRequest(Model, Image, spec, Preprocessing.None) { Method = new(mode) });
        Assert.All(e.HeatMap, v => Assert.Equal(e.UnoccludedProbability, v, 1e-6f));
    }

    [Fact]
    public void A_baseline_of_the_wrong_size_is_refused()
    {
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(4), new BaselineTensorFill(new float[C * H * (W - 1)]));
        var e = Assert.Throws<KryptonException>(() => Explainer.Explain(new ExplainRequest(Model, Image, spec, Preprocessing.None)));
        Assert.Contains("baseline tensor", e.Message);
    }

    [Fact]
    public void Cli_takes_a_baseline_picture_or_tensor_prepared_like_the_input()
    {
        using var dir = new TempFolder();
        string input = CliTests.GoldenImageNpy(dir.Path);
        // The input as its own baseline: nothing changes under any patch.
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input,
            "--patch", "8", "--stride", "8", "--fill", $"baseline:{input}", "--out", dir.File("same"), "--quiet");
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(File.ReadAllText(dir.File("same/explanation.json"))))
        {
            var spec = doc.RootElement.GetProperty("spec");
            Assert.Equal($"baseline:{input}", spec.GetProperty("fill").GetString());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(input))), spec.GetProperty("fill_sha256").GetString());
            float unoccluded = doc.RootElement.GetProperty("result").GetProperty("unoccluded_probability").GetSingle();
            Assert.All(NpyFile.Read(dir.File("same/heatmap.npy")).Data, v => Assert.Equal(unoccluded, v, 1e-6f));
        }

        // A picture baseline goes through the model's resize and normalization, like the input:
        // a black picture is the black fill. Both are in pixel values, so with a tensor input the
        // normalization is stated.
        string black = dir.File("black.png");
        using (var bitmap = new SkiaSharp.SKBitmap(20, 20))
        {
            bitmap.Erase(SkiaSharp.SKColors.Black);
            File.WriteAllBytes(black, bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100).ToArray());
        }
        var (code2, _, stderr2) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input,
            "--patch", "8", "--stride", "8", "--fill", $"baseline:{black}", "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225", "--out", dir.File("picture"), "--quiet");
        Assert.True(code2 == 0, stderr2);
        var (code3, _, stderr3) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input,
            "--patch", "8", "--stride", "8", "--fill", "black", "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225", "--out", dir.File("black"), "--quiet");
        Assert.True(code3 == 0, stderr3);
        var picture = NpyFile.Read(dir.File("picture/heatmap.npy")).Data;
        var blackMap = NpyFile.Read(dir.File("black/heatmap.npy")).Data;
        Assert.True(picture.Max() - picture.Min() > 1e-3);
        for (int i = 0; i < picture.Length; i++) Assert.Equal(blackMap[i], picture[i], 1e-5f);

        // A missing baseline: one line, exit 2, nothing written.
        var (bad, _, badErr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input,
            "--fill", $"baseline:{dir.File("nowhere.png")}", "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225", "--out", dir.File("bad"));
        Assert.Equal(2, bad);
        Assert.Single(badErr.Trim().Split('\n'));
        Assert.Contains("baseline file not found", badErr);
        Assert.False(Directory.Exists(dir.File("bad")) && Directory.EnumerateFileSystemEntries(dir.File("bad")).Any());
    }
}
