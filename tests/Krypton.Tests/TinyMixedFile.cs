using Krypton.Model;
using Krypton.Onnx;
using Krypton.Runtime;

namespace Krypton.Tests;

/// <summary>
/// tiny_mixed.onnx with its golden image, and the original file run by ONNX Runtime: what tests
/// compare Krypton's maps with, on occluded copies they build themselves.
/// </summary>
internal sealed class TinyMixedFile : IDisposable
{
    public const int C = 3, H = 64, W = 64;
    private static readonly Lazy<ModelGraph> LazyModel = new(() => OnnxImporter.Load(TestFiles.TinyMixed));
    private static readonly Lazy<float[]> LazyImage = new(() =>
    {
        return TestFiles.Golden("image");
    });
    private readonly OnnxSession _session = new(File.ReadAllBytes(TestFiles.TinyMixed));

    /// <summary>The model as Krypton reads it.</summary>
    public static ModelGraph Model => LazyModel.Value;

    /// <summary>The golden test's input [1, 3, 64, 64] (do not change it: shared).</summary>
    public static float[] Image => LazyImage.Value;

    /// <summary>The target's probability from the original file (the softmax of its output, unless it ends with one).</summary>
    public float Probability(float[] image, int target)
    {
        var (logits, _) = _session.RunSingle(Model.InputName, image, [1, C, H, W]);
        return Model.EndsWithSoftmax ? logits[target] : SoftmaxAt(logits, target);
    }

    /// <summary>softmax(<paramref name="logits"/>)[<paramref name="target"/>], in double precision.</summary>
    public static float SoftmaxAt(float[] logits, int target)
    {
        double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
        return (float)(Math.Exp(logits[target] - max) / sum);
    }

    public void Dispose() => _session.Dispose();
}
