using Krypton.Architectures;
using Krypton.IO;
using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>A built-in architecture (vgg16, resnet18, inception_v3) as torchvision defines it.</summary>
/// <param name="Architecture">The architecture's name.</param>
/// <param name="WeightsFile">Weights (.safetensors with torchvision's state_dict names); null for seeded random weights.</param>
/// <param name="Seed">Seed of the random weights.</param>
/// <param name="ImageSize">Input size (square); null for the architecture's own.</param>
public sealed record ArchitectureSource(string Architecture, string? WeightsFile = null, int Seed = 0, Size2? ImageSize = null) : ModelSource
{
    /// <inheritdoc/>
    public override LoadedModel Load()
    {
        if (ImageSize is { } size && size.Height != size.Width)
            throw KryptonException.Naming($"built-in architectures take square images; {Term.ImageSize} {size} is not square");
        if (WeightsFile is not null && !File.Exists(WeightsFile))
            throw new KryptonException($"weights file not found: {WeightsFile}");
        var weights = WeightsFile is null ? WeightSource.Random(Seed) : WeightSource.Safetensors(WeightsFile);
        var built = BatchNormFolding.Fold(BuiltinModels.Create(Architecture, weights, ImageSize?.Height));
        return WeightsFile is null
            ? new LoadedModel(built, null, null, $"built-in {Architecture}, random weights (seed {Seed})")
            : new LoadedModel(built, Path.GetFullPath(WeightsFile), FileHash.Sha256(WeightsFile), $"built-in {Architecture}, weights from file");
    }
}
