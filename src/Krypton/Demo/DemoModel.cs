using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;

namespace Krypton.Demo;

/// <summary>
/// The built-in demo model: the ImageNet-pretrained ResNet18 of the NuGet package
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (CNTK's export, 224x224 input, 512 pooled
/// features) with a softmax-regression head trained on Fashion-MNIST by <c>krypton train-head</c>.
/// </summary>
public static class DemoModel
{
    /// <summary>Name of the composed model, for messages and provenance.</summary>
    public const string Name = "resnet18-fashion-mnist";

    /// <summary>Input side of the backbone.</summary>
    public const int Side = 224;

    /// <summary>Number of pooled features the backbone produces.</summary>
    public const int Features = 512;

    /// <summary>Where the build puts the backbone (the CLI project copies it from the NuGet package).</summary>
    public static string DefaultBackbonePath => Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx");

    /// <summary>Where the build puts the committed head (samples/models/ of the repository).</summary>
    public static string DefaultHeadPath => Path.Combine(AppContext.BaseDirectory, "samples", "models", "fashion_head.safetensors");

    /// <summary>
    /// The demo model's tuning profile for a patch, stride and grid (shipped for patch 16, stride 4;
    /// the file may not exist for others).
    /// </summary>
    public static string ProfilePath(Krypton.Spec.Size2 patch, Krypton.Spec.Size2 stride, Krypton.Spec.GridKind grid) =>
        Path.Combine(AppContext.BaseDirectory, "samples", "profiles", $"demo-patch{patch}-stride{stride}-{Krypton.Spec.GridKinds.Name(grid)}.json");

    /// <summary>
    /// The input the backbone expects, as the package's own preprocessing graph
    /// (<c>ResNetPrepOnnx/ResNetPreprocess.onnx</c>) states it: RGB pixels in 0–255, reordered to BGR,
    /// minus a 3x224x224 ImageNet mean image. Krypton normalizes per channel, so the mean image
    /// becomes its per-channel average (B 103.06, G 115.90, R 123.15, within ±13 of every pixel of the
    /// mean image); the head is trained on features computed with exactly this normalization, and
    /// the BGR order is folded into the first convolution (see <see cref="LoadBackbone"/>), so the
    /// model takes RGB like every other model here. Mean and std are in pixel space [0, 1].
    /// </summary>
    public static Preprocessing Normalization { get; } = new(
        [123.15163f / 255f, 115.90288f / 255f, 103.06262f / 255f],
        [1f / 255f, 1f / 255f, 1f / 255f]);

    /// <summary>The preprocessing in words, for the ONNX doc string and the docs.</summary>
    public static string NormalizationText =>
        "input: RGB, 1x3x224x224, value = 255 * pixel - mean with pixel in [0,1] and mean (R,G,B) = (123.15163, 115.90288, 103.06262); " +
        "grayscale pictures replicated to 3 channels; resized bilinearly (half-pixel centres) to 224x224";

    /// <summary>
    /// Imports the backbone, folds its batch norms and permutes the input channels of its first
    /// convolution so that it takes RGB (the CNTK network was trained on BGR); the output is the
    /// [1, 512, 1, 1] pooled feature map.
    /// </summary>
    /// <exception cref="KryptonException">The file is missing or is not the expected network.</exception>
    public static ModelGraph LoadBackbone(string? path = null)
    {
        path ??= DefaultBackbonePath;
        if (!File.Exists(path))
            throw KryptonException.Naming($"the demo backbone is missing: {path} (the build copies it from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18; rebuild, or pass {Term.ModelFile} FILE)");
        var graph = BatchNormFolding.Fold(OnnxImporter.Load(path));
        if (graph.InputShape is not [1, 3, Side, Side] || graph.OutputShape is not [1, Features, 1, 1])
            throw new KryptonException($"{path} is not the ResNet18 featurizer: it maps [{string.Join(",", graph.InputShape)}] to [{string.Join(",", graph.OutputShape)}], expected [1,3,{Side},{Side}] to [1,{Features},1,1]");
        var first = graph.ConsumersOf(graph.InputName).ToList();
        if (first is not [{ Op: Conv conv } stem] || conv.Groups != 1)
            throw new KryptonException($"{path}: expected one ungrouped convolution reading the input");
        var nodes = graph.Nodes.Select(n => ReferenceEquals(n, stem) ? n with { Op = conv with { Weight = SwapInputChannels(conv.Weight) } } : n).ToList();
        return new ModelGraph(graph.InputName, graph.InputShape, nodes, graph.Output, "resnet18-imagenet-features");
    }

    /// <summary>The backbone followed by the head: Flatten, Gemm (logits) and Softmax, one graph.</summary>
    /// <exception cref="KryptonException">The head does not fit the backbone.</exception>
    public static ModelGraph Compose(ModelGraph backbone, ClassifierHead head)
    {
        if (head.InFeatures != backbone.OutputSize)
            throw new KryptonException($"the head takes {head.InFeatures} features, the backbone gives {backbone.OutputSize}");
        string flat = Unique(backbone, "head_flatten"), logits = Unique(backbone, "head_logits"), probs = Unique(backbone, "head_probabilities");
        var nodes = backbone.Nodes.Concat(
        [
            new Node(flat, new Flatten(1), [backbone.Output], flat),
            new Node(logits, new Gemm(head.Weight, head.Bias, TransB: true), [flat], logits),
            new Node(probs, new Softmax(1), [logits], probs),
        ]).ToList();
        return new ModelGraph(backbone.InputName, backbone.InputShape, nodes, probs, Name);
    }

    /// <summary>The composed model as one ONNX file, its doc string and metadata stating the preprocessing and class names.</summary>
    public static byte[] ToOnnx(ModelGraph model, IReadOnlyList<string> classNames)
    {
        var proto = Krypton.Onnx.Proto.ModelProto.Parser.ParseFrom(OnnxExporter.ToOnnx(model));
        proto.DocString = $"{Name}: ImageNet ResNet18 (Microsoft.ML.DnnImageFeaturizer.ResNet18) + softmax regression on Fashion-MNIST, trained by 'krypton train-head'. {NormalizationText}. Output: probabilities of the classes {string.Join(", ", classNames.Select((c, i) => $"{i}={c}"))}.";
        proto.MetadataProps.Add(new Krypton.Onnx.Proto.StringStringEntryProto { Key = "preprocessing", Value = NormalizationText });
        proto.MetadataProps.Add(new Krypton.Onnx.Proto.StringStringEntryProto { Key = "class_names", Value = string.Join("\n", classNames) });
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    private static ConstantTensor SwapInputChannels(ConstantTensor w)
    {
        int outC = w.Shape[0], inC = w.Shape[1], k = w.Shape[2] * w.Shape[3];
        var data = new float[w.Data.Length];
        for (int o = 0; o < outC; o++)
            for (int c = 0; c < inC; c++)
                Array.Copy(w.Data, (o * inC + c) * k, data, (o * inC + (inC - 1 - c)) * k, k);
        return new ConstantTensor(w.Shape, data);
    }

    private static string Unique(ModelGraph g, string name)
    {
        string n = name;
        for (int i = 1; g.Nodes.Any(x => x.Output == n || x.Name == n) || g.InputName == n; i++) n = $"{name}_{i}";
        return n;
    }
}
