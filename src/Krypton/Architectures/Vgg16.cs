using Krypton.Model;

namespace Krypton.Architectures;

/// <summary>
/// VGG-16 (configuration "D", Simonyan &amp; Zisserman 2015), module for module as torchvision's
/// <c>vgg16</c>: 13 3×3 convolutions with ReLU in five stages separated by 2×2 max pools, then a
/// three-layer classifier. 138,357,544 parameters.
/// </summary>
public static class Vgg16
{
    /// <summary>Default input size (height = width).</summary>
    public const int DefaultImageSize = 224;

    // torchvision's cfgs["D"]: output channels of each convolution, "M" for a max pool.
    private static readonly object[] Config = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"];

    /// <summary>
    /// Builds the network for a square RGB image. The adaptive 7×7 average pool before the
    /// classifier is exact only when the last feature map is a multiple of 7×7 (image size a
    /// multiple of 224); other sizes are refused.
    /// </summary>
    public static ModelGraph Build(WeightSource weights, int imageSize = DefaultImageSize)
    {
        var b = new NetworkBuilder("vgg16", weights, 3, imageSize, imageSize);
        string x = b.Input;

        // make_layers: features.i numbers every module, ReLUs and pools included.
        int i = 0;
        foreach (var layer in Config)
        {
            if (layer is "M")
                x = b.MaxPool($"features.{i++}", x, kernel: 2, stride: 2);
            else
            {
                x = b.Conv($"features.{i++}", x, (int)layer, kernel: 3, padding: 1);
                x = b.Relu($"features.{i++}", x);
            }
        }

        x = b.AdaptiveAvgPool("avgpool", x, 7, 7);
        x = b.Flatten("flatten", x);

        x = b.Linear("classifier.0", x, 4096);
        x = b.Relu("classifier.1", x);
        x = b.Dropout("classifier.2", x);
        x = b.Linear("classifier.3", x, 4096);
        x = b.Relu("classifier.4", x);
        x = b.Dropout("classifier.5", x);
        x = b.Linear("classifier.6", x, 1000);
        return b.Build(x);
    }
}
