using Krypton.Demo;

namespace Krypton.Jobs;

/// <summary>
/// Where the model comes from: an ONNX file (<see cref="OnnxFileSource"/>), a built-in architecture
/// (<see cref="ArchitectureSource"/>), or the built-in demo model (<see cref="Demo"/>): one of
/// them by construction.
/// </summary>
public abstract record ModelSource
{
    private protected ModelSource() { }

    /// <summary>
    /// The built-in demo model: the NuGet package's ImageNet ResNet18 with the committed
    /// Fashion-MNIST head (<see cref="DemoModel"/>).
    /// </summary>
    public static ModelSource Demo { get; } = new DemoSource();

    /// <summary>The model used when none is named: the demo model.</summary>
    public static ModelSource Default => Demo;

    /// <summary>True for the demo model.</summary>
    public bool IsDemo => this is DemoSource;

    /// <summary>Loads the model, folds batch norms into convolutions and describes where it came from.</summary>
    /// <exception cref="KryptonException">The file is missing or not a model Krypton reads, or the settings do not fit it.</exception>
    public abstract LoadedModel Load();
}
