using Krypton.Demo;
using Krypton.IO;
using Krypton.Model;

namespace Krypton.Jobs;

/// <summary>The built-in demo model: ImageNet ResNet18 (NuGet) with the committed Fashion-MNIST head.</summary>
internal sealed record DemoSource : ModelSource
{
    /// <inheritdoc/>
    public override LoadedModel Load()
    {
        string head = DemoModel.DefaultHeadPath;
        var classifier = ClassifierHead.Load(head);
        var graph = DemoModel.Compose(DemoModel.LoadBackbone(), classifier);
        return new LoadedModel(graph, Path.GetFullPath(head), FileHash.Sha256(head),
            "demo: ImageNet ResNet18 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18) + Fashion-MNIST head")
        {
            Normalization = DemoModel.Normalization,
            Labels = new ClassLabels(classifier.ClassNames, "the demo's head (Fashion-MNIST)"),
        };
    }
}
