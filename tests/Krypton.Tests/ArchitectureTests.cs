using Krypton.Architectures;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Runtime;

namespace Krypton.Tests;

/// <summary>
/// The default-size built-in graphs with seed-0 random weights, built once per test run: VGG16 alone
/// is 550 MB of weights, too much to generate in every test.
/// </summary>
internal static class BuiltGraphs
{
    private static readonly Dictionary<string, Lazy<ModelGraph>> Graphs = BuiltinModels.Names.ToDictionary(
        n => n, n => new Lazy<ModelGraph>(() => BuiltinModels.Create(n, WeightSource.Random())));

    public static ModelGraph Get(string arch) => Graphs[arch].Value;

    private static readonly Lazy<List<KeyValuePair<string, ConstantTensor>>> ResNetSeed0 = new(() => [.. BuiltinModels.StateDict(Get("resnet18"))]);

    /// <summary>ResNet18's seed-0 state dict.</summary>
    public static List<KeyValuePair<string, ConstantTensor>> ResNet18StateDict => ResNetSeed0.Value;
}

public class ArchitectureTests
{
    // Parameter counts as torchvision reports them (sum of p.numel() over model.parameters(),
    // Inception v3 with aux_logits=False); batch-norm running statistics are buffers, not parameters.
    [Theory]
    [InlineData("vgg16", 138_357_544L)]
    [InlineData("resnet18", 11_689_512L)]
    [InlineData("inception_v3", 23_834_568L)]
    public void Parameter_count_equals_torchvision(string arch, long expected)
    {
        var graph = BuiltGraphs.Get(arch);
        Assert.Equal(expected, graph.ParameterCount);
        Assert.Equal([1, 1000], graph.OutputShape);
    }

    // Feature-map shapes from torchvision's model definitions at the default input sizes.
    [Theory]
    [InlineData("vgg16", "features.30", 512, 7)]
    [InlineData("resnet18", "maxpool", 64, 56)]
    [InlineData("resnet18", "layer2.1.relu_1", 128, 28)]
    [InlineData("resnet18", "layer4.1.relu_1", 512, 7)]
    [InlineData("inception_v3", "maxpool2", 192, 35)]
    [InlineData("inception_v3", "Mixed_5b.cat", 256, 35)]
    [InlineData("inception_v3", "Mixed_5d.cat", 288, 35)]
    [InlineData("inception_v3", "Mixed_6a.cat", 768, 17)]
    [InlineData("inception_v3", "Mixed_6e.cat", 768, 17)]
    [InlineData("inception_v3", "Mixed_7a.cat", 1280, 8)]
    [InlineData("inception_v3", "Mixed_7c.cat", 2048, 8)]
    public void Layer_output_shape_matches_torchvision(string arch, string value, int channels, int size)
    {
        Assert.Equal([1, channels, size, size], BuiltGraphs.Get(arch).ShapeOf(value));
    }

    // torchvision's weight metadata "_ops" (GFLOPS, counted as multiply-adds) at the default input sizes.
    [Theory]
    [InlineData("vgg16", 15.47, 2)]
    [InlineData("resnet18", 1.814, 3)]
    [InlineData("inception_v3", 5.713, 3)]
    public void Multiply_adds_match_torchvision(string arch, double giga, int decimals) =>
        Assert.Equal(giga, Math.Round(BuiltGraphs.Get(arch).MultiplyAdds / 1e9, decimals));

    [Fact]
    public void Inception_factorized_kernels_have_torchvision_orientation()
    {
        var shapes = BuiltinModels.StateDict(BuiltGraphs.Get("inception_v3")).ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        // nn.Conv2d(c, c, kernel_size=(1, 7)) stores weight [c, c, 1, 7]; (7, 1) stores [c, c, 7, 1].
        Assert.Equal([128, 128, 1, 7], shapes["Mixed_6b.branch7x7_2.conv.weight"]);
        Assert.Equal([192, 128, 7, 1], shapes["Mixed_6b.branch7x7_3.conv.weight"]);
        Assert.Equal([384, 384, 3, 1], shapes["Mixed_7c.branch3x3dbl_3b.conv.weight"]);
        Assert.Equal([192, 2048, 1, 1], shapes["Mixed_7c.branch_pool.conv.weight"]);
        Assert.Equal([1000, 2048], shapes["fc.weight"]);
        Assert.DoesNotContain(shapes.Keys, k => k.StartsWith("AuxLogits", StringComparison.Ordinal));
    }

    [Fact]
    public void Image_size_defaults_to_224_and_299_for_inception()
    {
        Assert.Equal([1, 3, 224, 224], BuiltGraphs.Get("vgg16").InputShape);
        Assert.Equal([1, 3, 224, 224], BuiltGraphs.Get("resnet18").InputShape);
        Assert.Equal([1, 3, 299, 299], BuiltGraphs.Get("inception_v3").InputShape);
        var large = BuiltinModels.Create("resnet18", WeightSource.Random(), imageSize: 320);
        Assert.Equal([1, 512, 10, 10], large.ShapeOf("layer4.1.relu_1"));
        Assert.Equal([1, 1000], large.OutputShape);
    }

    [Fact]
    public void Adaptive_average_pool_is_exact_or_refused()
    {
        static NetworkBuilder Map(int size) => new("test", WeightSource.Random(), 4, size, size);
        // Already the target size: torchvision's VGG16 at 224, no node at all.
        var same = Map(7);
        Assert.Equal(same.Input, same.AdaptiveAvgPool("avgpool", same.Input, 7, 7));
        // A multiple of the target: non-overlapping windows (VGG16 at 448 pools 14×14 by 2×2).
        var twice = Map(14);
        string pooled = twice.AdaptiveAvgPool("avgpool", twice.Input, 7, 7);
        Assert.Equal([1, 4, 7, 7], twice.ShapeOf(pooled));
        Assert.Equal(new Pool(PoolKind.Average, Window2D.Square(2, 2)), twice.Build(pooled).ProducerOf(pooled)!.Op);
        // To 1×1: a global average, at any size.
        var odd = Map(9);
        string global = odd.AdaptiveAvgPool("avgpool", odd.Input, 1, 1);
        Assert.IsType<GlobalPool>(odd.Build(global).ProducerOf(global)!.Op);
        // 8×8 to 7×7 needs overlapping adaptive windows, which the op set cannot express.
        var e = Assert.Throws<KryptonException>(() => Map(8).AdaptiveAvgPool("avgpool", "input", 7, 7));
        Assert.Contains("'avgpool'", e.Message);
    }

    [Fact]
    public void Vgg16_refuses_an_image_size_its_adaptive_pool_cannot_express()
    {
        var e = Assert.Throws<KryptonException>(() => Vgg16.Build(WeightSource.Random(), 256));
        Assert.Contains("8×8", e.Message);
    }

    [Fact]
    public void Unknown_architecture_lists_the_valid_names()
    {
        var e = Assert.Throws<KryptonException>(() => BuiltinModels.Create("resnet50", WeightSource.Random()));
        Assert.Contains("resnet50", e.Message);
        foreach (var name in new[] { "vgg16", "resnet18", "inception_v3" })
            Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Inception_branch_pools_follow_torchvision()
    {
        var graph = BuiltGraphs.Get("inception_v3");
        // F.avg_pool2d(x, 3, stride=1, padding=1) in InceptionA, C and E, with count_include_pad's default of true.
        var avg = graph.Nodes.Where(n => n.Op is Pool { Kind: PoolKind.Average }).ToList();
        Assert.Equal(3 + 4 + 2, avg.Count);
        Assert.All(avg, n => Assert.Equal(new Pool(PoolKind.Average, Window2D.Square(3, 1, 1), CountIncludePad: true), n.Op));
        Assert.All(graph.Nodes.Where(n => n.Op is BatchNorm), n => Assert.Equal(0.001f, ((BatchNorm)n.Op).Epsilon));
        Assert.All(graph.Nodes.Where(n => n.Op is Conv), n => Assert.Null(((Conv)n.Op).Bias));
    }

    [Fact]
    public void Resnet18_state_dict_has_torchvision_keys()
    {
        var dict = BuiltGraphs.ResNet18StateDict;
        // torchvision's resnet18 state_dict has 122 entries, 20 of them num_batches_tracked (one per batch norm).
        Assert.Equal(102, dict.Count);
        var keys = dict.Select(kv => kv.Key).ToHashSet();
        foreach (var key in new[] { "conv1.weight", "bn1.running_var", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                                    "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias", "fc.weight", "fc.bias" })
            Assert.Contains(key, keys);
        Assert.Equal([1000, 512], dict.Single(kv => kv.Key == "fc.weight").Value.Shape);
    }

    [Fact]
    public void Resnet18_random_weights_give_finite_well_spread_logits_in_onnx_runtime()
    {
        var graph = BuiltGraphs.Get("resnet18");
        var logits = Run(graph, RandomImage(224, seed: 1), out var shape);
        Assert.Equal([1L, 1000L], shape);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        double std = StandardDeviation(logits);
        Assert.InRange(std, 1e-3, 1e3);
    }

    [Fact]
    public void Inception_v3_runs_in_onnx_runtime()
    {
        var graph = BuiltGraphs.Get("inception_v3");
        var logits = Run(graph, RandomImage(299, seed: 1), out var shape);
        Assert.Equal([1L, 1000L], shape);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        Assert.InRange(StandardDeviation(logits), 1e-3, 1e3);
    }

    [Fact]
    public void Random_weights_are_deterministic_per_seed()
    {
        var a = BuiltGraphs.ResNet18StateDict;
        var b = BuiltinModels.StateDict(ResNet18.Build(WeightSource.Random(seed: 0)));
        var c = BuiltinModels.StateDict(ResNet18.Build(WeightSource.Random(seed: 1)));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Value.Data, b[i].Value.Data);
            Assert.NotEqual(a[i].Value.Data, c[i].Value.Data);
        }
    }

    [Fact]
    public void Random_weights_have_he_scale_and_near_identity_batch_norms()
    {
        var dict = BuiltGraphs.ResNet18StateDict.ToDictionary(kv => kv.Key, kv => kv.Value);
        // layer3.0.conv2: 256 × 256 × 3 × 3, fan-in 2304; He's variance is 2 / fan-in.
        var w = dict["layer3.0.conv2.weight"].Data;
        double variance = w.Average(v => (double)v * v);
        Assert.InRange(variance, 0.95 * 2.0 / 2304, 1.05 * 2.0 / 2304);
        Assert.InRange(w.Average(v => (double)v), -1e-4, 1e-4);
        // layer4.1.conv2: 512 × 512 × 3 × 3, large enough to be generated in parallel chunks of 2^20 values.
        var big = dict["layer4.1.conv2.weight"].Data;
        Assert.InRange(big.Average(v => (double)v * v), 0.95 * 2.0 / 4608, 1.05 * 2.0 / 4608);
        Assert.NotEqual(big[..16], big[(1 << 20)..((1 << 20) + 16)]);
        Assert.NotEqual(big[..16], big[(2 << 20)..((2 << 20) + 16)]);
        var runningVar = dict["layer3.0.bn2.running_var"].Data;
        Assert.All(runningVar, v => Assert.InRange(v, 0.9f, 1.1f));
        Assert.True(runningVar.Distinct().Count() > 200, "running variances should be jittered, not all 1");
    }

    internal static float[] RandomImage(int size, int seed)
    {
        var rng = new Random(seed);
        // Uniform on ±√3 has unit variance, like a normalized image.
        return Enumerable.Range(0, 3 * size * size).Select(_ => (float)((rng.NextDouble() * 2 - 1) * Math.Sqrt(3))).ToArray();
    }

    internal static float[] Run(ModelGraph graph, float[] image, out long[] shape)
    {
        using var session = new OnnxSession(OnnxExporter.ToOnnx(graph));
        var (values, s) = session.RunSingle(graph.InputName, image, [1, graph.Channels, graph.Height, graph.Width]);
        shape = s;
        return values;
    }

    private static double StandardDeviation(float[] xs)
    {
        double mean = xs.Average(v => (double)v);
        return Math.Sqrt(xs.Average(v => (v - mean) * (v - mean)));
    }
}
