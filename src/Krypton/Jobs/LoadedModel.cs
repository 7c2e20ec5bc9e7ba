using Krypton.Imaging;
using Krypton.Model;

namespace Krypton.Jobs;

/// <summary>A loaded model and its provenance.</summary>
/// <param name="Graph">The model graph (batch norms folded).</param>
/// <param name="Path">The file it came from (the ONNX file, or the weights of a built-in architecture).</param>
/// <param name="Sha256">SHA-256 of that file.</param>
/// <param name="Description">How it was obtained, for people.</param>
public sealed record LoadedModel(ModelGraph Graph, string? Path, string? Sha256, string Description)
{
    /// <summary>The input normalization the model was trained with, when known (otherwise ImageNet's applies).</summary>
    public Preprocessing? Normalization { get; init; }

    /// <summary>The normalization to use: the one given, else the model's own, else ImageNet's.</summary>
    public Preprocessing NormalizationOr(Preprocessing? given) => given ?? Normalization ?? Preprocessing.ImageNet;

    /// <summary>The names the model itself gives its outputs (the demo's head, an ONNX file's metadata), when it gives any.</summary>
    public ClassLabels? Labels { get; init; }

    /// <summary>
    /// The names to show: those of <paramref name="labelsFile"/> when given (checked to name every
    /// output), else the model's own when they name every output, else ImageNet-1k's for a model
    /// with 1,000 outputs, else none.
    /// </summary>
    /// <exception cref="KryptonException">The labels file is missing, unreadable, or names a different number of classes.</exception>
    public ClassLabels? LabelsWith(string? labelsFile)
    {
        int outputs = Graph.OutputSize;
        if (labelsFile is not null)
            return ClassLabels.Read(labelsFile).CheckFits(outputs);
        if (Labels is { } own && own.Count == outputs)
            return own;
        return outputs == ClassLabels.ImageNet.Count ? ClassLabels.ImageNet : null;
    }

    /// <summary>The model in words: its file and how it was obtained.</summary>
    public string Describe() => Output.RunRecord.DescribeModel(Path, Description);
}
