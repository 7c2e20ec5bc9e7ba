using Krypton.IO;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>A model in an ONNX file.</summary>
/// <param name="Path">The .onnx file.</param>
/// <param name="ImageSize">Input size when the file leaves it symbolic (default 224).</param>
public sealed record OnnxFileSource(string Path, Size2? ImageSize = null) : ModelSource
{
    /// <inheritdoc/>
    public override LoadedModel Load()
    {
        var (graph, metadata) = OnnxImporter.LoadWithMetadata(Path, ImageSize is { } s ? (s.Height, s.Width) : null);
        return new LoadedModel(BatchNormFolding.Fold(graph), System.IO.Path.GetFullPath(Path), FileHash.Sha256(Path), "onnx file")
        {
            Labels = ClassLabels.FromMetadata(metadata),
        };
    }
}
