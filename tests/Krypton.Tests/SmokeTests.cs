using System.Text.Json;
using Krypton.Onnx;
using Krypton.Runtime;

namespace Krypton.Tests;

public class SmokeTests
{
    [Theory]
    [InlineData("tiny_mixed.onnx")]
    [InlineData("tiny_mixed_unfolded.onnx")]
    public void Reemitted_tiny_mixed_reproduces_pytorch_logits(string file)
    {
        var graph = OnnxImporter.Load(TestFiles.Path_(file));
        using var golden = JsonDocument.Parse(File.ReadAllText(TestFiles.TinyMixedGolden));
        var image = golden.RootElement.GetProperty("image").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var logits = golden.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        using var session = new OnnxSession(OnnxExporter.ToOnnx(graph));
        var (values, shape) = session.RunSingle(graph.InputName, image, [1, 3, 64, 64]);
        Assert.Equal([1L, 5L], shape);
        for (int i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(values[i] - logits[i]) <= 1e-5, $"logit {i}: {values[i]} vs {logits[i]}");
    }
}
