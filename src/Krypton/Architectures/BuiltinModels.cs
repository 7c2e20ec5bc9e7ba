using Krypton.Model;

namespace Krypton.Architectures;

/// <summary>The CNN architectures Krypton can build without a model file, by torchvision name.</summary>
public static class BuiltinModels
{
    private static readonly Dictionary<string, Func<WeightSource, int?, ModelGraph>> Builders = new()
    {
        ["vgg16"] = (w, size) => Vgg16.Build(w, size ?? Vgg16.DefaultImageSize),
        ["resnet18"] = (w, size) => ResNet18.Build(w, size ?? ResNet18.DefaultImageSize),
        ["inception_v3"] = (w, size) => InceptionV3.Build(w, size ?? InceptionV3.DefaultImageSize),
    };

    /// <summary>Names accepted by <see cref="Create"/>: "vgg16", "resnet18", "inception_v3".</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Builders.Keys];

    /// <summary>
    /// Builds a built-in architecture for a square RGB image of <paramref name="imageSize"/> pixels
    /// (default 224, or 299 for Inception v3). Names are matched case-insensitively.
    /// </summary>
    public static ModelGraph Create(string arch, WeightSource weights, int? imageSize = null)
    {
        if (!Builders.TryGetValue(arch.Trim().ToLowerInvariant(), out var build))
            throw new KryptonException($"unknown architecture '{arch}'; built-in architectures are {string.Join(", ", Names)}");
        return build(weights, imageSize);
    }

    /// <summary>
    /// The learned tensors and batch-norm statistics of a graph under torchvision's state-dict
    /// names, the inverse of loading: a node named <c>m</c> gives <c>m.weight</c> and <c>m.bias</c>
    /// (convolution, linear), plus <c>m.running_mean</c> and <c>m.running_var</c> (batch norm).
    /// Meant for graphs built by <see cref="NetworkBuilder"/>, whose node names are module names.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, ConstantTensor>> StateDict(ModelGraph graph)
    {
        var result = new List<KeyValuePair<string, ConstantTensor>>();
        void Put(string name, ConstantTensor? t)
        {
            if (t is not null) result.Add(new(name, t));
        }
        foreach (var node in graph.Nodes)
        {
            string m = node.Name;
            switch (node.Op)
            {
                case Conv c:
                    Put(m + ".weight", c.Weight);
                    Put(m + ".bias", c.Bias);
                    break;
                case BatchNorm bn:
                    Put(m + ".weight", bn.Scale);
                    Put(m + ".bias", bn.Bias);
                    Put(m + ".running_mean", bn.Mean);
                    Put(m + ".running_var", bn.Variance);
                    break;
                case Gemm g when g.TransB && !g.TransA:
                    Put(m + ".weight", g.B);
                    Put(m + ".bias", g.C);
                    break;
                case Gemm or MatMul:
                    throw new KryptonException($"node '{m}' is not a torch-layout linear layer; its weights have no state-dict name");
            }
        }
        return result;
    }
}
