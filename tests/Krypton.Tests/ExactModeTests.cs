using Krypton.Architectures;
using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Exact incremental inference gives the naive heat map on the built-in architectures (random
/// weights), at coarse strides and at the position flush with the bottom-right corner; models it
/// cannot run incrementally fall back to naive and say which node is why.
/// </summary>
public class ExactModeTests
{
    private static readonly Fill Fill = new TensorFill(0.3f);

    [Theory]
    [InlineData("vgg16", 224, 69, 1)]      // VGG16 costs ~0.1–0.25 s per naive position here: few positions
    [InlineData("resnet18", 224, 52, 2)]
    [InlineData("inception_v3", 299, 70, 2)]
    public void Builtin_exact_equals_naive(string arch, int size, int stride, int cornerReach)
    {
        var (model, input) = ExactVsNaive.Builtin(arch, size);
        var patch = Size2.Square(16);
        var grid = new OcclusionSpec(patch, Size2.Square(stride), Fill, Value: ValueKind.Logit);
        var (_, naive) = ExactVsNaive.Check(model, input, grid, $"{arch} stride {stride}");
        // The corner run explains the same class, so its value is comparable with the grid's.
        ExactVsNaive.Check(model, input, ExactVsNaive.Corner(model, patch, Fill, naive.Target, cornerReach), $"{arch} corner", expectRange: false);
    }

    [Theory]
    [InlineData("resnet18", 224, 16, 1.0)]
    [InlineData("resnet18", 224, 16, 0.6)]
    [InlineData("inception_v3", 299, 16, 1.0)]
    public void Every_cache_the_cache_graph_makes_is_read(string arch, int size, int patch, double tau)
    {
        // Late layers whose change covers the whole map run without a gather: they must not be
        // sent a cache (computed per image, kept on the device) that nothing reads.
        var plan = Incremental.IncrementalPlan.Build(BuiltinModels.Create(arch, WeightSource.Random(0), size), patch, patch, tau);
        var compiled = Compilation.IncrementalGraph.Compile(plan, ValueKind.Logit);
        var graph = Onnx.Proto.ModelProto.Parser.ParseFrom(compiled.IncrementalGraph).Graph;
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet();
        Assert.NotEmpty(compiled.Caches);
        Assert.All(compiled.Caches, c => Assert.Contains(c.InputName, read));
        Assert.Equal(compiled.Caches.Select(c => c.InputName).Order(), graph.Input.Select(i => i.Name).Where(n => n.StartsWith("cache", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public void Resnet18_non_square_patch_with_unequal_strides()
    {
        var model = BuiltinModels.Create("resnet18", WeightSource.Random(3), 224);
        var input = ExactVsNaive.Input(model, 12);
        var patch = new Size2(16, 8);
        var spec = new OcclusionSpec(patch, new Size2(40, 24), Fill, Value: ValueKind.Logit);
        var (_, naive) = ExactVsNaive.Check(model, input, spec, "resnet18 16x8 stride 40x24", batch: 16);
        Assert.Equal((6, 10), (naive.Grid.Rows, naive.Grid.Columns));   // the full grid: min(ceil((S - w) / s) + 1, ceil(S / s)) per axis
        ExactVsNaive.Check(model, input, ExactVsNaive.Corner(model, patch, Fill, naive.Target), "resnet18 16x8 corner", expectRange: false);
    }

    [Fact]
    public void Resnet18_patches_cut_off_at_the_border_are_exact()
    {
        // Stride 12 on 224 - 16: the full grid's last row and column of patches start at 216 and are
        // cut off after 8 pixels. Exact mode plans them as the whole patch flush with the border and
        // fills only the cells they cover; the region keeps the computation to the corner's cells.
        var model = BuiltinModels.Create("resnet18", WeightSource.Random(5), 224);
        var input = ExactVsNaive.Input(model, 13);
        var spec = new OcclusionSpec(Size2.Square(16), Size2.Square(12), Fill, Value: ValueKind.Logit, RegionOfInterest: new PixelRegion(190, 150, 34, 74));
        foreach (var precision in Precisions)
        {
            var (exact, naive) = ExactVsNaive.Check(model, input, spec, $"resnet18 cut off at the border {precision}", batch: 16, precision: precision);
            Assert.Equal((19, 19), (naive.Grid.Rows, naive.Grid.Columns));
            Assert.Equal(new PixelRegion(216, 216, 8, 8), naive.Grid.PatchAt(naive.Grid.Count - 1));
            Assert.True(float.IsFinite(exact.HeatMap[^1]) && float.IsFinite(exact.HeatMap[18 * 19 + 13]));
        }
    }

    /// <summary>
    /// The model's layers before <paramref name="firstHeadNode"/>, then global average pooling and
    /// a 10-way linear layer. VGG16's classifier holds 120 M of its 138 M weights: building ONNX
    /// Runtime sessions over it costs tens of seconds here, while every layer exact mode treats
    /// incrementally lies before it (after the first global op both modes run the same full layers).
    /// </summary>
    internal static ModelGraph WithSmallHead(ModelGraph model, string firstHeadNode)
    {
        var nodes = model.Nodes.TakeWhile(n => n.Name != firstHeadNode).ToList();
        Assert.True(nodes.Count < model.Nodes.Count, $"no node '{firstHeadNode}' in {model.Name}");
        string features = nodes[^1].Output;
        int channels = model.ShapeOf(features)[1];
        var r = new Random(7);
        float[] Rand(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((2 * r.NextDouble() - 1) * scale)).ToArray();
        nodes.Add(new Node("head.pool", new GlobalPool(PoolKind.Average), [features], "head.pool"));
        nodes.Add(new Node("head.flatten", new Flatten(1), ["head.pool"], "head.flatten"));
        nodes.Add(new Node("head.fc", new Gemm(new ConstantTensor([channels, 10], Rand(channels * 10, 1 / Math.Sqrt(channels))),
            new ConstantTensor([10], Rand(10, 0.1))), ["head.flatten"], "head.fc"));
        return model.WithNodes(nodes, "head.fc");
    }

    /// <summary>conv → (the op under test) → conv → global average → linear, on 20×20 inputs.</summary>
    private static ModelGraph Around(string name, Func<NetworkBuilder, string, string> middle)
    {
        var b = new NetworkBuilder(name, WeightSource.Random(5), 3, 20, 20);
        string x = b.Relu("relu1", b.Conv("conv1", b.Input, 4, 3, padding: 1));
        x = middle(b, x);
        x = b.Relu("relu2", b.Conv("conv2", x, 6, 3, padding: 1));
        return b.Build(b.Linear("fc", b.Flatten("flatten", b.GlobalAvgPool("gap", x)), 5));
    }

    /// <summary>
    /// Pooling whose last ceil-mode window runs past the padded input on both axes (20 rows: the
    /// windows start at −1, 1, …, 19 and the last reads rows 19–21, one beyond the padding; 21
    /// columns with asymmetric padding), where the divisor of average pooling must leave out the
    /// cells past the padding (and, without count_include_pad, the padding too).
    /// </summary>
    public static TheoryData<string> Pools => ["avg_incl_ceil", "avg_excl_ceil", "avg_incl_ceil_asym", "max_ceil_dilated", "avg_incl_floor"];

    [Theory]
    [MemberData(nameof(Pools))]
    public void Pooling_past_the_padding_exact_equals_naive(string kind)
    {
        var pool = kind switch
        {
            "avg_incl_ceil" => new Pool(PoolKind.Average, Window2D.Square(3, 2, 1), CeilMode: true, CountIncludePad: true),
            "avg_excl_ceil" => new Pool(PoolKind.Average, Window2D.Square(3, 2, 1), CeilMode: true, CountIncludePad: false),
            "avg_incl_ceil_asym" => new Pool(PoolKind.Average, new Window2D(3, 2, 2, 3, 2, 1, 0, 0), CeilMode: true, CountIncludePad: true),
            "max_ceil_dilated" => new Pool(PoolKind.Max, new Window2D(2, 3, 2, 2, 1, 0, 0, 1, 2, 1), CeilMode: true),
            _ => new Pool(PoolKind.Average, new Window2D(3, 3, 2, 2, 1, 2, 2, 1), CountIncludePad: true),
        };
        var b = new NetworkBuilder(kind, WeightSource.Random(9), 3, 20, 21);
        string x = b.Relu("relu1", b.Conv("conv1", b.Input, 4, 3, padding: 1));
        x = b.Layer("the_pool", pool, x);
        x = b.Relu("relu2", b.Conv("conv2", x, 6, 3, padding: 1));
        var model = b.Build(b.Linear("fc", b.Flatten("flatten", b.GlobalAvgPool("gap", x)), 5));
        var input = ExactVsNaive.Input(model, 23);
        var patch = new Size2(3, 4);
        var spec = new OcclusionSpec(patch, new Size2(2, 3), Fill, Value: ValueKind.Logit);
        foreach (var precision in Precisions)
        {
            var (_, naive) = ExactVsNaive.Check(model, input, spec, $"{kind} {precision}", precision: precision);
            ExactVsNaive.Check(model, input, ExactVsNaive.Corner(model, patch, Fill, naive.Target, reach: 4), $"{kind} {precision} corner", precision: precision);
        }
    }

    /// <summary>Both precisions: exact int8 must equal naive int8 wherever exact float32 equals naive float32.</summary>
    private static readonly Precision[] Precisions = [Precision.Fp32, Precision.Int8];

    public static TheoryData<string> Unsupported => ["reflect_pad", "edge_pad", "spatial_mul"];

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void Unsupported_node_falls_back_to_the_naive_heat_map(string kind)
    {
        var model = Around(kind, (b, x) => kind switch
        {
            "reflect_pad" => b.Layer("the_pad", new Pad([0, 0, 1, 2, 0, 0, 2, 1], PadMode.Reflect), x),
            "edge_pad" => b.Layer("the_pad", new Pad([0, 0, 1, 1, 0, 0, 1, 1], PadMode.Edge), x),
            _ => b.Layer("the_mul", new Binary(BinaryKind.Mul,
                new ConstantTensor([1, 1, 20, 20], Enumerable.Range(0, 400).Select(i => 0.5f + (i % 7) / 7f).ToArray())), x),
        });
        var input = ExactVsNaive.Input(model, 21);
        var spec = new OcclusionSpec(Size2.Square(5), Size2.Square(3), Fill, Value: ValueKind.Logit);
        foreach (var precision in Precisions)
        {
            var (exact, _) = ExactVsNaive.Check(model, input, spec, $"{kind} {precision}", expectFallback: true, precision: precision);
            string node = kind == "spatial_mul" ? "the_mul" : "the_pad";
            Assert.Contains($"'{node}'", exact.FallbackReason);
        }
    }

    [Fact]
    public void Constant_pad_and_per_channel_mul_run_exactly()
    {
        // The supported neighbours of the fallback cases: they must not fall back.
        var model = Around("supported", (b, x) =>
        {
            x = b.Layer("the_pad", new Pad([0, 0, 2, 0, 0, 0, 1, 3], PadMode.Constant, 0.25f), x);
            return b.Layer("the_mul", new Binary(BinaryKind.Mul, new ConstantTensor([1, 4, 1, 1], [0.5f, -1f, 2f, 1.5f])), x);
        });
        var input = ExactVsNaive.Input(model, 22);
        var spec = new OcclusionSpec(Size2.Square(5), Size2.Square(3), Fill, Value: ValueKind.Logit);
        foreach (var precision in Precisions)
        {
            ExactVsNaive.Check(model, input, spec, $"constant pad + per-channel mul {precision}", precision: precision);
            ExactVsNaive.Check(model, input, ExactVsNaive.Corner(model, Size2.Square(5), Fill), $"constant pad corner {precision}", expectRange: false, precision: precision);
        }
    }
}
