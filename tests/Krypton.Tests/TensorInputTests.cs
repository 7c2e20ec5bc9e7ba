using System.Text.Json;
using Krypton.IO;
using Krypton.Onnx;

namespace Krypton.Tests;

/// <summary>
/// A preprocessed tensor (.npy) is used as is: it needs no normalization options whatever its
/// channel count, its fills are in its own values, and a fill in pixel values (gray, black, a number,
/// a picture baseline) needs the normalization stated rather than converted through a guess.
/// </summary>
public sealed class TensorInputTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A one-channel 8×8 classifier (convolution, ReLU, global pooling, two outputs) and a tensor for it.</summary>
    private (string Model, string Input) OneChannel()
    {
        var r = new Random(5);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var bytes = new OnnxTestModel(13, [1, 1, 8, 8])
            .Floats("w", [4, 1, 3, 3], Rand(36)).Floats("d", [2, 4], Rand(8)).Floats("db", [2], Rand(2))
            .Node("Conv", ["x", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Relu", ["c"], ["a"])
            .Node("GlobalAveragePool", ["a"], ["p"])
            .Node("Flatten", ["p"], ["f"])
            .Node("Gemm", ["f", "d", "db"], ["y"], attrs: OnnxAttr.Int("transB", 1))
            .Output("y").Bytes();
        string model = _temp.File("one-channel.onnx"), input = _temp.File("x.npy");
        File.WriteAllBytes(model, bytes);
        NpyFile.Write(input, Rand(64).Select(v => 3 * v).ToArray(), [1, 8, 8]);
        return (model, input);
    }

    private static float[] FillInModelSpace(string outDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
        return doc.RootElement.GetProperty("spec").GetProperty("fill_model_space").EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }

    [Fact]
    public void A_one_channel_tensor_runs_without_normalization_options()
    {
        var (model, input) = OneChannel();
        string out_ = _temp.File("out");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", model, "--input", input, "--patch", "3", "--stride", "2", "--fill", "tensor:0.25", "--out", out_, "--quiet");
        Assert.True(code == 0, stderr);
        Assert.Equal([0.25f], FillInModelSpace(out_));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "explanation.json")));
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("input").GetProperty("normalization").ValueKind);
    }

    [Theory]
    [InlineData("gray")]
    [InlineData("0")]
    [InlineData("black")]
    public void A_fill_in_pixel_values_with_a_tensor_asks_for_the_normalization(string fill)
    {
        var (model, input) = OneChannel();
        string out_ = _temp.File("refused");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", model, "--input", input, "--patch", "3", "--fill", fill, "--out", out_);
        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("--fill", stderr);
        Assert.Contains("is given in pixel values, but a tensor input (.npy) is used as is", stderr);
        Assert.Contains("--mean and --std, or --no-normalize", stderr);
        Assert.False(Directory.Exists(out_));
    }

    [Fact]
    public void A_stated_normalization_converts_a_pixel_fill_and_tensor_space_fills_need_none()
    {
        var (model, input) = OneChannel();
        Assert.Equal(0, CliTests.Krypton("explain", "--model", model, "--input", input, "--patch", "3", "--fill", "0", "--no-normalize", "--out", _temp.File("none"), "--quiet").Code);
        Assert.Equal([0f], FillInModelSpace(_temp.File("none")));
        Assert.Equal(0, CliTests.Krypton("explain", "--model", model, "--input", input, "--patch", "3", "--fill", "0.5", "--mean", "0.25", "--std", "0.5", "--out", _temp.File("stated"), "--quiet").Code);
        Assert.Equal([0.5f], FillInModelSpace(_temp.File("stated")));   // (0.5 − 0.25) / 0.5
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", model, "--input", input, "--patch", "3", "--fill", "mean", "--out", _temp.File("mean"), "--quiet");
        Assert.True(code == 0, stderr);
        float mean = NpyFile.Read(input).Data.Average();
        Assert.Equal(mean, FillInModelSpace(_temp.File("mean"))[0], 1e-5f);
    }

    [Fact]
    public void A_picture_for_a_one_channel_model_still_needs_a_normalization_that_fits()
    {
        var (model, _) = OneChannel();
        string picture = Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", model, "--input", picture, "--patch", "3", "--out", _temp.File("picture"));
        Assert.Equal(2, code);
        Assert.Contains("normalization gives 3 mean/std values but the model takes 1 channel(s)", stderr);
        Assert.Equal(0, CliTests.Krypton("explain", "--model", model, "--input", picture, "--patch", "3", "--mean", "0.5", "--std", "0.25", "--out", _temp.File("stated"), "--quiet").Code);
    }
}
