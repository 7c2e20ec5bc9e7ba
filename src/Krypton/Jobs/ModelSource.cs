using System.Security.Cryptography;
using Krypton.Architectures;
using Krypton.Demo;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>Where the model comes from: an ONNX file, a built-in architecture, or the built-in demo model.</summary>
/// <param name="File">An ONNX file.</param>
/// <param name="Architecture">A built-in architecture name (vgg16, resnet18, inception_v3), or <see cref="DemoModel.Name"/> for the demo model.</param>
/// <param name="WeightsFile">Weights for the architecture (.safetensors); null for seeded random weights.</param>
/// <param name="Seed">Seed of the random weights.</param>
/// <param name="ImageSize">Input size for models that leave it open, and for architectures.</param>
public sealed record ModelSource(string? File = null, string? Architecture = null, string? WeightsFile = null, int Seed = 0, Size2? ImageSize = null)
{
    /// <summary>
    /// The built-in demo model: the NuGet package's ImageNet ResNet18 with the committed
    /// Fashion-MNIST head (<see cref="DemoModel"/>).
    /// </summary>
    public static ModelSource Demo { get; } = new(Architecture: DemoModel.Name);

    /// <summary>The model used when none is named: the demo model.</summary>
    public static ModelSource Default => Demo;

    /// <summary>True when this names the demo model (by name, or by naming nothing).</summary>
    public bool IsDemo => File is null && (Architecture ?? Default.Architecture) == DemoModel.Name;

    /// <summary>Loads the model, folds batch norms into convolutions and describes where it came from.</summary>
    public LoadedModel Load()
    {
        if (File is not null && Architecture is not null)
            throw new KryptonException("give either --model or --arch, not both");
        if (WeightsFile is not null && Architecture is null)
            throw new KryptonException("--weights goes with --arch (an ONNX file carries its own weights)");
        if (File is not null)
        {
            var graph = OnnxImporter.Load(File, ImageSize is { } s ? (s.Height, s.Width) : null);
            return new LoadedModel(BatchNormFolding.Fold(graph), Path.GetFullPath(File), Sha256(File), "onnx file");
        }
        if (IsDemo)
            return LoadDemo();
        var source = this with { Architecture = Architecture ?? Default.Architecture };
        if (source.ImageSize is { } size && size.Height != size.Width)
            throw new KryptonException($"built-in architectures take square images; --image-size {size} is not square");
        if (WeightsFile is not null && !System.IO.File.Exists(WeightsFile))
            throw new KryptonException($"weights file not found: {WeightsFile}");
        var weights = WeightsFile is null ? WeightSource.Random(Seed) : WeightSource.Safetensors(WeightsFile);
        var built = BuiltinModels.Create(source.Architecture!, weights, source.ImageSize?.Height);
        return WeightsFile is null
            ? new LoadedModel(BatchNormFolding.Fold(built), null, null, $"built-in {source.Architecture}, random weights (seed {Seed})")
            : new LoadedModel(BatchNormFolding.Fold(built), Path.GetFullPath(WeightsFile), Sha256(WeightsFile), $"built-in {source.Architecture}, weights from file");
    }

    private LoadedModel LoadDemo()
    {
        if (WeightsFile is not null)
            throw new KryptonException("--weights does not apply to the demo model (its head is trained by 'krypton train-head')");
        if (ImageSize is { } size && (size.Height != DemoModel.Side || size.Width != DemoModel.Side))
            throw new KryptonException($"the demo model takes {DemoModel.Side}x{DemoModel.Side} images; --image-size {size} does not apply");
        string head = DemoModel.DefaultHeadPath;
        var classifier = ClassifierHead.Load(head);
        var graph = DemoModel.Compose(DemoModel.LoadBackbone(), classifier);
        return new LoadedModel(graph, Path.GetFullPath(head), Sha256(head),
            "demo: ImageNet ResNet18 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18) + Fashion-MNIST head")
        {
            Normalization = DemoModel.Normalization,
            ClassNames = classifier.ClassNames,
        };
    }

    /// <summary>Hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

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

    /// <summary>A name per output index, when known (carried into <see cref="Krypton.Explain.Explanation.ClassNames"/>).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}
