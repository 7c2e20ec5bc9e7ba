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
        var image = TestFiles.Golden("image");
        var logits = TestFiles.Golden("logits");
        using var session = new OnnxSession(OnnxExporter.ToOnnx(graph));
        var (values, shape) = session.RunSingle(graph.InputName, image, [1, 3, 64, 64]);
        Assert.Equal([1L, 5L], shape);
        for (int i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(values[i] - logits[i]) <= 1e-5, $"logit {i}: {values[i]} vs {logits[i]}");
    }
}
