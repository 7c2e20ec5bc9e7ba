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

    /// <summary>A name per output index, when known (carried into <see cref="Explain.Explanation.ClassNames"/>).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The model in words: its file and how it was obtained.</summary>
    public string Describe() => Output.RunRecord.DescribeModel(Path, Description);
}
