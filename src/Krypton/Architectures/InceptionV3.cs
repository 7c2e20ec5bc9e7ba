using Krypton.Model;

namespace Krypton.Architectures;

/// <summary>
/// Inception v3 (Szegedy et al. 2016), module for module as torchvision's <c>inception_v3</c>
/// without the auxiliary classifier and with <c>transform_input=False</c>: a convolutional stem,
/// Mixed_5b–5d (InceptionA), Mixed_6a (InceptionB), Mixed_6b–6e (InceptionC), Mixed_7a
/// (InceptionD), Mixed_7b–7c (InceptionE), global average pool and a 2048→1000 fully connected
/// layer. Every convolution is torchvision's BasicConv2d: conv without bias, batch norm
/// (ε = 0.001), ReLU. 23,834,568 parameters.
/// </summary>
public static class InceptionV3
{
    /// <summary>Default input size (height = width).</summary>
    public const int DefaultImageSize = 299;

    /// <summary>Builds the network for a square RGB image.</summary>
    public static ModelGraph Build(WeightSource weights, int imageSize = DefaultImageSize)
    {
        var b = new NetworkBuilder("inception_v3", weights, 3, imageSize, imageSize);
        string x = b.Input;

        x = BasicConv(b, "Conv2d_1a_3x3", x, 32, kernel: 3, stride: 2);
        x = BasicConv(b, "Conv2d_2a_3x3", x, 32, kernel: 3);
        x = BasicConv(b, "Conv2d_2b_3x3", x, 64, kernel: 3, padding: 1);
        x = b.MaxPool("maxpool1", x, kernel: 3, stride: 2);
        x = BasicConv(b, "Conv2d_3b_1x1", x, 80, kernel: 1);
        x = BasicConv(b, "Conv2d_4a_3x3", x, 192, kernel: 3);
        x = b.MaxPool("maxpool2", x, kernel: 3, stride: 2);

        x = InceptionA(b, "Mixed_5b", x, poolFeatures: 32);
        x = InceptionA(b, "Mixed_5c", x, poolFeatures: 64);
        x = InceptionA(b, "Mixed_5d", x, poolFeatures: 64);
        x = InceptionB(b, "Mixed_6a", x);
        x = InceptionC(b, "Mixed_6b", x, channels7x7: 128);
        x = InceptionC(b, "Mixed_6c", x, channels7x7: 160);
        x = InceptionC(b, "Mixed_6d", x, channels7x7: 160);
        x = InceptionC(b, "Mixed_6e", x, channels7x7: 192);
        x = InceptionD(b, "Mixed_7a", x);
        x = InceptionE(b, "Mixed_7b", x);
        x = InceptionE(b, "Mixed_7c", x);

        x = b.AdaptiveAvgPool("avgpool", x, 1, 1);
        x = b.Dropout("dropout", x);
        x = b.Flatten("flatten", x);
        x = b.Linear("fc", x, 1000);
        return b.Build(x);
    }

    private static string InceptionA(NetworkBuilder b, string name, string x, int poolFeatures)
    {
        string branch1x1 = BasicConv(b, $"{name}.branch1x1", x, 64, kernel: 1);

        string branch5x5 = BasicConv(b, $"{name}.branch5x5_1", x, 48, kernel: 1);
        branch5x5 = BasicConv(b, $"{name}.branch5x5_2", branch5x5, 64, kernel: 5, padding: 2);

        string branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_1", x, 64, kernel: 1);
        branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_2", branch3x3dbl, 96, kernel: 3, padding: 1);
        branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_3", branch3x3dbl, 96, kernel: 3, padding: 1);

        string branchPool = b.AvgPool($"{name}.avg_pool", x, kernel: 3, stride: 1, padding: 1);
        branchPool = BasicConv(b, $"{name}.branch_pool", branchPool, poolFeatures, kernel: 1);

        return b.Concat($"{name}.cat", branch1x1, branch5x5, branch3x3dbl, branchPool);
    }

    private static string InceptionB(NetworkBuilder b, string name, string x)
    {
        string branch3x3 = BasicConv(b, $"{name}.branch3x3", x, 384, kernel: 3, stride: 2);

        string branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_1", x, 64, kernel: 1);
        branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_2", branch3x3dbl, 96, kernel: 3, padding: 1);
        branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_3", branch3x3dbl, 96, kernel: 3, stride: 2);

        string branchPool = b.MaxPool($"{name}.max_pool", x, kernel: 3, stride: 2);

        return b.Concat($"{name}.cat", branch3x3, branch3x3dbl, branchPool);
    }

    private static string InceptionC(NetworkBuilder b, string name, string x, int channels7x7)
    {
        int c7 = channels7x7;
        string branch1x1 = BasicConv(b, $"{name}.branch1x1", x, 192, kernel: 1);

        string branch7x7 = BasicConv(b, $"{name}.branch7x7_1", x, c7, kernel: 1);
        branch7x7 = BasicConv(b, $"{name}.branch7x7_2", branch7x7, c7, (1, 7), (0, 3));
        branch7x7 = BasicConv(b, $"{name}.branch7x7_3", branch7x7, 192, (7, 1), (3, 0));

        string branch7x7dbl = BasicConv(b, $"{name}.branch7x7dbl_1", x, c7, kernel: 1);
        branch7x7dbl = BasicConv(b, $"{name}.branch7x7dbl_2", branch7x7dbl, c7, (7, 1), (3, 0));
        branch7x7dbl = BasicConv(b, $"{name}.branch7x7dbl_3", branch7x7dbl, c7, (1, 7), (0, 3));
        branch7x7dbl = BasicConv(b, $"{name}.branch7x7dbl_4", branch7x7dbl, c7, (7, 1), (3, 0));
        branch7x7dbl = BasicConv(b, $"{name}.branch7x7dbl_5", branch7x7dbl, 192, (1, 7), (0, 3));

        string branchPool = b.AvgPool($"{name}.avg_pool", x, kernel: 3, stride: 1, padding: 1);
        branchPool = BasicConv(b, $"{name}.branch_pool", branchPool, 192, kernel: 1);

        return b.Concat($"{name}.cat", branch1x1, branch7x7, branch7x7dbl, branchPool);
    }

    private static string InceptionD(NetworkBuilder b, string name, string x)
    {
        string branch3x3 = BasicConv(b, $"{name}.branch3x3_1", x, 192, kernel: 1);
        branch3x3 = BasicConv(b, $"{name}.branch3x3_2", branch3x3, 320, kernel: 3, stride: 2);

        string branch7x7x3 = BasicConv(b, $"{name}.branch7x7x3_1", x, 192, kernel: 1);
        branch7x7x3 = BasicConv(b, $"{name}.branch7x7x3_2", branch7x7x3, 192, (1, 7), (0, 3));
        branch7x7x3 = BasicConv(b, $"{name}.branch7x7x3_3", branch7x7x3, 192, (7, 1), (3, 0));
        branch7x7x3 = BasicConv(b, $"{name}.branch7x7x3_4", branch7x7x3, 192, kernel: 3, stride: 2);

        string branchPool = b.MaxPool($"{name}.max_pool", x, kernel: 3, stride: 2);

        return b.Concat($"{name}.cat", branch3x3, branch7x7x3, branchPool);
    }

    private static string InceptionE(NetworkBuilder b, string name, string x)
    {
        string branch1x1 = BasicConv(b, $"{name}.branch1x1", x, 320, kernel: 1);

        string branch3x3 = BasicConv(b, $"{name}.branch3x3_1", x, 384, kernel: 1);
        branch3x3 = b.Concat($"{name}.branch3x3_cat",
            BasicConv(b, $"{name}.branch3x3_2a", branch3x3, 384, (1, 3), (0, 1)),
            BasicConv(b, $"{name}.branch3x3_2b", branch3x3, 384, (3, 1), (1, 0)));

        string branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_1", x, 448, kernel: 1);
        branch3x3dbl = BasicConv(b, $"{name}.branch3x3dbl_2", branch3x3dbl, 384, kernel: 3, padding: 1);
        branch3x3dbl = b.Concat($"{name}.branch3x3dbl_cat",
            BasicConv(b, $"{name}.branch3x3dbl_3a", branch3x3dbl, 384, (1, 3), (0, 1)),
            BasicConv(b, $"{name}.branch3x3dbl_3b", branch3x3dbl, 384, (3, 1), (1, 0)));

        string branchPool = b.AvgPool($"{name}.avg_pool", x, kernel: 3, stride: 1, padding: 1);
        branchPool = BasicConv(b, $"{name}.branch_pool", branchPool, 192, kernel: 1);

        return b.Concat($"{name}.cat", branch1x1, branch3x3, branch3x3dbl, branchPool);
    }

    /// <summary>torchvision's BasicConv2d: convolution without bias, batch norm with ε = 0.001, ReLU.</summary>
    private static string BasicConv(NetworkBuilder b, string name, string x, int outChannels, int kernel, int stride = 1, int padding = 0) =>
        BasicConv(b, name, x, outChannels, (kernel, kernel), (padding, padding), stride);

    private static string BasicConv(NetworkBuilder b, string name, string x, int outChannels, (int H, int W) kernel, (int H, int W) padding, int stride = 1)
    {
        x = b.Conv($"{name}.conv", x, outChannels, kernel, padding, stride, bias: false);
        x = b.BatchNorm($"{name}.bn", x, epsilon: 0.001f);
        return b.Relu($"{name}.relu", x);
    }
}
