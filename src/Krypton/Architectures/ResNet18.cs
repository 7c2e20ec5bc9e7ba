using Krypton.Model;

namespace Krypton.Architectures;

/// <summary>
/// ResNet-18 (He et al. 2016), module for module as torchvision's <c>resnet18</c>: a 7×7 stem,
/// four stages of two BasicBlocks (64, 128, 256, 512 channels; stride 2 from the second stage on,
/// with a 1×1 convolution + batch norm shortcut where the shape changes), global average pool
/// and a 1000-way fully connected layer. 11,689,512 parameters.
/// </summary>
public static class ResNet18
{
    /// <summary>Default input size (height = width).</summary>
    public const int DefaultImageSize = 224;

    /// <summary>Builds the network for a square RGB image.</summary>
    public static ModelGraph Build(WeightSource weights, int imageSize = DefaultImageSize)
    {
        var b = new NetworkBuilder("resnet18", weights, 3, imageSize, imageSize);
        string x = b.Input;

        x = b.Conv("conv1", x, 64, kernel: 7, stride: 2, padding: 3, bias: false);
        x = b.BatchNorm("bn1", x);
        x = b.Relu("relu", x);
        x = b.MaxPool("maxpool", x, kernel: 3, stride: 2, padding: 1);

        x = Stage(b, "layer1", x, 64, stride: 1);
        x = Stage(b, "layer2", x, 128, stride: 2);
        x = Stage(b, "layer3", x, 256, stride: 2);
        x = Stage(b, "layer4", x, 512, stride: 2);

        x = b.AdaptiveAvgPool("avgpool", x, 1, 1);
        x = b.Flatten("flatten", x);
        x = b.Linear("fc", x, 1000);
        return b.Build(x);
    }

    /// <summary>torchvision's <c>_make_layer</c> with two blocks: only the first may stride or widen.</summary>
    private static string Stage(NetworkBuilder b, string name, string x, int planes, int stride)
    {
        x = BasicBlock(b, $"{name}.0", x, planes, stride);
        return BasicBlock(b, $"{name}.1", x, planes, 1);
    }

    private static string BasicBlock(NetworkBuilder b, string name, string x, int planes, int stride)
    {
        string identity = x;

        string o = b.Conv($"{name}.conv1", x, planes, kernel: 3, stride: stride, padding: 1, bias: false);
        o = b.BatchNorm($"{name}.bn1", o);
        o = b.Relu($"{name}.relu", o);
        o = b.Conv($"{name}.conv2", o, planes, kernel: 3, padding: 1, bias: false);
        o = b.BatchNorm($"{name}.bn2", o);

        if (stride != 1 || b.ShapeOf(x)[1] != planes)
        {
            identity = b.Conv($"{name}.downsample.0", x, planes, kernel: 1, stride: stride, bias: false);
            identity = b.BatchNorm($"{name}.downsample.1", identity);
        }

        o = b.Add($"{name}.add", o, identity);
        return b.Relu($"{name}.relu", o);
    }
}
